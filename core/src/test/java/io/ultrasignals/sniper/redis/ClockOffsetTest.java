package io.ultrasignals.sniper.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The offset to Redis's clock from reply times, on a local clock the test sets: no Redis, no sleeping. */
@Tag("unit")
class ClockOffsetTest {
    private final AtomicLong localClock = new AtomicLong(10_000);
    private final ClockOffset offset = new ClockOffset(localClock::get);

    @Test
    void unknownUntilTheFirstReplyThenTheMiddleOfTheRoundTrip() {
        assertThat(offset.known()).isFalse();
        assertThat(offset.redisNow()).as("no correction yet").isEqualTo(10_000);
        offset.observe(1_000, 1_010, 900);
        assertThat(offset.known()).isTrue();
        assertThat(offset.offsetMillis()).as("(1000 + 1010) / 2 - 900").isEqualTo(105);
        assertThat(offset.redisNow()).isEqualTo(10_000 - 105);
        assertThat(offset.localNow()).isEqualTo(10_000);
    }

    @Test
    void theShortestRecentRoundTripWins() {
        offset.observe(1_000, 1_010, 900);
        offset.observe(2_000, 2_100, 1_800); // a slower reply: its error bound is larger
        assertThat(offset.offsetMillis()).isEqualTo(105);
        offset.observe(3_000, 3_004, 2_900);
        assertThat(offset.offsetMillis()).isEqualTo(102);
    }

    @Test
    void aGoodSampleGivesWayOnceItIsAMinuteOld() {
        offset.observe(1_000, 1_002, 900);
        offset.observe(60_900, 61_000, 59_900);
        assertThat(offset.offsetMillis()).as("59,998 ms after the best sample: still preferred").isEqualTo(101);
        offset.observe(61_003, 61_103, 60_003);
        assertThat(offset.offsetMillis()).as("over a minute old: the newer sample wins").isEqualTo(1_050);
    }

    @Test
    void aReplyReceivedBeforeItWasSentCountsAsAZeroRoundTrip() {
        offset.observe(5_000, 4_990, 4_000);
        assertThat(offset.offsetMillis()).isEqualTo(995);
        offset.observe(6_000, 6_001, 5_000);
        assertThat(offset.offsetMillis()).as("1 ms is longer than 0").isEqualTo(995);
    }
}
