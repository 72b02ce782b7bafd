package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.local.LocalEngine;
import io.ultrasignals.sniper.script.Buckets;
import io.ultrasignals.sniper.script.RoomKept;
import io.ultrasignals.sniper.script.StatusReply;

/**
 * Each guard's share of a cap while Redis is away, by the recovery rule of lua/README.md: at most the
 * share the latest heartbeat recorded for it in Redis (which Redis holds back from its own decisions
 * while this guard may be deciding locally), and at most the share of what the latest count it has seen
 * leaves: {@code min(recorded, floor(max(0, cap - latest count - held) / guards))}. A guard that never got
 * a heartbeat reply has no recorded share and admits nothing locally. The local engine holds the real counts:
 * each bucket starts at the latest count seen from Redis, and the local limit is that count plus the share
 * ({@link Limits}), so a local decision's counts are last seen plus local admissions, and a block at the limit
 * below the cap is the share's, not the cap's.
 *
 * <p>Starting without Redis: with the fleet's size stated ({@code fleet_size} N ≥ 1), a guard that has not reached
 * Redis since it started may admit {@code floor(cap / N)} per window and bucket locally, and every guard on Redis
 * keeps that much room for each of the N runners it has not seen ({@link #roomKept}), which acquire and the heartbeat
 * take off the caps that apply, a stored policy's too: in its decisions and in the shares its heartbeat records. Not
 * stated (0), such a guard has no share.
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
    private Limits limits;

    /**
     * The local limits of the seeded buckets, in the local engine's counts (last seen from Redis plus local
     * admissions): {@code seen + share} per window; 0 where the window has no cap.
     *
     * @param hourShare  the hour share the limit was made of (-1: no hourly cap)
     * @param dayShare   the day share (-1: no daily cap)
     * @param hasRecord  whether Redis ever recorded a share for this guard (false: it has not reached Redis)
     */
    record Limits(long hour, long hourShare, long day, long dayShare, boolean hasRecord) {
        /** A capped window whose limit is 0: nothing may be admitted (the engine reads a 0 cap as none). */
        boolean admitsNothing() {
            return (hourShare >= 0 && hour == 0) || (dayShare >= 0 && day == 0);
        }
    }

    /** The runners of the namespace as stated for starting without Redis; 0: not stated. */
    private final long fleetSize;

    FallbackBudget(long hourlyCap, long dailyCap, FleetView fleet, boolean redisConfigured) {
        this(hourlyCap, dailyCap, fleet, redisConfigured, 0);
    }

    FallbackBudget(long hourlyCap, long dailyCap, FleetView fleet, boolean redisConfigured, long fleetSize) {
        this.redisConfigured = redisConfigured;
        this.fleetSize = fleetSize;
        this.hourlyCap = hourlyCap;
        this.dailyCap = dailyCap;
        this.fleet = fleet;
    }

    /** Seeds the local engine's buckets at {@code nowMillis} unless this episode already did; the limits for them. */
    synchronized Limits prepare(LocalEngine local, long nowMillis) {
        return prepare(local, nowMillis, hourlyCap, dailyCap);
    }

    /** As above, for the caps in force: a stored policy's when one was seen (0: no cap in that window), else the settings'. */
    synchronized Limits prepare(LocalEngine local, long nowMillis, long hourCap, long dayCap) {
        long hour = Buckets.hour(nowMillis);
        long day = Buckets.day(nowMillis);
        if (hour == seededHour && day == seededDay) {
            return limits;
        }
        long seenHour = fleet.hourCount(hour);
        long seenDay = fleet.dayCount(day);
        long hourShare = hourShare(nowMillis, hourCap);
        long dayShare = dayShare(nowMillis, dayCap);
        local.seed(hour, seenHour, day, seenDay);
        limits = new Limits(hourShare < 0 ? 0 : seenHour + hourShare, hourShare, dayShare < 0 ? 0 : seenDay + dayShare,
                dayShare, !redisConfigured || fleet.hasRecordedShares());
        seededHour = hour;
        seededDay = day;
        return limits;
    }

    /** Whether this guard can have no share at all: Redis never recorded one for it and no fleet size is stated. */
    boolean neverShared() {
        return cold() && fleetSize == 0;
    }

    /** Redis configured and never reached since start (no share recorded for this guard). */
    private boolean cold() {
        return redisConfigured && !fleet.hasRecordedShares();
    }

    /** A guard's share while it has not reached Redis since it started: {@code floor(cap / N)}, or 0 when N is not stated. */
    private long coldShare(long cap) {
        return fleetSize == 0 ? 0 : cap / fleetSize;
    }

    /** The runners unseen on Redis that {@link #roomKept} keeps room for. */
    long unseenRunners() {
        return fleetSize == 0 ? 0 : Math.max(0, fleetSize - Math.max(1, fleet.liveGuards()));
    }

    /**
     * The room kept for the runners of the stated fleet not seen in Redis's reckoning: {@code floor(cap / N)} of the
     * settings' caps each (what a runner not yet seen may admit before it reaches Redis, knowing only its settings),
     * for acquire and the heartbeat to take off whichever caps apply on Redis (a stored policy's or the settings');
     * null when it keeps none.
     */
    RoomKept roomKept() {
        long unseen = unseenRunners();
        return unseen == 0 ? null : new RoomKept(unseen * coldShare(hourlyCap), unseen * coldShare(dailyCap));
    }

    /**
     * A cap in force (a stored policy's or the settings') less the room kept for the runners not yet seen, reckoned from
     * this guard's own cap in that window ({@code ownCap}), never below 0: as {@link #roomKept} reckons it.
     */
    private long lessRoom(long capInForce, long ownCap) {
        return Math.max(0, capInForce - unseenRunners() * coldShare(ownCap));
    }

    /** The real counts now, {hour, day}: the latest seen from Redis, or the local engine's (seen plus local admissions). */
    long[] realCounts(LocalEngine local, long nowMillis) {
        StatusReply s = local.status(null);
        return new long[] {Math.max(s.hourCount(), fleet.hourCount(Buckets.hour(nowMillis))),
                Math.max(s.dayCount(), fleet.dayCount(Buckets.day(nowMillis)))};
    }

    /** Redis decides again: the next outage starts from a fresh view. */
    synchronized void endEpisode() {
        seededHour = -1;
        seededDay = -1;
    }

    /** This guard's share of the hourly cap if Redis went away now; -1 when there is no hourly cap. */
    long hourShare(long nowMillis) {
        return hourShare(nowMillis, hourlyCap);
    }

    /** As {@link #hourShare(long)}, under the hourly cap in force ({@code hourlyCap}: a stored policy's, say). */
    long hourShare(long nowMillis, long hourlyCap) {
        long bucket = Buckets.hour(nowMillis);
        return hourlyCap == 0 ? -1 : cold() ? coldShare(hourlyCap)
                : share(lessRoom(hourlyCap, this.hourlyCap), redisConfigured ? fleet.recordedHourShare(bucket) : hourlyCap,
                        fleet.hourCount(bucket), fleet.heldHour(bucket), fleet.liveGuards());
    }

    /** This guard's share of the daily cap if Redis went away now; -1 when there is no daily cap. */
    long dayShare(long nowMillis) {
        return dayShare(nowMillis, dailyCap);
    }

    /** As {@link #dayShare(long)}, under the daily cap in force. */
    long dayShare(long nowMillis, long dailyCap) {
        long bucket = Buckets.day(nowMillis);
        return dailyCap == 0 ? -1 : cold() ? coldShare(dailyCap)
                : share(lessRoom(dailyCap, this.dailyCap), redisConfigured ? fleet.recordedDayShare(bucket) : dailyCap,
                        fleet.dayCount(bucket), fleet.heldDay(bucket), fleet.liveGuards());
    }

    /** min(recorded, floor(max(0, cap - seen - held) / guards)), never negative. */
    static long share(long cap, long recorded, long seen, long held, long guards) {
        return Math.max(0, Math.min(recorded, Math.max(0, cap - seen - held) / Math.max(1, guards)));
    }
}
