package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.local.LocalEngine;
import io.ultrasignals.sniper.script.Buckets;

/**
 * Each guard's share of a cap while Redis is away, by the recovery rule of lua/README.md: at most the
 * share the latest heartbeat recorded for it in Redis (which Redis holds back from its own decisions
 * while this guard may be deciding locally), and at most the share of what the latest count it has seen
 * leaves: {@code min(recorded, floor(max(0, cap - latest count - held) / guards))}. A guard that never got
 * a heartbeat reply has no recorded share and admits nothing locally. The local engine enforces the share
 * by starting each bucket at {@code cap - share}.
 *
 * <p>Buckets are seeded once per outage (an "episode"), with the view as it was when the episode
 * began; the next bucket gets the recorded next share, any later one nothing. Times are Redis times given by
 * the caller (no clock inside).
 */
final class FallbackBudget {
    private final long hourlyCap;
    private final long dailyCap;
    private final FleetView fleet;
    /** Without Redis there is no fleet: the one guard's share is what remains of the cap. */
    private final boolean redisConfigured;
    private long seededHour = -1;
    private long seededDay = -1;

    FallbackBudget(long hourlyCap, long dailyCap, FleetView fleet, boolean redisConfigured) {
        this.redisConfigured = redisConfigured;
        this.hourlyCap = hourlyCap;
        this.dailyCap = dailyCap;
        this.fleet = fleet;
    }

    /** Seeds the local engine's buckets at {@code nowMillis} unless this episode already did. */
    synchronized void prepare(LocalEngine local, long nowMillis) {
        long hour = Buckets.hour(nowMillis);
        long day = Buckets.day(nowMillis);
        if (hour == seededHour && day == seededDay) {
            return;
        }
        long hourFloor = hourlyCap == 0 ? 0 : hourlyCap - hourShare(nowMillis);
        long dayFloor = dailyCap == 0 ? 0 : dailyCap - dayShare(nowMillis);
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
        long bucket = Buckets.hour(nowMillis);
        return hourlyCap == 0 ? -1 : share(hourlyCap, redisConfigured ? fleet.recordedHourShare(bucket) : hourlyCap, fleet.hourCount(bucket),
                fleet.heldHour(bucket), fleet.liveGuards());
    }

    /** This guard's share of the daily cap if Redis went away now; -1 when there is no daily cap. */
    long dayShare(long nowMillis) {
        long bucket = Buckets.day(nowMillis);
        return dailyCap == 0 ? -1 : share(dailyCap, redisConfigured ? fleet.recordedDayShare(bucket) : dailyCap, fleet.dayCount(bucket),
                fleet.heldDay(bucket), fleet.liveGuards());
    }

    /** min(recorded, floor(max(0, cap - seen - held) / guards)), never negative. */
    static long share(long cap, long recorded, long seen, long held, long guards) {
        return Math.max(0, Math.min(recorded, Math.max(0, cap - seen - held) / Math.max(1, guards)));
    }
}
