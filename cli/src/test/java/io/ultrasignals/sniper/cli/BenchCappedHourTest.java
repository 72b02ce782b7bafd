package io.ultrasignals.sniper.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A capped bench measures one hour's used-up cap. The next hour has room and admits, as it should, so a run that would
 * cross the hour waits for it first (a run that started at 08:59:55 once reported an admission "while capped").
 */
@Tag("unit")
class BenchCappedHourTest {
    private static final long HOUR = 3_600_000;
    private static final long EIGHT = 8 * HOUR;

    @Test
    void aRunThatFitsInTheHourDoesNotWait() {
        assertThat(BenchCommand.waitForOneHour(EIGHT, 1, 4)).isZero();
        assertThat(BenchCommand.waitForOneHour(EIGHT + 30 * 60_000, 10, 4)).isZero();
    }

    @Test
    void aRunThatWouldCrossTheHourWaitsForTheNextOne() {
        long fiveSecondsBefore = EIGHT + HOUR - 5_000;
        long wait = BenchCommand.waitForOneHour(fiveSecondsBefore, 1, 4);
        assertThat(fiveSecondsBefore + wait).isBetween(EIGHT + HOUR, EIGHT + HOUR + 1_000);
    }

    @Test
    void theLongestAllowedRunFitsInAnHourStartedAfresh() {
        assertThat(BenchCommand.waitForOneHour(EIGHT, BenchCommand.CAPPED_MAX_SECONDS, 1)).isZero();
        // The last moment at which it may start without waiting is before the hour's end by the run's length at most.
        long late = EIGHT + HOUR - 2L * BenchCommand.CAPPED_MAX_SECONDS * 1000;
        assertThat(BenchCommand.waitForOneHour(late, BenchCommand.CAPPED_MAX_SECONDS, 1)).isPositive();
    }
}
