package io.ultrasignals.sniper.instrument;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisServer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Expected Redis trouble is quiet in the host: when Redis dies under a running runner (its connection reset, every
 * reconnect refused), the runner's stderr gets one line for the backend change, and neither the bundled Netty's
 * nor Lettuce's stack traces or reconnect chatter.
 */
class QuietHostIT {
    @Test
    void aResetAndRefusedRedisPrintsOneLinePerBackendChange(@TempDir Path dir) throws Exception {
        RedisServer redis = RedisServer.start(RedisBinaries.newest());
        RunnerJvm.Result result;
        try {
            Path settings = SettingsYaml.caps(0, 0).redis(redis, "quiet-" + System.nanoTime())
                    .entry("com.acme.runner.ConsoleRunner#publish", "signal_id: arg0.getId()").writeIn(dir);
            try (RunnerJvm runner = RunnerJvm.builder().agent("config=" + settings).start("interactive")) {
                runner.awaitLine("READY");
                runner.send("publish before-1 true");
                assertThat(runner.awaitLine("RESULT before-1")).isEqualTo("RESULT before-1 true");
                redis.kill();
                for (int i = 0; i < 5; i++) {
                    runner.send("publish after-" + i + " true");
                    // The fallback is deny: with Redis gone, each call is blocked (and skipped).
                    runner.awaitLine("RESULT after-" + i);
                    Thread.sleep(300); // reconnect attempts (10 ms, doubling) are refused meanwhile
                }
                runner.send("quit");
                result = runner.await();
            }
        } finally {
            redis.close();
        }
        List<String> err = result.err();
        assertThat(result.exitCode()).as("%s", result).isZero();
        assertThat(err).as("%s", result).noneMatch(line -> line.startsWith("\tat ")
                || line.contains("io.ultrasignals.sniper.shaded."));
        assertThat(err).as("%s", result).filteredOn(line -> line.contains("decisions now made by")).hasSize(1)
                .allMatch(line -> line.contains("were redis"));
        assertThat(err).as("every record one line: %s", result).noneMatch(line -> line.matches("^[A-Z][a-z]{2} \\d\\d, .*"));
    }
}
