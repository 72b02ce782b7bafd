package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.local.LocalEngine;
import io.ultrasignals.sniper.script.Buckets;
import io.ultrasignals.sniper.script.HeartbeatReply;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Restoring counts Redis lost (a new epoch), without Redis: a fresh {@link LocalEngine} plays the emptied Redis
 * (it credits as credit.lua does, once per batch id), on a clock the test sets.
 */
@Tag("unit")
class LostCountRestoreTest {
    private static final long T0 = 1_700_000_000_000L; // 800 s into its hour bucket
    private static final long DECISION_TIMEOUT = 100;

    private final AtomicLong now = new AtomicLong(T0 + 1_000);
    private final LocalEngine emptiedRedis = new LocalEngine(now::get);

    private static HeartbeatReply newEpochAt(long at, long epoch) {
        return new HeartbeatReply(2, 0, 0, at, epoch, 0, 0, 0, 0, 0, 0);
    }

    private static FleetView sawCounts(long at, long hour, long day) {
        FleetView fleet = new FleetView();
        fleet.observeCounts(at, hour, day);
        return fleet;
    }

    private Reconciler ledger() {
        return new Reconciler(new LocalEngine(now::get), "guard-1");
    }

    @Test
    void putsBackTheLatestCountsSeenTheDaysRestOnThePreviousHour() {
        LostCountRestore restore = LostCountRestore.after(newEpochAt(T0 + 1_000, 7), sawCounts(T0, 30, 50), ledger(), DECISION_TIMEOUT);
        assertThat(restore.hour()).isEqualTo(30);
        assertThat(restore.dayRest()).isEqualTo(20);
        assertThat(restore.hourBatchId()).isEqualTo("restore:7:h" + Buckets.hour(T0));
        assertThat(restore.dayBatchId()).isEqualTo("restore:7:d" + Buckets.day(T0));

        assertThat(restore.applyTo(emptiedRedis)).containsExactly(30, 50);
        assertThat(emptiedRedis.status(T0).hourCount()).isEqualTo(30);
        assertThat(emptiedRedis.status(T0).dayCount()).isEqualTo(50);
        assertThat(emptiedRedis.status(T0 - Buckets.HOUR_MS).hourCount()).as("the day's rest").isEqualTo(20);
    }

    @Test
    void onlyTheFirstGuardToNoticeTheSameLossRestoresIt() {
        LostCountRestore first = LostCountRestore.after(newEpochAt(T0 + 1_000, 7), sawCounts(T0, 30, 50), ledger(), DECISION_TIMEOUT);
        LostCountRestore second = LostCountRestore.after(newEpochAt(T0 + 1_500, 7), sawCounts(T0 - 5, 29, 49), ledger(), DECISION_TIMEOUT);
        assertThat(first.applyTo(emptiedRedis)).containsExactly(30, 50);
        assertThat(second.applyTo(emptiedRedis)).as("same epoch and buckets: found applied").containsExactly(0, 0);
        assertThat(emptiedRedis.status(T0).dayCount()).isEqualTo(50);

        LostCountRestore nextLoss = LostCountRestore.after(newEpochAt(T0 + 2_000, 8), sawCounts(T0 + 1_900, 3, 3), ledger(), DECISION_TIMEOUT);
        assertThat(nextLoss.applyTo(emptiedRedis)).as("a later loss is a new epoch").containsExactly(3, 3);
    }

    @Test
    void signalsOfUnknownOutcomeThatMayBeInTheSeenCountAreLeftToTheirSettle() {
        Reconciler ledger = ledger();
        ledger.recordAmbiguous("maybe-counted", T0 - 10, true);
        ledger.recordAmbiguous("decided-later", T0 + 2 * DECISION_TIMEOUT + 1, true);
        LostCountRestore restore = LostCountRestore.after(newEpochAt(T0 + 1_000, 7), sawCounts(T0, 30, 50), ledger, DECISION_TIMEOUT);
        assertThat(restore.hour()).isEqualTo(29);
        assertThat(restore.hour() + restore.dayRest()).isEqualTo(49);
    }

    @Test
    void aCountSeenInAnEarlierHourRestoresOnlyTheDay() {
        long nextHour = (Buckets.hour(T0) + 1) * Buckets.HOUR_MS + 5;
        LostCountRestore restore = LostCountRestore.after(newEpochAt(nextHour, 7), sawCounts(T0, 30, 50), ledger(), DECISION_TIMEOUT);
        assertThat(restore.hour()).isZero();
        assertThat(restore.dayRest()).isEqualTo(50);
    }
}
