package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.script.Buckets;
import io.ultrasignals.sniper.script.HeartbeatReply;

/**
 * What this guard tells every heartbeat it saw, so that heartbeat.lua can put back what a new server lost: the
 * latest counts of the current buckets from any reply (acquire replies too, so within a decision of the count
 * at the loss, releases included) and the server time of that reply. The script keeps, per server (its INFO
 * {@code run_id}), the counts it held when it first ran a heartbeat: a count seen <em>before</em> then and
 * higher than that base was acknowledged by a server whose writes this one never got — a replica promoted
 * before the stream reached it, a restart that lost the last second of its AOF, or (a new epoch) a restart
 * without persistence, where the base is 0. Each heartbeat raises what was restored on that server to its
 * guard's figure, so of several guards noticing the same loss the highest figure is restored once.
 *
 * <p>A sliding window's acquire replies carry estimates (the previous bucket weighted in), not bucket contents:
 * with a sliding window only heartbeat replies count, so what was admitted after a guard's last heartbeat is not
 * restored.
 *
 * <p>Signals of unknown outcome sent before the reply that carried the count may be in it: they are left out,
 * since settling them by id counts each exactly once. (A fallback decision is dated one decision timeout after
 * it was sent.)
 *
 * @param seenAtMillis server time of the reply that carried the counts
 * @param hourBucket   the hour bucket of that reply
 * @param hour         its hour count, less the unsettled signals that may be in it
 * @param dayBucket    the day bucket
 * @param day          its day count, less the unsettled signals
 */
record LostCountRestore(long seenAtMillis, long hourBucket, long hour, long dayBucket, long day) {

    /**
     * What this guard saw last; null when it has seen no count yet. {@code estimates}: acquire replies carry
     * estimates (a sliding window), so only the latest heartbeat's counts are taken.
     */
    static LostCountRestore seen(FleetView fleet, Reconciler reconciler, long decisionTimeoutMillis, boolean estimates) {
        long at;
        long hourCount;
        long dayCount;
        if (estimates) {
            HeartbeatReply beat = fleet.lastBeat();
            if (beat == null) {
                return null;
            }
            at = beat.serverTimeMillis();
            hourCount = beat.hourCount();
            dayCount = beat.dayCount();
        } else {
            at = fleet.countsSeenAt();
            if (at == Long.MIN_VALUE) {
                return null;
            }
            hourCount = fleet.hourCount(Buckets.hour(at));
            dayCount = fleet.dayCount(Buckets.day(at));
        }
        long hourBucket = Buckets.hour(at);
        long dayBucket = Buckets.day(at);
        long until = at + 2 * decisionTimeoutMillis;
        long hour = Math.max(0, hourCount - reconciler.unsettledIn(Buckets.HOUR_MS, hourBucket, until));
        long day = Math.max(0, dayCount - reconciler.unsettledIn(Buckets.DAY_MS, dayBucket, until));
        return new LostCountRestore(at, hourBucket, hour, dayBucket, day);
    }

    /** heartbeat.lua's {@code seen} argument ({@code ""} for nothing seen). */
    static String wire(LostCountRestore seen) {
        return seen == null ? "" : seen.seenAtMillis + "|" + seen.hourBucket + "|" + seen.hour + "|" + seen.dayBucket + "|" + seen.day;
    }
}
