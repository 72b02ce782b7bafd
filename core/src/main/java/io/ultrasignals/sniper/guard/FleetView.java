package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.script.Buckets;
import io.ultrasignals.sniper.script.HeartbeatReply;

/**
 * What this guard last heard from Redis about the fleet: the reckoning (live guards plus held ones),
 * the shares the latest heartbeat recorded for this guard, and the latest counts of the current buckets
 * (refreshed by every Redis decision and heartbeat: what a guard's local share and a restore after lost
 * data are computed from). Times are Redis times from the replies (no clock inside).
 */
final class FleetView {
    private long guards;
    /** The latest heartbeat that recorded shares; null while none has. */
    private HeartbeatReply beat;
    private long seenAtMillis = Long.MIN_VALUE;
    private long hourBucket = -1;
    private long hourCount;
    private long dayBucket = -1;
    private long dayCount;
    /** The latest heartbeat's counts: always the raw buckets (a sliding acquire's counts are estimates). */
    private HeartbeatReply lastBeat;
    /** The scopes decided today and their counts as heartbeats read them (its own lock). */
    private final ScopeCounts scopes = new ScopeCounts();

    ScopeCounts scopes() {
        return scopes;
    }

    /** Counts as of {@code serverTimeMillis} (an acquire or heartbeat reply). Older news is ignored for the latest. */
    synchronized void observeCounts(long serverTimeMillis, long hourCount, long dayCount) {
        long hour = Buckets.hour(serverTimeMillis);
        long day = Buckets.day(serverTimeMillis);
        if (serverTimeMillis < seenAtMillis) {
            return;
        }
        seenAtMillis = serverTimeMillis;
        this.hourBucket = hour;
        this.hourCount = hourCount;
        this.dayBucket = day;
        this.dayCount = dayCount;
    }

    /** A heartbeat reply: the reckoning, the counts, and (when it carries them) the recorded shares. */
    synchronized void observeBeat(HeartbeatReply reply) {
        guards = reply.guards();
        if (lastBeat == null || reply.serverTimeMillis() >= lastBeat.serverTimeMillis()) {
            lastBeat = reply;
        }
        if (reply.hourShare() != HeartbeatReply.UNKNOWN) {
            beat = reply;
        }
        observeCounts(reply.serverTimeMillis(), reply.hourCount(), reply.dayCount());
        scopes.observe(reply);
    }

    /** Guards in the fleet's reckoning, this one included; 0 when never heard. */
    synchronized long liveGuards() {
        return guards;
    }

    /** Last count seen for that hour bucket; 0 for a bucket newer than anything seen. */
    synchronized long hourCount(long bucket) {
        return bucket == hourBucket ? hourCount : 0;
    }

    synchronized long dayCount(long bucket) {
        return bucket == dayBucket ? dayCount : 0;
    }

    /** The latest heartbeat reply (its counts are the raw current buckets); null while none. */
    synchronized HeartbeatReply lastBeat() {
        return lastBeat;
    }

    /** Server time of the latest counts seen (any reply). */
    synchronized long countsSeenAt() {
        return seenAtMillis;
    }

    /** Whether a heartbeat ever recorded shares for this guard (false: it has not reached Redis since it started). */
    synchronized boolean hasRecordedShares() {
        return beat != null;
    }

    /** The hour share Redis recorded for this guard in that bucket: its own, the next one's, else 0. */
    synchronized long recordedHourShare(long bucket) {
        if (beat == null) {
            return 0;
        }
        long own = Buckets.hour(beat.serverTimeMillis());
        return bucket == own ? beat.hourShare() : bucket == own + 1 ? beat.nextHourShare() : 0;
    }

    synchronized long recordedDayShare(long bucket) {
        if (beat == null) {
            return 0;
        }
        long own = Buckets.day(beat.serverTimeMillis());
        return bucket == own ? beat.dayShare() : bucket == own + 1 ? beat.nextDayShare() : 0;
    }

    /** What Redis held back for other guards in that hour bucket at the latest heartbeat. */
    synchronized long heldHour(long bucket) {
        return beat != null && bucket == Buckets.hour(beat.serverTimeMillis()) ? beat.heldHour() : 0;
    }

    synchronized long heldDay(long bucket) {
        return beat != null && bucket == Buckets.day(beat.serverTimeMillis()) ? beat.heldDay() : 0;
    }
}
