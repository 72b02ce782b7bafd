package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.script.Buckets;
import io.ultrasignals.sniper.script.HeartbeatReply;
import io.ultrasignals.sniper.script.LimitEngine;

/**
 * What to put back when Redis started a new epoch (it lost its data: restarted without persistence): the
 * latest count this guard saw in each current bucket, from any reply (acquire replies too, so within a decision
 * of the count at the loss, releases included) — the whole bucket was lost, so nothing Redis holds now (credits
 * of others, new admissions) is subtracted — under batch ids named after the new epoch and the bucket, so that
 * when several guards notice the same loss only the first restore applies. The day's remainder beyond the hour
 * is booked on the previous hour bucket, where most of it was counted.
 *
 * @param hourBucket the current hour bucket at the heartbeat that saw the new epoch
 * @param dayBucket  the current day bucket
 * @param hour       to restore in the hour (and day) bucket
 * @param dayRest    to restore in the day bucket only, beyond {@code hour}
 * @param epoch      the new epoch
 */
record LostCountRestore(long hourBucket, long dayBucket, long hour, long dayRest, long epoch) {

    /**
     * The restore for a heartbeat reply {@code now} that carries a new epoch. Signals of unknown outcome sent
     * before the reply that carried that count may be in it: they are left out, since settling them by id counts
     * each exactly once. (A fallback decision is dated one decision timeout after it was sent.)
     */
    static LostCountRestore after(HeartbeatReply now, FleetView fleet, Reconciler reconciler, long decisionTimeoutMillis) {
        long hour = Buckets.hour(now.serverTimeMillis());
        long day = Buckets.day(now.serverTimeMillis());
        long until = fleet.countsSeenAt() + 2 * decisionTimeoutMillis;
        long lostHour = Math.max(0, fleet.hourCount(hour) - reconciler.unsettledIn(Buckets.HOUR_MS, hour, until));
        long lostDay = Math.max(lostHour, fleet.dayCount(day) - reconciler.unsettledIn(Buckets.DAY_MS, day, until));
        return new LostCountRestore(hour, day, lostHour, lostDay - lostHour, now.epoch());
    }

    /** The batch id of the hour part: one per epoch and hour bucket, whichever guard sends it. */
    String hourBatchId() {
        return "restore:" + epoch + ":h" + hourBucket;
    }

    /** The batch id of the day remainder: one per epoch and day bucket. */
    String dayBatchId() {
        return "restore:" + epoch + ":d" + dayBucket;
    }

    /**
     * Credits the restore; only the first guard to notice applies it, the others find the batches applied.
     *
     * @return {hour restored, day restored} by this call
     */
    long[] applyTo(LimitEngine redis) {
        long restoredHour = 0;
        long restoredDay = 0;
        if (hour > 0 && redis.credit(hourBucket, dayBucket, hour, hourBatchId()).done()) {
            restoredHour = hour;
            restoredDay = hour;
        }
        if (dayRest > 0 && redis.credit(hourBucket - 1, dayBucket, dayRest, dayBatchId()).done()) {
            restoredDay += dayRest;
        }
        return new long[] {restoredHour, restoredDay};
    }
}
