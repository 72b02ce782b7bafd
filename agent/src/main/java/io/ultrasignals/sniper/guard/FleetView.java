package io.ultrasignals.sniper.guard;

/**
 * What this guard last heard from Redis about the fleet: how many guards are live, and the counts
 * of the current hour and day buckets. It is what each guard's share of a cap is computed from when
 * Redis goes away, so it is refreshed by every Redis decision and every heartbeat.
 */
final class FleetView {
    private static final long HOUR_MS = 3_600_000L;
    private static final long DAY_MS = 86_400_000L;

    private long liveGuards;
    private long seenAtMillis = Long.MIN_VALUE;
    private long hourBucket = -1;
    private long hourCount;
    private long dayBucket = -1;
    private long dayCount;

    /** Counts as of {@code serverTimeMillis} (an acquire or heartbeat reply). Older news is ignored. */
    synchronized void observeCounts(long serverTimeMillis, long hourCount, long dayCount) {
        if (serverTimeMillis < seenAtMillis) {
            return;
        }
        seenAtMillis = serverTimeMillis;
        this.hourBucket = Math.floorDiv(serverTimeMillis, HOUR_MS);
        this.hourCount = hourCount;
        this.dayBucket = Math.floorDiv(serverTimeMillis, DAY_MS);
        this.dayCount = dayCount;
    }

    synchronized void observeLiveGuards(long liveGuards) {
        this.liveGuards = liveGuards;
    }

    /** Guards sharing the namespace, this one included; 0 when never heard. */
    synchronized long liveGuards() {
        return liveGuards;
    }

    /** Last count seen for that hour bucket; 0 for a bucket newer than anything seen. */
    synchronized long hourCount(long bucket) {
        return bucket == hourBucket ? hourCount : 0;
    }

    synchronized long dayCount(long bucket) {
        return bucket == dayBucket ? dayCount : 0;
    }
}
