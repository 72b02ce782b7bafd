package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.local.LocalEngine;
import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.HeartbeatReply;
import io.ultrasignals.sniper.script.WindowMode;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The local share rule (lua/README.md, "Recovery"), without Redis: a clock and heartbeat replies. */
@Tag("unit")
class FallbackBudgetTest {
    private static final long T0 = 1_700_000_000_000L; // 800 s into hour bucket 472222
    private static final long HOUR = 3_600_000L;

    private final AtomicLong now = new AtomicLong(T0);
    private final FleetView fleet = new FleetView();
    private final FallbackBudget budget = new FallbackBudget(90, 0, fleet, true);

    private static HeartbeatReply beat(long at, long guards, long count, long share, long nextShare, long held) {
        return new HeartbeatReply(guards, count, count, at, T0, share, nextShare, 0, 0, held, 0);
    }

    @Test
    void aGuardThatNeverHeardAHeartbeatHasNoShare() {
        fleet.observeCounts(T0, 30, 30); // even with a count seen from an acquire reply
        assertThat(budget.hourShare(T0)).isZero();
    }

    @Test
    void theShareIsTheRecordedOneOrLessWhenALaterCountLeavesLess() {
        fleet.observeBeat(beat(T0, 3, 30, 20, 30, 0));
        assertThat(budget.hourShare(T0)).isEqualTo(20);
        fleet.observeCounts(T0 + 10, 60, 60); // a later acquire reply: 30 left for 3 guards
        assertThat(budget.hourShare(T0 + 10)).isEqualTo(10);
        fleet.observeCounts(T0 + 20, 45, 45); // older news in the same bucket does not raise it again
        assertThat(budget.hourShare(T0 + 20)).isEqualTo(15);
    }

    @Test
    void whatRedisHoldsForOthersComesOffTheCountShare() {
        fleet.observeBeat(beat(T0, 3, 30, 20, 30, 42));
        assertThat(budget.hourShare(T0)).as("min(20, floor((90 - 30 - 42) / 3))").isEqualTo(6);
    }

    @Test
    void theNextBucketGetsTheRecordedNextShareAndLaterBucketsNothing() {
        fleet.observeBeat(beat(T0, 3, 30, 20, 30, 0));
        assertThat(budget.hourShare(T0 + HOUR)).isEqualTo(30);
        assertThat(budget.hourShare(T0 + 2 * HOUR)).isZero();
    }

    @Test
    void aNewEpisodeAfterCatchingUpStartsFromTheLatestCountNotTheOldEpisode() {
        // Start-up: the first decisions are local on the share of an old count (30 seen, 20 each).
        LocalEngine local = new LocalEngine(now::get);
        fleet.observeBeat(beat(T0, 3, 30, 20, 30, 0));
        budget.prepare(local, T0);
        int first = admitLocally(local, 7);
        assertThat(first).isEqualTo(7);
        // Credited; Redis decides a while (the count reaches 66), then the guard has caught up.
        budget.endEpisode();
        fleet.observeBeat(beat(T0 + 1000, 3, 66, 8, 30, 0));
        // Next outage: the share comes from the latest count, not 20 - 7 from the old episode.
        now.set(T0 + 1000);
        assertThat(admitLocally(local, 30)).isEqualTo(8);
    }

    @Test
    void anEpisodeSeedsOnceAndALaterViewInTheSameBucketDoesNotReseed() {
        LocalEngine local = episodeWithShares(5, 30);
        assertThat(admitLocally(local, 3)).isEqualTo(3);
        fleet.observeBeat(beat(T0 + 10, 3, 30, 20, 30, 0)); // a larger share recorded meanwhile
        budget.prepare(local, T0 + 10);
        assertThat(admitLocally(local, 10)).as("still the episode's share of 5").isEqualTo(2);
    }

    @Test
    void theNextHourOfTheSameEpisodeIsSeededWithTheRecordedNextShare() {
        LocalEngine local = episodeWithShares(5, 4);
        assertThat(admitLocally(local, 10)).isEqualTo(5);
        now.set(T0 + HOUR);
        budget.prepare(local, T0 + HOUR);
        assertThat(admitLocally(local, 10)).isEqualTo(4);
    }

    @Test
    void theShareFormula() {
        assertThat(FallbackBudget.share(90, 20, 30, 0, 3)).as("min(20, 60 / 3)").isEqualTo(20);
        assertThat(FallbackBudget.share(90, 50, 30, 0, 3)).isEqualTo(20);
        assertThat(FallbackBudget.share(90, 50, 30, 10, 3)).as("floor(50 / 3)").isEqualTo(16);
        assertThat(FallbackBudget.share(90, 50, 95, 0, 3)).as("over the cap: none").isZero();
        assertThat(FallbackBudget.share(90, 50, 30, 0, 0)).as("no fleet heard: one guard").isEqualTo(50);
    }

    @Test
    void withoutRedisTheOneGuardsShareIsWhatRemainsOfTheCap() {
        FallbackBudget alone = new FallbackBudget(90, 0, fleet, false);
        assertThat(alone.hourShare(T0)).isEqualTo(90);
        fleet.observeCounts(T0, 30, 30);
        assertThat(alone.hourShare(T0)).isEqualTo(60);
        assertThat(alone.dayShare(T0)).as("no daily cap").isEqualTo(-1);
    }

    /** An outage begins at T0 after a heartbeat that recorded these shares (3 guards, 30 counted). */
    private LocalEngine episodeWithShares(long share, long nextShare) {
        LocalEngine local = new LocalEngine(now::get);
        fleet.observeBeat(beat(T0, 3, 30, share, nextShare, 0));
        budget.prepare(local, T0);
        return local;
    }

    /** Offers signals to the local engine at the episode's limits (as the fallback does) at the clock's time. */
    private int admitLocally(LocalEngine local, int offered) {
        int admitted = 0;
        for (int i = 0; i < offered; i++) {
            FallbackBudget.Limits limits = budget.prepare(local, now.get());
            admitted += local.acquire(new AcquireArgs(limits.hour(), limits.day(), false, false, null, null, WindowMode.FIXED))
                    .allowed() ? 1 : 0;
        }
        return admitted;
    }

    @Test
    void theLocalEngineHoldsTheRealCountsAndTheLimitIsSeenPlusShare() {
        LocalEngine local = episodeWithShares(5, 30);
        FallbackBudget.Limits limits = budget.prepare(local, T0);
        assertThat(limits.hour()).as("30 seen + share 5").isEqualTo(35);
        assertThat(limits.hasRecord()).isTrue();
        assertThat(local.status(null).hourCount()).as("seeded with the count seen, not cap - share").isEqualTo(30);
        admitLocally(local, 10);
        assertThat(local.status(null).hourCount()).as("seen + local admissions").isEqualTo(35);
    }
}
