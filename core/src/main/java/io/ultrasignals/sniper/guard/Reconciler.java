package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.local.LocalAdmissions;
import io.ultrasignals.sniper.local.LocalEngine;
import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.AcquireReply;
import io.ultrasignals.sniper.script.Buckets;
import io.ultrasignals.sniper.script.CountsReply;
import io.ultrasignals.sniper.script.LimitEngine;
import io.ultrasignals.sniper.script.ScopeCap;
import io.ultrasignals.sniper.script.WindowMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Puts what happened during an outage into Redis's books once it is back: admissions the local engine
 * made are credited with {@code credit.lua}, per (hour bucket, day bucket), under a batch id that is
 * fixed before the first try, so a credit that timed out (and may have run) and is tried again is
 * applied exactly once. Releases of Redis-admitted signals asked for during the outage are replayed
 * with {@code release.lua}, which is itself once-only per signal id.
 *
 * <p>Until everything is flushed the guard keeps deciding locally ({@link BackendState#booksComplete}), so Redis
 * never decides on books that miss this guard's local admissions. {@link #flush} runs on one background thread
 * only. Times are given by the caller (no clock inside).
 */
final class Reconciler {
    private static final Logger LOG = Logger.getLogger(Reconciler.class.getName());

    private record Batch(long hourBucket, long dayBucket, long admissions, String batchId, List<String> scopes) {}

    /** A signal whose Redis call may or may not have run (timeout, connection lost after sending). */
    /** {@code scopes}: the signal's scopes (uncapped while it was decided locally), counted in the same layers on Redis. */
    private record Ambiguous(String signalId, long decidedAtMillis, boolean admittedLocally, List<ScopeCap> scopes) {}

    /** Buckets and the scopes counted in them: what one credit batch names. */
    private record Pair(long hourBucket, long dayBucket, List<String> scopes) {}

    private final LocalEngine local;
    private final String guardId;
    private final AtomicLong sequence = new AtomicLong();
    private final Queue<Batch> batches = new ConcurrentLinkedQueue<>();
    private final Queue<String> releases = new ConcurrentLinkedQueue<>();
    private final Queue<Ambiguous> ambiguous = new ConcurrentLinkedQueue<>();
    /**
     * Admissions Redis turned out to have counted itself (a settled ambiguous signal, a call that ran after it timed
     * out): taken off the next batches of their buckets. Written by the flush and by the connection's I/O thread.
     */
    private final Map<Pair, Long> owed = new ConcurrentHashMap<>();
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

    /**
     * A signal with an id was decided locally after its Redis call failed in a way that leaves open
     * whether the script ran. {@link #flush} asks Redis (a replay by id) and keeps the books exact.
     */
    void recordAmbiguous(String signalId, long decidedAtMillis, boolean admittedLocally) {
        recordAmbiguous(signalId, decidedAtMillis, admittedLocally, List.of());
    }

    /** As above, for a signal with scopes: settling it counts it in the same layers (with no caps). */
    void recordAmbiguous(String signalId, long decidedAtMillis, boolean admittedLocally, List<ScopeCap> scopes) {
        List<ScopeCap> uncapped = new ArrayList<>(scopes.size());
        for (ScopeCap scope : scopes) {
            uncapped.add(new ScopeCap(scope.scope(), 0, 0));
        }
        ambiguous.add(new Ambiguous(signalId, decidedAtMillis, admittedLocally, List.copyOf(uncapped)));
        dirty = true;
    }

    /**
     * A call without a signal id that this guard gave up on (a timeout, then the fallback decided the signal) ran
     * on Redis after all and counted there, at {@code serverTimeMillis}: the late reply says so. Whatever the
     * fallback decided, Redis holds one admission the local books will also report (admitted) or that was never
     * made (blocked): one admission of those buckets is not credited again, or is taken back ({@link #queueTakeBacks}).
     */
    void countedAfterTimeout(long serverTimeMillis, List<ScopeCap> scopes) {
        owed.merge(new Pair(Buckets.hour(serverTimeMillis), Buckets.day(serverTimeMillis), names(scopes)), 1L, Long::sum);
    }

    private static List<String> names(List<ScopeCap> scopes) {
        List<String> names = new ArrayList<>(scopes.size());
        scopes.forEach(scope -> names.add(scope.scope()));
        return List.copyOf(names);
    }

    boolean hasPending() {
        return dirty || !batches.isEmpty() || !releases.isEmpty() || !ambiguous.isEmpty() || !owed.isEmpty();
    }

    /**
     * Signals of that bucket whose Redis outcome is still unknown and that were decided by {@code untilMillis}:
     * the settle counts each exactly once, so a restore of lost counts must leave out those that may be in the
     * count it restores (sent before the reply that carried it).
     */
    long unsettledIn(long bucketMillis, long bucket, long untilMillis) {
        return unsettledIn(null, bucketMillis, bucket, untilMillis);
    }

    /** As above, of the signals counted in {@code scope} (a restore of that scope's counts); null: every signal. */
    long unsettledIn(String scope, long bucketMillis, long bucket, long untilMillis) {
        long n = 0;
        for (Ambiguous a : ambiguous) {
            if (Math.floorDiv(a.decidedAtMillis(), bucketMillis) == bucket && a.decidedAtMillis() <= untilMillis
                    && (scope == null || a.scopes().stream().anyMatch(s -> s.scope().equals(scope)))) {
                n++;
            }
        }
        return n;
    }

    /** Admissions made locally and not yet credited (for status and metrics). */
    long pendingAdmissions() {
        long n = 0;
        for (Batch b : batches) {
            n += Math.max(0, b.admissions());
        }
        return n;
    }

    /**
     * Credits and releases everything pending, oldest first. Throws at the first Redis failure;
     * what was not applied stays queued, under the same batch ids, for the next call. Run by a return to Redis
     * once no fallback decision is under way ({@link BackendState#awaitFallbackDecisions}): returning, it has put
     * the whole outage into Redis's books.
     *
     * @return admissions credited by this call
     */
    long flush(LimitEngine redis) {
        settleAmbiguous(redis);
        queueLedger();
        queueTakeBacks();
        return applyQueued(redis);
    }

    /**
     * With the books complete (on Redis): replays the releases asked for while the breaker let no call through.
     * No local admission can be pending then (BackendState orders every one before a return's credit); should one
     * be all the same (a defect), it is credited rather than lost, and said loudly.
     *
     * @return admissions credited by this call (0 unless that defect)
     */
    long replayReleases(LimitEngine redis) {
        boolean defect = !ambiguous.isEmpty() || !batches.isEmpty();
        settleAmbiguous(redis);
        if (queueLedger() > 0 || defect) {
            LOG.severe("sniper: local admissions were pending with the books complete (a defect): crediting them now");
        }
        queueTakeBacks();
        return applyQueued(redis);
    }

    /** Moves what the local engine admitted since the last drain into batches; returns the admissions queued. */
    private long queueLedger() {
        long queued = 0;
        if (dirty) {
            dirty = false;
            for (LocalAdmissions a : local.drainAdmissions()) {
                long made = a.admitted() - a.released();
                long net = made - takeOwed(new Pair(a.hourBucket(), a.dayBucket(), a.scopes()), made);
                if (net != 0) {
                    // Below 0: releases of admissions credited in an earlier batch, taken back from Redis.
                    batches.add(new Batch(a.hourBucket(), a.dayBucket(), net, guardId + ":" + sequence.incrementAndGet(), a.scopes()));
                    queued += Math.max(0, net);
                }
            }
        }
        return queued;
    }

    /**
     * What Redis counted itself beyond the local admissions just queued (they took what they could): Redis holds
     * admissions no runner made, or that an earlier batch already credited. Taken back (credit with a negative n).
     */
    private void queueTakeBacks() {
        for (Map.Entry<Pair, Long> due : owed.entrySet()) {
            Pair pair = due.getKey();
            if (owed.remove(pair, due.getValue())) {
                batches.add(new Batch(pair.hourBucket(), pair.dayBucket(), -due.getValue(),
                        guardId + ":" + sequence.incrementAndGet(), pair.scopes()));
            }
        }
    }

    private long applyQueued(LimitEngine redis) {
        long credited = 0;
        for (Batch batch = batches.peek(); batch != null; batch = batches.peek()) {
            CountsReply reply = redis.credit(batch.hourBucket(), batch.dayBucket(), batch.admissions(), batch.batchId(), batch.scopes());
            // applied = 0 means an earlier, timed-out try did run: the batch is in the books either way.
            if (reply.done()) {
                credited += Math.max(0, batch.admissions());
            }
            batches.poll();
        }
        for (String id = releases.peek(); id != null; id = releases.peek()) {
            redis.release(id);
            releases.poll();
        }
        return credited;
    }

    /**
     * For each ambiguous signal: acquire it again by id at its original time with no caps. If the
     * first call ran, Redis replays its decision; if not, this call counts it now, in the right
     * buckets. Either way Redis now holds exactly one decision for the id, and:
     * counted there and admitted here -> not credited again; counted there but blocked here -> released
     * there; not counted there but admitted here -> credited as usual.
     */
    private void settleAmbiguous(LimitEngine redis) {
        for (Ambiguous a = ambiguous.peek(); a != null; a = ambiguous.peek()) {
            AcquireReply reply = redis.acquire(new AcquireArgs(0, 0, false, false, a.signalId(), a.decidedAtMillis(),
                    WindowMode.FIXED, a.scopes()));
            boolean countedInRedis = reply.allowed();
            if (countedInRedis && a.admittedLocally()) {
                owed.merge(new Pair(Buckets.hour(a.decidedAtMillis()), Buckets.day(a.decidedAtMillis()), names(a.scopes())),
                        1L, Long::sum);
            } else if (countedInRedis) {
                redis.release(a.signalId());
            }
            ambiguous.poll();
        }
    }

    private long takeOwed(Pair pair, long available) {
        if (available <= 0) {
            return 0;
        }
        long[] taken = {0};
        owed.computeIfPresent(pair, (p, due) -> {
            taken[0] = Math.min(due, available);
            return due == taken[0] ? null : due - taken[0];
        });
        return taken[0];
    }
}
