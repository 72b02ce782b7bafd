package io.ultrasignals.sniper.testkit;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * External tools some tests need (luacheck, promtool, prometheus). Locally a missing tool skips the
 * test with a message saying what to install; under CI ({@code CI=true}) it fails the test, so a
 * broken CI set-up can never pass as skipped.
 */
public final class Tools {
    private Tools() {}

    /** Finds {@code name} on the PATH, or skips (locally) / fails (CI) saying how to get it. */
    public static Path requireOrSkip(String name, String howToInstall) {
        Path found = find(name);
        if (found == null) {
            String message = name + " not found on PATH; install " + howToInstall;
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(message + " (CI=true: a missing tool is a failure)");
            }
            Assumptions.abort(message);
        }
        return found;
    }

    public static Path find(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
