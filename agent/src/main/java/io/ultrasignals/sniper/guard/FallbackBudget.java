package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.local.LocalEngine;

/**
 * Each guard's share of a cap while Redis is away: what remained of the cap when Redis was last
 * heard, divided by the live guards, rounded down, never negative. The local engine enforces it by
 * starting each bucket at {@code cap - share}: then it admits at most {@code share} there, and the
 * fleet as a whole stays within the cap instead of N times over.
 *
 * <p>Buckets are seeded once per outage (an "episode"), with the view as it was when the episode
 * began; a bucket that starts during the outage gets {@code cap / live guards}.
 */
final class FallbackBudget {
    private static final long HOUR_MS = 3_600_000L;
    private static final long DAY_MS = 86_400_000L;

    private final long hourlyCap;
    private final long dailyCap;
    private final FleetView fleet;
    private long seededHour = -1;
    private long seededDay = -1;

    FallbackBudget(long hourlyCap, long dailyCap, FleetView fleet) {
        this.hourlyCap = hourlyCap;
        this.dailyCap = dailyCap;
        this.fleet = fleet;
    }

    /** Seeds the local engine's buckets at {@code nowMillis} unless this episode already did. */
    synchronized void prepare(LocalEngine local, long nowMillis) {
        long hour = Math.floorDiv(nowMillis, HOUR_MS);
        long day = Math.floorDiv(nowMillis, DAY_MS);
        if (hour == seededHour && day == seededDay) {
            return;
        }
        long live = fleet.liveGuards();
        long hourFloor = hourlyCap == 0 ? 0 : hourlyCap - share(hourlyCap, fleet.hourCount(hour), live);
        long dayFloor = dailyCap == 0 ? 0 : dailyCap - share(dailyCap, fleet.dayCount(day), live);
        local.seed(hour, hourFloor, day, dayFloor);
        seededHour = hour;
        seededDay = day;
    }

    /** Redis decides again: the next outage starts from a fresh view. */
    synchronized void endEpisode() {
        seededHour = -1;
        seededDay = -1;
    }

    /** This guard's share of the hourly cap if Redis went away now; -1 when there is no hourly cap. */
    long hourShare(long nowMillis) {
        return hourlyCap == 0 ? -1 : share(hourlyCap, fleet.hourCount(Math.floorDiv(nowMillis, HOUR_MS)), fleet.liveGuards());
    }

    /** This guard's share of the daily cap if Redis went away now; -1 when there is no daily cap. */
    long dayShare(long nowMillis) {
        return dailyCap == 0 ? -1 : share(dailyCap, fleet.dayCount(Math.floorDiv(nowMillis, DAY_MS)), fleet.liveGuards());
    }

    /** floor((cap - seen) / live), at least 0; a guard that never heard of others counts itself alone. */
    static long share(long cap, long seen, long liveGuards) {
        return Math.max(0, cap - seen) / Math.max(1, liveGuards);
    }
}
