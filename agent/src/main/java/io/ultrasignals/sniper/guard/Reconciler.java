package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.local.LocalAdmissions;
import io.ultrasignals.sniper.local.LocalEngine;
import io.ultrasignals.sniper.redis.RedisEngine;
import io.ultrasignals.sniper.script.CountsReply;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Puts what happened during an outage into Redis's books once it is back: admissions the local engine
 * made are credited with {@code credit.lua}, per (hour bucket, day bucket), under a batch id that is
 * fixed before the first try, so a credit that timed out (and may have run) and is tried again is
 * applied exactly once. Releases of Redis-admitted signals asked for during the outage are replayed
 * with {@code release.lua}, which is itself once-only per signal id.
 *
 * <p>Until everything is flushed the guard keeps deciding locally, so Redis never decides on books
 * that miss this guard's local admissions. {@link #flush} runs on one background thread only.
 */
final class Reconciler {
    private record Batch(long hourBucket, long dayBucket, long admissions, String batchId) {}

    private final LocalEngine local;
    private final String guardId;
    private final AtomicLong sequence = new AtomicLong();
    private final Queue<Batch> batches = new ConcurrentLinkedQueue<>();
    private final Queue<String> releases = new ConcurrentLinkedQueue<>();
    private volatile boolean dirty;

    Reconciler(LocalEngine local, String guardId) {
        this.local = local;
        this.guardId = guardId;
    }

    /** The local engine admitted or released something that Redis must hear about. */
    void markDirty() {
        dirty = true;
    }

    void queueRelease(String signalId) {
        releases.add(signalId);
        dirty = true;
    }

    boolean hasPending() {
        return dirty || !batches.isEmpty() || !releases.isEmpty();
    }

    /** Admissions made locally and not yet credited (for status and metrics). */
    long pendingAdmissions() {
        long n = 0;
        for (Batch b : batches) {
            n += b.admissions();
        }
        return n;
    }

    /**
     * Credits and releases everything pending, oldest first. Throws at the first Redis failure;
     * what was not applied stays queued, under the same batch ids, for the next call.
     *
     * @return admissions credited by this call
     */
    long flush(RedisEngine redis) {
        if (dirty) {
            dirty = false;
            for (LocalAdmissions a : local.drainAdmissions()) {
                // A release may undo an admission credited in an earlier batch; Redis then keeps
                // that count, which only makes the cap stricter (stated in README).
                long net = a.admitted() - a.released();
                if (net > 0) {
                    batches.add(new Batch(a.hourBucket(), a.dayBucket(), net, guardId + ":" + sequence.incrementAndGet()));
                }
            }
        }
        long credited = 0;
        for (Batch batch = batches.peek(); batch != null; batch = batches.peek()) {
            CountsReply reply = redis.credit(batch.hourBucket(), batch.dayBucket(), batch.admissions(), batch.batchId());
            // applied = 0 means an earlier, timed-out try did run: the batch is in the books either way.
            if (reply.done()) {
                credited += batch.admissions();
            }
            batches.poll();
        }
        for (String id = releases.peek(); id != null; id = releases.peek()) {
            redis.release(id);
            releases.poll();
        }
        return credited;
    }
}
