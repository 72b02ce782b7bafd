package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ultrasignals.sniper.redis.ClockOffset;
import io.ultrasignals.sniper.redis.RedisEngine;
import io.ultrasignals.sniper.redis.ScriptRunner;
import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.ScriptCatalog;
import io.ultrasignals.sniper.script.WindowMode;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An acquire whose deadline has passed before it is sent (the guard's start-up warm-up sends one so the script
 * replies without counting) is answered once: a retry with a fresh deadline "as far ahead" would be past again.
 * Seen: ten thousand EVALSHA in a 50-signal batch, the warm-up waiting its whole budget, seconds of CPU.
 */
@ExtendWith(RedisExtension.class)
class PastDeadlineAcquireTest {
    private static final Pattern FAILED_EVALSHA = Pattern.compile("cmdstat_evalsha:.*failed_calls=(\\d+)");

    @Test
    void aDeadlinePastWhenSentIsRefusedOnceAndNotRetried(RedisServer server) throws Exception {
        TestSettings settings = TestSettings.on(server).caps(1_000, 0).heartbeat(Duration.ofSeconds(30));
        try (SniperRuntime runtime = SniperRuntime.create(settings.build(), GuardListener.NONE).start()) {
            Thread.sleep(300); // anything the start-up warm-up left running would show as failed calls below
            server.call("CONFIG", "RESETSTAT");
            RedisEngine redis = new RedisEngine(new ScriptRunner(runtime.link().orElseThrow(), Duration.ofSeconds(1), () -> {}),
                    ScriptCatalog.load(), settings.namespace(), new ClockOffset());

            assertThatThrownBy(() -> redis.acquireAsync(new AcquireArgs(0, 0, false, false, null, null, WindowMode.FIXED), 1L)
                    .get(5, TimeUnit.SECONDS)).hasStackTraceContaining("deadline_ms passed");
            Thread.sleep(300);
            assertThat(failedEvalsha(server)).as("error replies to EVALSHA: the refusal, and no retry").isEqualTo(1);
        }
    }

    private static long failedEvalsha(RedisServer server) {
        Matcher m = FAILED_EVALSHA.matcher(String.valueOf(server.call("INFO", "commandstats")));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
}
