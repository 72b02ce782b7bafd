package io.ultrasignals.sniper.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.testkit.RepoRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * README's main command, as written: the line marked {@code # main job}. Its build step is what this very
 * build just did, so the test runs what follows the {@code &&} (the packaged jar's demo) from the repository root.
 */
class ReadmeMainCommandIT {
    @Test
    void theMainJobRunsAsWritten() throws Exception {
        Path root = RepoRoot.path();
        String line = Files.readAllLines(root.resolve("README.md")).stream()
                .filter(l -> l.contains("# main job")).findFirst()
                .orElseThrow(() -> new AssertionError("README.md has no line marked '# main job'"));
        String command = line.substring(0, line.indexOf("# main job")).trim();
        assertThat(command).as("README main command").contains("&&");
        String run = command.substring(command.indexOf("&&") + 2).trim();
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", run).directory(root.toFile()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(name -> name.startsWith("ULTRA_SIGNALS_"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("finished").isTrue();
        assertThat(p.exitValue()).as(run + "\n" + out).isZero();
        assertThat(out).contains("Summary").contains("admitted").contains("SNIPER_MTF_REQUIRED").contains("hour count / cap");
    }
}
