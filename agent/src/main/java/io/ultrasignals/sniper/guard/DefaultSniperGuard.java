package io.ultrasignals.sniper.guard;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.GuardStatus;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.Release;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.config.Enforcement;
import io.ultrasignals.sniper.config.FallbackPolicy;
import io.ultrasignals.sniper.config.SniperModeSettings;
import io.ultrasignals.sniper.local.LocalEngine;
import io.ultrasignals.sniper.redis.ClockOffset;
import io.ultrasignals.sniper.redis.CorruptDataException;
import io.ultrasignals.sniper.redis.RedisEngine;
import io.ultrasignals.sniper.redis.RedisFailure;
import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.AcquireReply;
import io.ultrasignals.sniper.script.CountsReply;
import io.ultrasignals.sniper.script.GuardState;
import io.ultrasignals.sniper.script.HeartbeatReply;
import io.ultrasignals.sniper.script.StatusReply;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The guard: Redis decides while it answers within the decision timeout; otherwise the fallback
 * policy does, with no Redis wait at all while the circuit breaker is open.
 *
 * <p>Paths of one decision:
 * <ol>
 *   <li>sniper mode off: admitted, nothing counted ({@link Backend#OFF});</li>
 *   <li>no Redis configured: the local engine with the full caps (one process, one cap);</li>
 *   <li>breaker closed and nothing left to reconcile: one EVALSHA of acquire;</li>
 *   <li>otherwise, or when that call fails: the fallback policy — {@code local} (the local engine,
 *       limited to this guard's share), {@code allow} or {@code deny}.</li>
 * </ol>
 * A background thread beats the heartbeat (fleet size and counts, for the share), probes Redis while
 * the breaker is open, and credits local admissions back before decisions return to Redis.
 */
public final class DefaultSniperGuard implements SniperGuard {
    private static final Logger LOG = Logger.getLogger(DefaultSniperGuard.class.getName());

    private final SniperModeSettings policy;
    private final boolean shadow;
    private final RedisEngine redis;
    private final CircuitBreaker breaker;
    private final LocalEngine local;
    private final ClockOffset clock;
    private final FleetView fleet = new FleetView();
    private final FallbackBudget budget;
    private final Reconciler reconciler;
    private final GuardListener listener;
    private final String guardId;
    private final Duration heartbeatInterval;
    private final Duration heartbeatTtl;
    private final AtomicReference<Backend> backend = new AtomicReference<>();
    private final long decisionTimeoutMillis;
    private ScheduledExecutorService background;
    private Runnable afterClose = () -> {};
    /** The epoch and counts of the latest heartbeat (background thread only). */
    private long lastEpoch;
    /** Whether the latest heartbeat found Redis holding back for guards that may be local (for one log line per change). */
    private boolean holding;
    private final LocalAdmissionGate gate;
    private boolean closed;

    /**
     * @param redis   the Redis engine, or null when Redis is not used
     * @param breaker the breaker around Redis calls, or null when Redis is not used
     * @param local   the local engine; its clock must be {@code clock}-corrected local time
     */
    public DefaultSniperGuard(SniperModeSettings policy, RedisEngine redis, CircuitBreaker breaker, LocalEngine local,
                              ClockOffset clock, GuardListener listener, String guardId, Duration decisionTimeout) {
        this.decisionTimeoutMillis = decisionTimeout.toMillis();
        this.policy = policy;
        this.shadow = policy.enforcement() == Enforcement.SHADOW;
        this.redis = redis;
        this.breaker = breaker;
        this.local = local;
        this.clock = clock;
        this.listener = listener;
        this.guardId = guardId;
        this.budget = new FallbackBudget(policy.maxSignalsPerHour(), policy.dailySignalCap(), fleet, redis != null);
        this.reconciler = new Reconciler(local, guardId);
        this.heartbeatInterval = policy.fallback().heartbeatInterval();
        this.heartbeatTtl = policy.fallback().heartbeatTtl();
        this.gate = new LocalAdmissionGate(heartbeatTtl.toMillis() + 2 * heartbeatInterval.toMillis() + decisionTimeoutMillis);
        this.backend.set(redis == null ? Backend.LOCAL : Backend.REDIS);
    }

    /** Starts the heartbeat; decisions work before it (and without it). */
    public synchronized DefaultSniperGuard start() {
        if (redis != null && background == null) {
            background = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "sniper-heartbeat");
                t.setDaemon(true);
                return t;
            });
            background.scheduleWithFixedDelay(this::beat, 0, heartbeatInterval.toMillis(), TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /**
     * Round trips before the first decision, within a start-up sized budget: a status call and an acquire that
     * cannot count (its deadline has passed, so the script replies before it reads or writes a key). They load
     * both scripts (EVAL on NOSCRIPT) and both code paths; they repeat, up to {@link #WARM_UP_ROUNDS} times,
     * until a round fits in the decision timeout. A fresh JVM on a busy machine is slow on its first calls, and
     * a first decision that times out goes to the fallback with Redis up. Failure is harmless: decisions fall
     * back as they would anyway.
     */
    void warmUp(Duration budget) {
        long end = System.nanoTime() + budget.toNanos();
        AcquireArgs cannotCount = new AcquireArgs(0, 0, false, false, null, null, policy.window());
        for (int round = 0; round < WARM_UP_ROUNDS && System.nanoTime() < end; round++) {
            boolean status = replied(redis.statusAsync(null), end);
            boolean acquire = replied(redis.acquireAsync(cannotCount, 1L), end);
            if (status && acquire) {
                return;
            }
        }
    }

    /** Rounds of {@link #warmUp}: enough for the interpreter to have run each path a few times. */
    static final int WARM_UP_ROUNDS = 20;

    /** True if Redis answered within the decision timeout (the expired acquire's error reply is an answer). */
    private static boolean replied(CompletableFuture<?> call, long endNanos) {
        try {
            call.get(Math.max(0, endNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (String.valueOf(cause.getMessage()).startsWith("ERR sniper: deadline_ms passed")) {
                    return true;
                }
            }
            LOG.log(Level.FINE, "sniper: warm-up call failed", e);
            return false;
        }
    }

    public String guardId() {
        return guardId;
    }

    @Override
    public Decision acquire(Signal signal) {
        try {
            return acquireAsync(signal).toCompletableFuture().join();
        } catch (java.util.concurrent.CompletionException bug) {
            // Every path completes normally by design; should one not, the runner still gets an answer.
            return safely(() -> {
                throw bug;
            });
        }
    }

    @Override
    public CompletionStage<Decision> acquireAsync(Signal signal) {
        long start = System.nanoTime();
        if (!policy.enabled()) {
            return CompletableFuture.completedFuture(
                    finish(new Decision(true, Reason.OK, 0, 0, 0, System.currentTimeMillis(), Backend.OFF, false, shadow, null), start));
        }
        AcquireArgs args = new AcquireArgs(policy.maxSignalsPerHour(), policy.dailySignalCap(), policy.mtfConfirm(),
                signal.mtfConfirmed(), signal.id(), null, policy.window());
        if (redis == null) {
            return CompletableFuture.completedFuture(finish(safely(() -> fromReply(local.acquire(args), Backend.LOCAL, null)), start));
        }
        if (!reconciler.caughtUp()) {
            return CompletableFuture.completedFuture(finish(fallback(args, "reconciling"), start));
        }
        if (!breaker.tryAcquirePermission()) {
            return CompletableFuture.completedFuture(finish(fallback(args, "circuit open"), start));
        }
        // The script refuses to count after the moment this call stops waiting, in Redis time.
        Long deadline = clock.known() ? clock.redisNow(System.currentTimeMillis()) + decisionTimeoutMillis : null;
        return redis.acquireAsync(args, deadline).handle((reply, error) -> {
            long took = System.nanoTime() - start;
            if (error == null) {
                breaker.onSuccess(took, TimeUnit.NANOSECONDS);
                if (!reply.replayed()) {
                    fleet.observeCounts(reply.serverTimeMillis(), reply.hourCount(), reply.dayCount());
                }
                return finish(fromReply(reply, Backend.REDIS, null), start);
            }
            String cause = failed(error, took);
            Decision decision = fallback(args, cause);
            if (args.signalId() != null && decision.backend() == Backend.LOCAL && mayHaveRun(error)) {
                reconciler.recordAmbiguous(args.signalId(), decision.serverTimeMillis(), decision.admitted());
            }
            return finish(decision, start);
        });
    }

    @Override
    public Release release(String signalId) {
        return releaseAsync(signalId).toCompletableFuture().join();
    }

    @Override
    public CompletionStage<Release> releaseAsync(String signalId) {
        if (signalId == null || signalId.isEmpty()) {
            throw new IllegalArgumentException("release needs the signal id the signal was acquired with");
        }
        if (redis == null) {
            CountsReply r = local.release(signalId);
            return CompletableFuture.completedFuture(new Release(r.done(), r.hourCount(), r.dayCount(), Backend.LOCAL, false));
        }
        if (!reconciler.caughtUp() || !breaker.tryAcquirePermission()) {
            return CompletableFuture.completedFuture(releaseLocally(signalId));
        }
        long start = System.nanoTime();
        return redis.releaseAsync(signalId).handle((reply, error) -> {
            if (error == null) {
                breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                if (!reply.done()) {
                    // Admitted locally during an outage and credited since: only the local engine knows it.
                    CountsReply l = local.release(signalId);
                    if (l.done()) {
                        reconciler.markDirty();
                        return new Release(true, reply.hourCount(), reply.dayCount(), Backend.LOCAL, false);
                    }
                }
                return new Release(reply.done(), reply.hourCount(), reply.dayCount(), Backend.REDIS, false);
            }
            failed(error, System.nanoTime() - start);
            return releaseLocally(signalId);
        });
    }

    /** Redis is away: release a local admission now, or keep the id for release.lua when Redis is back. */
    private Release releaseLocally(String signalId) {
        CountsReply r = local.release(signalId);
        if (r.done()) {
            reconciler.markDirty();
            return new Release(true, r.hourCount(), r.dayCount(), Backend.LOCAL, false);
        }
        reconciler.queueRelease(signalId);
        return new Release(false, r.hourCount(), r.dayCount(), Backend.LOCAL, true);
    }

    @Override
    public GuardStatus status() {
        Backend now = backend.get();
        String state = breaker == null ? "NONE" : breaker.getState().name();
        if (redis != null && now == Backend.REDIS) {
            try {
                StatusReply s = redis.status(null);
                return new GuardStatus(s.hourCount(), s.dayCount(), s.hourTtlMillis(), s.dayTtlMillis(),
                        policy.maxSignalsPerHour(), policy.dailySignalCap(), now, state, clock.offsetMillis(),
                        fleet.liveGuards(), reconciler.pendingAdmissions());
            } catch (RuntimeException e) {
                // fall through to the local view
            }
        }
        StatusReply s = local.status(null);
        return new GuardStatus(s.hourCount(), s.dayCount(), -1, -1, policy.maxSignalsPerHour(), policy.dailySignalCap(),
                now, state, clock.offsetMillis(), fleet.liveGuards(), reconciler.pendingAdmissions());
    }

    /** True when nothing made locally waits to be written to Redis. */
    public boolean reconciled() {
        return !reconciler.hasPending();
    }

    /** The backend that made the latest decision. */
    public Backend currentBackend() {
        return backend.get();
    }

    /** This guard's share of the hourly cap were Redis to go away now (-1: no hourly cap). */
    public long hourBudget() {
        return budget.hourShare(clock.redisNow(System.currentTimeMillis()));
    }

    /** This guard's share of the daily cap were Redis to go away now (-1: no daily cap). */
    public long dayBudget() {
        return budget.dayShare(clock.redisNow(System.currentTimeMillis()));
    }

    /** Guards sharing the namespace as last heard from Redis (0: not heard yet); no Redis call. */
    public long liveGuards() {
        return fleet.liveGuards();
    }

    /** What Redis held back from its hourly decisions at this guard's latest heartbeat (-1: no hourly cap); no Redis call. */
    public long heldHour() {
        return policy.maxSignalsPerHour() == 0 ? -1 : redis == null ? 0 : fleet.heldHour(Math.floorDiv(clock.redisNow(System.currentTimeMillis()), 3_600_000L));
    }

    /** What Redis held back from its daily decisions at this guard's latest heartbeat (-1: no daily cap); no Redis call. */
    public long heldDay() {
        return policy.dailySignalCap() == 0 ? -1 : redis == null ? 0 : fleet.heldDay(Math.floorDiv(clock.redisNow(System.currentTimeMillis()), 86_400_000L));
    }

    /** Admissions made locally and not yet credited to Redis; no Redis call. */
    public long pendingCredits() {
        return reconciler.pendingAdmissions();
    }

    public ClockOffset clock() {
        return clock;
    }

    public CircuitBreaker breaker() {
        return breaker;
    }

    /** Runs once after {@link #close()} stopped the heartbeat: closes what the guard runs on. */
    synchronized void afterClose(Runnable action) {
        this.afterClose = action;
    }

    @Override
    public void close() {
        ScheduledExecutorService b;
        Runnable then;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            b = background;
            background = null;
            then = afterClose;
        }
        if (b != null) {
            b.shutdownNow();
            leave();
        }
        then.run();
    }

    // ---- decision helpers

    /** Whether a failed call may still have run on the server: sent, but no answer came back. */
    private static boolean mayHaveRun(Throwable error) {
        Throwable e = RedisFailure.unwrap(error);
        if (e instanceof io.ultrasignals.sniper.redis.RedisUnavailableException u) {
            RedisFailure kind = u.failure();
            return (kind == RedisFailure.TIMEOUT || kind == RedisFailure.CONNECTION)
                    && !(u.getCause() instanceof io.ultrasignals.sniper.redis.NotConnectedException);
        }
        return false;
    }

    /** Records a failed Redis call with the breaker and the listener; returns the cause for the decision. */
    private String failed(Throwable error, long nanos) {
        Throwable e = RedisFailure.unwrap(error);
        RedisFailure kind = RedisFailure.of(e);
        listener.onRedisFailure(kind);
        if (kind == RedisFailure.DATA || e instanceof io.ultrasignals.sniper.script.ScriptException) {
            // Redis answered: wrong data is not an outage, so it must not open the breaker.
            breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
            return e.getMessage();
        }
        breaker.onError(nanos, TimeUnit.NANOSECONDS, e);
        reconciler.outageBegan();
        gate.redisFailed();
        if (kind == RedisFailure.OTHER) {
            // Unexpected: say what it was (bounded; Redis error text holds no secrets).
            String message = String.valueOf(e.getMessage());
            return kind.label() + ": " + (message.length() > 160 ? message.substring(0, 160) : message);
        }
        return kind.label();
    }

    private Decision fallback(AcquireArgs args, String cause) {
        FallbackPolicy p = policy.fallback().policy();
        boolean dataError = cause != null && cause.startsWith("ERR sniper:");
        long now = clock.redisNow(System.currentTimeMillis());
        switch (p) {
            case ALLOW:
                return new Decision(true, Reason.OK, 0, 0, 0, now, Backend.ALLOW, false, shadow, cause);
            case DENY:
                return new Decision(shadow, dataError ? Reason.SNIPER_REDIS_DATA : Reason.SNIPER_FALLBACK_DENY, 0, 0, 0, now,
                        Backend.DENY, false, shadow, cause);
            default:
                if (!gate.mayAdmit(now)) {
                    // Redis answered since the last failure (catching up), or may not hold this guard's share yet.
                    return new Decision(shadow, Reason.SNIPER_FALLBACK_DENY, 0, 0, 0, now, Backend.LOCAL, false, shadow,
                            "local admissions wait until Redis holds this guard's share back"
                                    + (cause == null ? "" : " (" + cause + ")"));
                }
                return safely(() -> {
                    budget.prepare(local, now);
                    AcquireReply reply = local.acquire(args);
                    if (reply.allowed() && !reply.replayed()) {
                        reconciler.markDirty();
                    }
                    return fromReply(reply, Backend.LOCAL, cause);
                });
        }
    }

    private Decision fromReply(AcquireReply r, Backend by, String detail) {
        return new Decision(r.allowed() || shadow, Reason.fromScript(r.reason()), r.hourCount(), r.dayCount(),
                r.retryAfterMillis(), r.serverTimeMillis(), by, r.replayed(), shadow, detail);
    }

    /** The local path must never throw into a runner; a bug there fails closed, and says so once per change. */
    private Decision safely(java.util.function.Supplier<Decision> decide) {
        try {
            return decide.get();
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "sniper: local decision failed; blocking this signal", e);
            return new Decision(shadow, Reason.SNIPER_FALLBACK_DENY, 0, 0, 0, System.currentTimeMillis(), Backend.DENY,
                    false, shadow, "local engine error: " + e.getClass().getSimpleName());
        }
    }

    private Decision finish(Decision decision, long startNanos) {
        Backend now = decision.backend();
        // Back on Redis only once the breaker has closed: while half-open, probe decisions and fallback
        // decisions interleave, and that must not log a line per decision.
        boolean settled = now != Backend.OFF
                && (now != Backend.REDIS || breaker == null || breaker.getState() == CircuitBreaker.State.CLOSED);
        if (settled) {
            Backend previous = backend.getAndSet(now);
            if (previous != now) {
                if (now == Backend.REDIS) {
                    budget.endEpisode();
                }
                LOG.info("sniper: decisions now made by " + now.label() + " (were " + previous.label()
                        + (decision.detail() == null ? "" : "; cause: " + decision.detail()) + ")");
                listener.onBackendChange(previous, now, decision.detail());
            }
        }
        listener.onDecision(decision, System.nanoTime() - startNanos);
        return decision;
    }

    /**
     * Heartbeat: register and read the fleet, restore counts Redis lost, then reconcile. Runs on the
     * background thread only. The heartbeat goes first so that a lost-data check compares what this
     * guard last saw with what Redis holds before our own credits are added to it; and a guard that may
     * hold local admissions says so ({@code local}) before it credits, so that Redis holds back every
     * guard's share until each has credited or beaten again (lua/README.md, "Recovery"). Once everything
     * is credited it beats again as {@code redis}, which releases its own share.
     */
    private void beat() {
        if (!breaker.tryAcquirePermission()) {
            return;
        }
        long start = System.nanoTime();
        try {
            GuardState state = reconciler.caughtUp() && !reconciler.hasPending() ? GuardState.REDIS : GuardState.LOCAL;
            HeartbeatReply hb = heartbeat(state);
            long previousEpoch = lastEpoch;
            if (previousEpoch != 0 && hb.epoch() != previousEpoch) {
                restoreLostCounts(hb);
            }
            lastEpoch = hb.epoch();
            observe(hb);
            long credited = reconciler.flush(redis);
            if (credited > 0) {
                LOG.info("sniper: credited " + credited + " local admissions to Redis");
                listener.onReconciled(credited);
            }
            if (reconciler.caughtUp() && !reconciler.hasPending()) {
                if (state == GuardState.LOCAL) {
                    observe(heartbeat(GuardState.REDIS));
                }
                // Books complete: a later outage starts from the share recorded now, not the old episode's.
                budget.endEpisode();
            }
            breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) {
            failed(e, System.nanoTime() - start);
        } catch (Throwable t) {
            LOG.log(Level.WARNING, "sniper: heartbeat failed unexpectedly", t);
        }
    }

    private HeartbeatReply heartbeat(GuardState state) {
        if (state == GuardState.REDIS) {
            gate.sendingRedisBeat(clock.redisNow(System.currentTimeMillis()));
        }
        HeartbeatReply reply = redis.heartbeatAsync(guardId, heartbeatTtl, policy.maxSignalsPerHour(), policy.dailySignalCap(), state)
                .join();
        if (state == GuardState.LOCAL) {
            gate.localBeatApplied();
        }
        return reply;
    }

    /** Takes in a heartbeat reply; says once when Redis starts and stops holding back for guards that may be local. */
    private void observe(HeartbeatReply hb) {
        fleet.observeBeat(hb);
        boolean nowHolding = hb.heldHour() > 0 || hb.heldDay() > 0;
        if (nowHolding != holding) {
            holding = nowHolding;
            LOG.info(nowHolding
                    ? "sniper: Redis holds back " + hb.heldHour() + " (hour) / " + hb.heldDay() + " (day) admissions for "
                            + "guards that may be deciding locally, until they have credited (" + hb.guards() + " guards in the fleet)"
                    : "sniper: Redis holds nothing back any more: every guard's local admissions are in its books");
        }
    }

    /** Stopping, caught up: leave the fleet's reckoning, so that Redis holds nothing back for this guard. */
    private void leave() {
        if (redis == null || !reconciled() || !reconciler.caughtUp()) {
            return;
        }
        try {
            redis.heartbeatAsync(guardId, heartbeatTtl, policy.maxSignalsPerHour(), policy.dailySignalCap(), GuardState.LEAVE)
                    .get(decisionTimeoutMillis * 2, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // Harmless: the guard then stays in the reckoning until its buckets end.
            LOG.log(Level.FINE, "sniper: leaving the fleet failed", e);
        }
    }

    /**
     * Redis started a new epoch: it lost its data (restarted without persistence). Put back the latest
     * count this guard saw in each current bucket, from any reply (acquire replies too, so within a decision
     * of the count at the loss, releases included) — the whole bucket was lost, so nothing Redis holds
     * now (credits of others, new admissions) is subtracted — under batch ids named after the new epoch and
     * the bucket, so that when several guards notice the same loss only the first restore applies. The
     * day's remainder beyond the hour is booked on the previous hour bucket, where most of it was counted.
     */
    private void restoreLostCounts(HeartbeatReply now) {
        long hour = Math.floorDiv(now.serverTimeMillis(), 3_600_000L);
        long day = Math.floorDiv(now.serverTimeMillis(), 86_400_000L);
        // Signals of unknown outcome sent before the reply that carried that count may be in it: they
        // are left out, since settling them by id counts each exactly once. (A fallback decision is dated one
        // decision timeout after it was sent.)
        long until = fleet.countsSeenAt() + 2 * decisionTimeoutMillis;
        long lostHour = Math.max(0, fleet.hourCount(hour) - reconciler.unsettledIn(3_600_000L, hour, until));
        long lostDay = Math.max(lostHour, fleet.dayCount(day) - reconciler.unsettledIn(86_400_000L, day, until));
        long dayRest = lostDay - lostHour;
        String tag = "restore:" + now.epoch() + ":";
        long restoredHour = 0;
        long restoredDay = 0;
        if (lostHour > 0 && redis.credit(hour, day, lostHour, tag + "h" + hour).done()) {
            restoredHour = lostHour;
            restoredDay = lostHour;
        }
        if (dayRest > 0 && redis.credit(hour - 1, day, dayRest, tag + "d" + day).done()) {
            restoredDay += dayRest;
        }
        if (restoredHour > 0 || restoredDay > 0) {
            // Only the first guard to notice restores; the others find the batch applied.
            LOG.warning("sniper: Redis lost its counts (restarted without persistence?); restored hour +" + restoredHour
                    + ", day +" + restoredDay + " (the latest counts this guard saw)");
            listener.onRedisRollback(restoredHour, restoredDay);
        }
    }
}
