package io.ultrasignals.sniper.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds external programs tests need (prometheus, promtool, ...). A missing program skips the test
 * on a developer's machine but fails it under CI ({@code CI=true}), where a skip would hide that the
 * check never ran.
 */
public final class Tools {
    private Tools() {}

    /**
     * The program's path, or the test is skipped (locally) or failed (CI). Looks at the environment
     * variable {@code SNIPER_<NAME>} first (e.g. {@code SNIPER_PROMTOOL}), then {@code PATH}, then
     * {@code /usr/bin}.
     */
    public static Path requireOrSkip(String name) {
        Optional<Path> found = find(name);
        if (found.isPresent()) {
            return found.get();
        }
        String message = name + " not found (looked at $" + envVariable(name) + ", PATH and /usr/bin); "
                + "install it (Debian: apt-get install prometheus for prometheus and promtool) or set "
                + envVariable(name) + " to its path";
        if (isCi()) {
            throw new IllegalStateException(message + " [CI=true: a missing tool fails the build]");
        }
        Assumptions.abort("skipped: " + message);
        throw new AssertionError("unreachable");
    }

    /** The program's path if it is installed; see {@link #requireOrSkip}. */
    public static Optional<Path> find(String name) {
        String override = System.getenv(envVariable(name));
        if (override != null && !override.isBlank()) {
            Path path = Path.of(override);
            if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
                // A variable set on purpose but pointing nowhere is a mistake to report, not a skip.
                throw new IllegalStateException(envVariable(name) + "=" + override + " is not an executable file");
            }
            return Optional.of(path);
        }
        for (Path dir : searchPath()) {
            Path candidate = dir.resolve(name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** True when running under CI, where missing tools are failures. */
    public static boolean isCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    static String envVariable(String name) {
        return "SNIPER_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    private static List<Path> searchPath() {
        List<Path> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String entry : path.split(java.io.File.pathSeparator)) {
                if (!entry.isBlank()) {
                    dirs.add(Path.of(entry));
                }
            }
        }
        dirs.add(Path.of("/usr/bin"));
        return dirs;
    }
}
