package io.ultrasignals.sniper.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The silence rule on an injected clock: K timeouts in a row and nothing answered for T. */
@Tag("unit")
class SilentConnectionWatchdogTest {
    private final AtomicLong nanos = new AtomicLong();
    private final SilentConnectionWatchdog watchdog =
            new SilentConnectionWatchdog(3, Duration.ofMillis(500), Duration.ofMillis(1500), nanos::get);

    private void advance(long millis) {
        nanos.addAndGet(millis * 1_000_000L);
    }

    @Test
    void threeTimeoutsInARowAfterTheSilenceReplace() {
        advance(500);
        assertThat(watchdog.timedOut()).isFalse();
        advance(500);
        assertThat(watchdog.timedOut()).isFalse();
        advance(500);
        assertThat(watchdog.timedOut()).as("3 in a row, 1500 ms without an answer").isTrue();
    }

    @Test
    void timeoutsFasterThanTheSilenceDoNotReplace() {
        for (int i = 0; i < 10; i++) {
            advance(100);
            assertThat(watchdog.timedOut()).as("only %d ms silent", (i + 1) * 100).isFalse();
        }
        advance(500);
        assertThat(watchdog.timedOut()).isTrue();
    }

    @Test
    void anAnswerStartsTheCountAgain() {
        advance(1000);
        watchdog.timedOut();
        watchdog.timedOut();
        watchdog.answered();
        advance(2000);
        assertThat(watchdog.timedOut()).isFalse();
        assertThat(watchdog.timedOut()).isFalse();
        assertThat(watchdog.timedOut()).isTrue();
        watchdog.replaced();
        assertThat(watchdog.timedOut()).as("a new connection starts afresh").isFalse();
    }

    @Test
    void repliesToOtherCommandsMeanABusyNotASilentConnection() {
        AtomicLong lastReply = new AtomicLong();
        watchdog.alsoCountReplies(lastReply::get);
        for (int i = 0; i < 6; i++) {
            advance(500);
            lastReply.set(nanos.get()); // decisions keep being answered while the probes queue behind them
            assertThat(watchdog.timedOut()).as("probe %d timed out behind answered decisions", i + 1).isFalse();
        }
        advance(1500);
        assertThat(watchdog.timedOut()).as("nothing answered for 1500 ms").isTrue();
    }

    @Test
    void badSettingsAreRefusedWithOneLine() {
        assertThatThrownBy(() -> new SilentConnectionWatchdog(0, Duration.ofMillis(1), Duration.ZERO, nanos::get))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeoutsInARow >= 1");
    }
}
