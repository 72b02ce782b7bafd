package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.local.LocalEngine;
import io.ultrasignals.sniper.script.Buckets;
import io.ultrasignals.sniper.script.HeartbeatReply;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What a guard tells each heartbeat it saw, for heartbeat.lua to restore what a new server lost (the restore
 * itself, once per server and raised to the highest figure, is held by lua/test-vectors.json on real Redis).
 */
@Tag("unit")
class LostCountRestoreTest {
    private static final long T0 = 1_700_000_000_000L; // 800 s into its hour bucket
    private static final long DECISION_TIMEOUT = 100;

    private final AtomicLong now = new AtomicLong(T0 + 1_000);

    private static FleetView sawCounts(long at, long hour, long day) {
        FleetView fleet = new FleetView();
        fleet.observeCounts(at, hour, day);
        return fleet;
    }

    private Reconciler ledger() {
        return new Reconciler(new LocalEngine(now::get), "guard-1");
    }

    @Test
    void theLatestCountsSeenWithTheTimeAndBucketsOfTheirReply() {
        LostCountRestore seen = LostCountRestore.seen(sawCounts(T0, 30, 50), ledger(), DECISION_TIMEOUT, false);
        assertThat(seen).isEqualTo(new LostCountRestore(T0, Buckets.hour(T0), 30, Buckets.day(T0), 50));
        assertThat(LostCountRestore.wire(seen)).isEqualTo(T0 + "|472222|30|19675|50");
    }

    @Test
    void aGuardThatSawNoCountSaysSo() {
        assertThat(LostCountRestore.seen(new FleetView(), ledger(), DECISION_TIMEOUT, false)).isNull();
        assertThat(LostCountRestore.wire(null)).isEmpty();
    }

    @Test
    void signalsOfUnknownOutcomeThatMayBeInTheSeenCountAreLeftToTheirSettle() {
        Reconciler ledger = ledger();
        ledger.recordAmbiguous("maybe-counted", T0 - 10, true);
        ledger.recordAmbiguous("decided-later", T0 + 2 * DECISION_TIMEOUT + 1, true);
        LostCountRestore seen = LostCountRestore.seen(sawCounts(T0, 30, 50), ledger, DECISION_TIMEOUT, false);
        assertThat(seen.hour()).isEqualTo(29);
        assertThat(seen.day()).isEqualTo(49);
    }

    @Test
    void olderNewsNeverReplacesTheLatestCounts() {
        FleetView fleet = sawCounts(T0, 30, 50);
        fleet.observeCounts(T0 - 5, 29, 49);
        assertThat(LostCountRestore.seen(fleet, ledger(), DECISION_TIMEOUT, false).hour()).isEqualTo(30);
    }

    @Test
    void aSlidingWindowTakesOnlyTheHeartbeatsCountsForAcquireRepliesCarryEstimates() {
        FleetView fleet = new FleetView();
        fleet.observeBeat(new HeartbeatReply(2, 30, 50, T0, T0, 1, 1, 1, 1, 0, 0));
        fleet.observeCounts(T0 + 10, 40, 60); // an acquire's estimate: the previous hour weighted in
        assertThat(LostCountRestore.seen(fleet, ledger(), DECISION_TIMEOUT, true))
                .isEqualTo(new LostCountRestore(T0, Buckets.hour(T0), 30, Buckets.day(T0), 50));
        assertThat(LostCountRestore.seen(fleet, ledger(), DECISION_TIMEOUT, false).hour()).as("a fixed window's acquire counts")
                .isEqualTo(40);
        assertThat(LostCountRestore.seen(new FleetView(), ledger(), DECISION_TIMEOUT, true)).as("no heartbeat yet").isNull();
    }
}
