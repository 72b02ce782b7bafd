package io.ultrasignals.sniper.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's top directory, for tests that check files outside any module (ops/, dashboards/, lua/). */
public final class RepoRoot {
    /** A file only the repository root has. */
    private static final String MARKER = "lua/manifest.json";

    private RepoRoot() {}

    /**
     * {@code SNIPER_REPO_ROOT} (surefire sets it to the Maven top directory), else the nearest directory
     * at or above the working directory that holds {@code lua/manifest.json}.
     */
    public static Path path() {
        String fromEnv = System.getenv("SNIPER_REPO_ROOT");
        if (fromEnv != null && !fromEnv.isBlank()) {
            Path root = Path.of(fromEnv).toAbsolutePath().normalize();
            if (!Files.isRegularFile(root.resolve(MARKER))) {
                throw new IllegalStateException("SNIPER_REPO_ROOT=" + fromEnv + " has no " + MARKER
                        + "; expected the repository's top directory");
            }
            return root;
        }
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(MARKER))) {
                return dir;
            }
        }
        throw new IllegalStateException("no " + MARKER + " at or above " + start
                + "; run from inside the repository or set SNIPER_REPO_ROOT");
    }

    /** A path below the repository root, e.g. {@code resolve("ops/prometheus/alerts.yml")}. */
    public static Path resolve(String relative) {
        return path().resolve(relative);
    }
}
