package io.ultrasignals.sniper.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which binaries fit an image FROM scratch: the ELF check, on the bundled servers themselves. */
class ContainerLauncherTest {
    @Test
    void theBundled7IsStaticAndThe62BuildIsNot() {
        assumeThat(System.getProperty("os.name")).as("ELF binaries on Linux").containsIgnoringCase("linux");
        for (RedisBinary binary : RedisBinaries.all()) {
            assertThat(ContainerLauncher.isStatic(binary.path())).as(binary.toString())
                    .isEqualTo(binary.major() >= 7);
        }
    }

    @Test
    void aFileThatIsNoElfExecutableIsNotStatic(@TempDir Path dir) throws Exception {
        Path script = Files.writeString(dir.resolve("redis-server"), "#!/bin/sh\nexec true\n");
        assertThat(ContainerLauncher.isStatic(script)).isFalse();
    }
}
