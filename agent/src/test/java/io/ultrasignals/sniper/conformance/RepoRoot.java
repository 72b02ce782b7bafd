package io.ultrasignals.sniper.conformance;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository root: SNIPER_REPO_ROOT (set by surefire) or the nearest parent holding lua/manifest.json. */
public final class RepoRoot {
    private RepoRoot() {}

    public static Path path() {
        String env = System.getenv("SNIPER_REPO_ROOT");
        Path dir = env != null ? Path.of(env).toAbsolutePath() : Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("lua/manifest.json"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no repository root with lua/manifest.json above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
