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
    private ScheduledExecutorService background;
    private Runnable afterClose = () -> {};
    private boolean closed;

    /**
     * @param redis   the Redis engine, or null when Redis is not used
     * @param breaker the breaker around Redis calls, or null when Redis is not used
     * @param local   the local engine; its clock must be {@code clock}-corrected local time
     */
    public DefaultSniperGuard(SniperModeSettings policy, RedisEngine redis, CircuitBreaker breaker, LocalEngine local,
                              ClockOffset clock, GuardListener listener, String guardId) {
        this.policy = policy;
        this.shadow = policy.enforcement() == Enforcement.SHADOW;
        this.redis = redis;
        this.breaker = breaker;
        this.local = local;
        this.clock = clock;
        this.listener = listener;
        this.guardId = guardId;
        this.budget = new FallbackBudget(policy.maxSignalsPerHour(), policy.dailySignalCap(), fleet);
        this.reconciler = new Reconciler(local, guardId);
        this.heartbeatInterval = policy.fallback().heartbeatInterval();
        this.heartbeatTtl = policy.fallback().heartbeatTtl();
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
     * One status call with a start-up sized timeout: loads the code paths and the scripts (EVAL on
     * NOSCRIPT) before the first decision, which then needs no more than its short timeout. Failure
     * is harmless: decisions fall back as they would anyway.
     */
    void warmUp(Duration timeout) {
        try {
            redis.statusAsync(null).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.log(Level.FINE, "sniper: warm-up status call failed", e);
        }
    }

    public String guardId() {
        return guardId;
    }

    @Override
    public Decision acquire(Signal signal) {
        return acquireAsync(signal).toCompletableFuture().join();
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
        if (reconciler.hasPending()) {
            return CompletableFuture.completedFuture(finish(fallback(args, "reconciling"), start));
        }
        if (!breaker.tryAcquirePermission()) {
            return CompletableFuture.completedFuture(finish(fallback(args, "circuit open"), start));
        }
        return redis.acquireAsync(args).handle((reply, error) -> {
            long took = System.nanoTime() - start;
            if (error == null) {
                breaker.onSuccess(took, TimeUnit.NANOSECONDS);
                if (!reply.replayed()) {
                    fleet.observeCounts(reply.serverTimeMillis(), reply.hourCount(), reply.dayCount());
                }
                return finish(fromReply(reply, Backend.REDIS, null), start);
            }
            return finish(fallback(args, failed(error, took)), start);
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
        if (reconciler.hasPending() || !breaker.tryAcquirePermission()) {
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
        }
        then.run();
    }

    // ---- decision helpers

    /** Records a failed Redis call with the breaker and the listener; returns the cause for the decision. */
    private String failed(Throwable error, long nanos) {
        Throwable e = error;
        while (e.getCause() != null && (e instanceof java.util.concurrent.CompletionException)) {
            e = e.getCause();
        }
        RedisFailure kind = RedisFailure.of(e);
        listener.onRedisFailure(kind);
        if (kind == RedisFailure.DATA || e instanceof io.ultrasignals.sniper.script.ScriptException) {
            // Redis answered: wrong data is not an outage, so it must not open the breaker.
            breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
            return e.getMessage();
        }
        breaker.onError(nanos, TimeUnit.NANOSECONDS, e);
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
        Backend previous = backend.getAndSet(decision.backend());
        if (previous != decision.backend() && decision.backend() != Backend.OFF) {
            if (decision.backend() == Backend.REDIS) {
                budget.endEpisode();
            }
            LOG.info("sniper: decisions now made by " + decision.backend().label() + " (were " + previous.label()
                    + (decision.detail() == null ? "" : "; cause: " + decision.detail()) + ")");
            listener.onBackendChange(previous, decision.backend(), decision.detail());
        }
        listener.onDecision(decision, System.nanoTime() - startNanos);
        return decision;
    }

    /** Heartbeat: reconcile first, then register and read the fleet. Runs on the background thread only. */
    private void beat() {
        if (!breaker.tryAcquirePermission()) {
            return;
        }
        long start = System.nanoTime();
        try {
            long credited = reconciler.flush(redis);
            if (credited > 0) {
                LOG.info("sniper: credited " + credited + " local admissions to Redis");
                listener.onReconciled(credited);
            }
            HeartbeatReply hb = redis.heartbeatAsync(guardId, heartbeatTtl).join();
            fleet.observeLiveGuards(hb.liveGuards());
            fleet.observeCounts(hb.serverTimeMillis(), hb.hourCount(), hb.dayCount());
            breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) {
            failed(e, System.nanoTime() - start);
        } catch (Throwable t) {
            LOG.log(Level.WARNING, "sniper: heartbeat failed unexpectedly", t);
        }
    }
}
