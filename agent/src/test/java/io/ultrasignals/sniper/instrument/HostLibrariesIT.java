package io.ultrasignals.sniper.instrument;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisServer;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner has its own, older Lettuce, Netty, Guava and slf4j with a backend on its class path. With the agent
 * attached, it still loads its own versions, its own Lettuce talks to Redis, the agent's (relocated) copies cap its
 * signals through the same Redis, and nothing warns about clashing slf4j bindings.
 */
class HostLibrariesIT {
    @Test
    void aRunnerWithItsOwnNettyGuavaAndLettuceRunsUnchangedWithTheAgent(@TempDir Path dir) throws IOException {
        try (RedisServer redis = RedisServer.start(RedisBinaries.newest())) {
            Path settings = SettingsYaml.caps(3, 0).redis(redis, "host-libs-" + System.nanoTime())
                    .entry("com.acme.runner.ConsoleRunner#publish", "signal_id: arg0.getId()")
                    .writeIn(dir);

            RunnerJvm.Result result = RunnerJvm.builder().agent("config=" + settings)
                    .classPath(RunnerJvm.hostLibraries())
                    .run("libraries", redis.uri(), "h", "5");

            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.out()).as(result.toString()).contains(
                    "HOST-LIB io.netty.channel.Channel netty-transport-4.1.100.Final.jar",
                    "HOST-LIB io.lettuce.core.RedisClient lettuce-core-6.3.2.RELEASE.jar",
                    "HOST-LIB com.google.common.collect.ImmutableList guava-32.1.3-jre.jar",
                    "HOST-LETTUCE PONG",
                    "DONE");
            assertThat(result.published()).as(result.toString()).containsExactly("h-0", "h-1", "h-2");
            assertThat(result.outcome("h-3")).isEqualTo("RESULT h-3 false");
            assertThat(result.err()).as("no slf4j warnings, no agent complaints: " + result)
                    .noneMatch(line -> line.startsWith("SLF4J") || line.contains("sniper-agent"));
        }
    }
}
