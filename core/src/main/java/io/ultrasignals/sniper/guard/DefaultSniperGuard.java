package io.ultrasignals.sniper.guard;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.GuardStatus;
import io.ultrasignals.sniper.Release;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.config.Enforcement;
import io.ultrasignals.sniper.config.SniperModeSettings;
import io.ultrasignals.sniper.local.LocalEngine;
import io.ultrasignals.sniper.redis.ClockOffset;
import io.ultrasignals.sniper.redis.KeyInvalidations;
import io.ultrasignals.sniper.redis.NotConnectedException;
import io.ultrasignals.sniper.redis.RedisEngine;
import io.ultrasignals.sniper.redis.RedisFailure;
import io.ultrasignals.sniper.redis.RedisLink;
import io.ultrasignals.sniper.redis.RedisUnavailableException;
import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.AcquireReply;
import io.ultrasignals.sniper.script.Buckets;
import io.ultrasignals.sniper.script.CountsReply;
import io.ultrasignals.sniper.script.RoomKept;
import io.ultrasignals.sniper.script.StatusReply;
import io.ultrasignals.sniper.script.WindowMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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
 *   <li>a cap block Redis answered before still holds ({@link BlockCache}): blocked from memory, whether Redis is
 *       up or not ({@link Backend#CACHE});</li>
 *   <li>{@link BackendState} lets the call go to Redis (breaker closed, books complete): one EVALSHA of acquire;</li>
 *   <li>otherwise, or when that call fails: the {@link Fallback} — {@code local} (the local engine,
 *       limited to this guard's share), {@code allow} or {@code deny}.</li>
 * </ol>
 * A background thread runs the {@link Heartbeat}: fleet size and counts (for the share), probes of Redis
 * while the breaker is open, restores of lost counts, and credits of local admissions before decisions
 * return to Redis.
 */
public final class DefaultSniperGuard implements SniperGuard {
    private static final Logger LOG = Logger.getLogger(DefaultSniperGuard.class.getName());

    /** Rounds of {@link #warmUp}: enough for the interpreter to have run each path a few times. */
    static final int WARM_UP_ROUNDS = 20;

    private final SniperModeSettings policy;
    private final boolean shadow;
    private final RedisEngine redis;
    private final LocalEngine local;
    private final ClockOffset clock;
    private final FleetView fleet = new FleetView();
    private final FallbackBudget budget;
    private final Reconciler reconciler;
    private final BackendState state;
    private final Fallback fallback;
    private final Heartbeat heartbeat;
    private final BlockCache blocks;
    private KeyInvalidations invalidations;
    /** The policy and halt last seen in Redis, obeyed by local decisions. */
    private final ControlView control;
    private final GuardListener listener;
    private final String guardId;
    private final Duration heartbeatInterval;
    private final long decisionTimeoutMillis;
    private ScheduledExecutorService background;
    private Runnable afterClose = () -> {};
    private boolean closed;

    /**
     * @param redis    the Redis engine, or null when Redis is not used
     * @param breaker  the breaker around Redis calls, or null when Redis is not used
     * @param local    the local engine; its clock must be {@code clock}'s Redis time
     * @param clock    the local clock and its offset to Redis: every time the guard's rules read
     * @param listener isolated here if it is not yet ({@link IsolatedListener})
     */
    DefaultSniperGuard(SniperModeSettings policy, RedisEngine redis, CircuitBreaker breaker, LocalEngine local,
                       ClockOffset clock, GuardListener listener, String guardId, Duration decisionTimeout) {
        this.decisionTimeoutMillis = decisionTimeout.toMillis();
        this.policy = policy;
        this.shadow = policy.enforcement() == Enforcement.SHADOW;
        this.redis = redis;
        this.local = local;
        this.clock = clock;
        this.listener = IsolatedListener.isolate(listener);
        this.guardId = guardId;
        int fleetSize = policy.fallback().fleetSize();
        this.budget = new FallbackBudget(policy.maxSignalsPerHour(), policy.dailySignalCap(), fleet, redis != null, fleetSize);
        this.reconciler = new Reconciler(local, guardId);
        this.heartbeatInterval = policy.fallback().heartbeatInterval();
        Duration heartbeatTtl = policy.fallback().heartbeatTtl();
        LocalAdmissionGate gate = new LocalAdmissionGate(
                heartbeatTtl.toMillis() + 2 * heartbeatInterval.toMillis() + decisionTimeoutMillis);
        this.state = new BackendState(breaker, this.listener, gate::redisFailed, budget::endEpisode, startNote(policy));
        this.fallback = new Fallback(policy.fallback().policy(), shadow, local, budget, gate, reconciler, clock);
        this.blocks = BlockCache.forPolicy(policy.window(), redis != null, redis == null ? "" : redis.namespace());
        this.control = new ControlView(policy.maxSignalsPerHour(), policy.dailySignalCap());
        this.heartbeat = redis == null ? null : new Heartbeat(redis, state, reconciler, fleet, budget, gate, clock,
                this.listener, guardId, heartbeatTtl, policy.maxSignalsPerHour(), policy.dailySignalCap(), decisionTimeoutMillis,
                policy.window() == WindowMode.SLIDING, control);
    }

    /** What a guard that has not reached Redis since it started does meanwhile, for the log line that says so. */
    private static String startNote(SniperModeSettings policy) {
        int fleetSize = policy.fallback().fleetSize();
        return switch (policy.fallback().policy()) {
            case ALLOW -> "admitting every signal uncounted until it reaches Redis";
            case DENY -> "blocking every signal until it reaches Redis";
            default -> fleetSize == 0
                    ? "admitting nothing until it reaches Redis: no share of the caps (fleet_size not stated)"
                    : "up to floor(cap / " + fleetSize + ") per window until it reaches Redis (fleet_size " + fleetSize + ")";
        };
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

    /** One heartbeat round; an answered one bounds the cached blocks when invalidations may have gone unseen. */
    private void beat() {
        if (heartbeat.beat()) {
            KeyInvalidations k;
            synchronized (this) {
                k = invalidations;
            }
            blocks.heartbeatAnswered(k != null && k.answers(Duration.ofMillis(decisionTimeoutMillis)));
        }
    }

    /**
     * Hears Redis's invalidations of the keys that may free a slot ({@link KeyInvalidations}), so that a cached block
     * ends as soon as a slot frees up anywhere in the fleet; without it (Cluster, tracking refused) the heartbeat
     * bounds them. Closed with the guard.
     */
    synchronized void trackInvalidations(RedisLink link) {
        if (redis == null || !blocks.enabled() || invalidations != null || closed) {
            return;
        }
        invalidations = link.invalidations(BlockCache.trackedPrefixes(redis.namespace()), blocks);
        if (invalidations != null) {
            invalidations.start();
        }
    }

    /** True while the invalidation connection has tracking on. */
    synchronized boolean invalidationsLive() {
        return invalidations != null && invalidations.live();
    }

    /** Cap blocks held in memory now (a layer each). */
    public int cachedBlocks() {
        return blocks.size();
    }

    /**
     * Round trips before the first decision, within a start-up sized budget: a status call and an acquire that
     * cannot count (MTF required and missing, no signal id: the script reads the counts and writes nothing).
     * They load both scripts (EVAL on NOSCRIPT), both code paths and the clock offset; they repeat, up to
     * {@link #WARM_UP_ROUNDS} times, until a round fits in the decision timeout. A fresh JVM on a busy machine is
     * slow on its first calls, and a first decision that times out goes to the fallback with Redis up. Failure is
     * harmless: decisions fall back as they would anyway.
     *
     * <p>(The acquire used to carry a deadline long past instead; RedisEngine retries a call refused as late while
     * the first try's wait lasts, so that one call became tens of thousands of refused EVALSHAs and the warm-up
     * always took its whole budget.)
     */
    void warmUp(Duration budget) {
        long end = System.nanoTime() + budget.toNanos();
        AcquireArgs cannotCount = new AcquireArgs(0, 0, true, false, null, null, policy.window());
        for (int round = 0; round < WARM_UP_ROUNDS && System.nanoTime() < end; round++) {
            boolean status = replied(redis.statusAsync(null), end);
            boolean acquire = replied(redis.acquireAsync(cannotCount), end);
            if (status && acquire) {
                return;
            }
        }
    }

    /** True if Redis answered within the budget. */
    private static boolean replied(CompletableFuture<?> call, long endNanos) {
        try {
            call.get(Math.max(0, endNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
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
        } catch (CompletionException bug) {
            // Every path completes normally by design; should one not, the runner still gets an answer.
            return fallback.safely(() -> {
                throw bug;
            });
        }
    }

    @Override
    public CompletionStage<Decision> acquireAsync(Signal signal) {
        long start = System.nanoTime();
        if (!policy.enabled()) {
            return CompletableFuture.completedFuture(finish(Decision.off(clock.localNow()).inShadow(shadow), start));
        }
        AcquireArgs args = new AcquireArgs(policy.maxSignalsPerHour(), policy.dailySignalCap(), policy.mtfConfirm(),
                signal.mtfConfirmed(), signal.id(), null, policy.window(), policy.scopeCaps(signal.scopes()));
        if (redis == null) {
            return CompletableFuture.completedFuture(finish(fallback.decideAlone(args), start));
        }
        return decideWithRedis(args, start);
    }

    private CompletionStage<Decision> decideWithRedis(AcquireArgs args, long start) {
        if (!args.scopes().isEmpty()) {
            fleet.scopes().decided(args.scopes(), clock.redisNow()); // the heartbeat reads them (a restore's figures)
        }
        Decision remembered = blocks.answer(args, clock::redisNow);
        if (remembered != null) {
            return CompletableFuture.completedFuture(finish(remembered.inShadow(shadow), start));
        }
        long generation = blocks.generation();
        CompletableFuture<Void> returning = state.returnUnderWay();
        if (returning != null) {
            // The heartbeat is crediting the outage's last local admissions: one round trip, then Redis decides.
            return returning.thenCompose(ended -> decideWithRedis(args, start));
        }
        String notRedis = state.whyNotRedis();
        if (notRedis != null) {
            return decideByFallback(args, FallbackCause.because(notRedis), null, start);
        }
        // The script refuses to count after the moment this call stops waiting, in Redis time.
        Long deadline = clock.known() ? clock.redisNow() + decisionTimeoutMillis : null;
        // The room kept for runners of the stated fleet not yet seen: acquire takes it off the caps that apply.
        RoomKept room = budget.roomKept();
        long unseen = budget.unseenRunners();
        // Without an id nothing settles a call that timed out: its late reply, should it come, says it counted.
        Consumer<AcquireReply> countedAfterTimeout = args.signalId() != null ? null
                : late -> reconciler.countedAfterTimeout(late.serverTimeMillis(), args.scopes());
        return redis.acquireAsync(args, deadline, room, countedAfterTimeout).handle((reply, error) -> {
            long took = System.nanoTime() - start;
            if (error == null) {
                state.redisAnswered(took);
                control.observe(reply);
                if (!reply.replayed()) {
                    fleet.observeCounts(reply.serverTimeMillis(), reply.hourCount(), reply.dayCount());
                }
                Decision decision = Decisions.fromReply(reply, Backend.REDIS);
                Decision answered = Decisions.belowTheCap(decision, reply, unseen,
                        args.window() == WindowMode.FIXED ? control.fleetCapsOf(reply, args) : null);
                // A block below the cap (the room kept for runners not yet seen, shares held back for guards cut off)
                // is never kept: Redis answers it each time, with what held it.
                blocks.learn(args, decision, room == null && answered == decision ? generation : BlockCache.NEVER);
                return CompletableFuture.completedFuture(finish(answered.inShadow(shadow), start));
            }
            return decideByFallback(args, state.redisFailed(error, took), error, start);
        }).thenCompose(decided -> decided);
    }

    /**
     * The fallback decides, inside {@link BackendState#enterFallback}: a return to Redis that began meanwhile is
     * waited for, and the signal then decided afresh (no local admission after the return's credit).
     *
     * @param failed the failed Redis call of this signal, if any (its outcome may be unknown: settled by id)
     */
    private CompletionStage<Decision> decideByFallback(AcquireArgs args, FallbackCause cause, Throwable failed, long start) {
        CompletableFuture<Void> returning = state.enterFallback();
        if (returning != null) {
            return returning.thenCompose(ended -> decideWithRedis(args, start));
        }
        Decision decision;
        try {
            decision = decideLocally(args, cause);
            // Redis does not hold this id's decision: never answer it from memory.
            blocks.decidedElsewhere(args.signalId(), decision.serverTimeMillis());
            if (failed != null && args.signalId() != null && decision.backend() == Backend.LOCAL && mayHaveRun(failed)) {
                reconciler.recordAmbiguous(args.signalId(), decision.serverTimeMillis(), decision.admitted(), args.scopes());
            }
        } finally {
            state.fallbackDecided();
        }
        return CompletableFuture.completedFuture(finish(decision, start));
    }

    /**
     * The fallback's decision, under the fleet's control as last seen: halted, it blocks (counting nothing);
     * else it decides by the policy's caps when one was stored, else the settings'.
     */
    private Decision decideLocally(AcquireArgs args, FallbackCause cause) {
        String halt = control.halt();
        if (halt != null) {
            return Decision.halted(Backend.LOCAL, 0, 0, 0, clock.redisNow(), false, halt).inShadow(shadow);
        }
        return fallback.decide(control.localArgs(args), cause);
    }

    /** The Redis engine this guard decides with, if Redis is configured (the CLI's control commands use it). */
    public java.util.Optional<RedisEngine> redisEngine() {
        return java.util.Optional.ofNullable(redis);
    }

    /** The fleet's halt as last seen (null: not halted), the stored policy's version (-1: none). */
    public String haltSeen() {
        return control.halt();
    }

    public long policyVersionSeen() {
        return control.policyVersion();
    }

    /** True while the stored policy's fleet caps differ from this runner's settings (it obeys the policy). */
    public boolean policyDiffersFromSettings() {
        return control.settingsDiffer();
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
        if (state.whyNotRedis() != null) {
            return CompletableFuture.completedFuture(releaseLocally(signalId));
        }
        long start = System.nanoTime();
        return redis.releaseAsync(signalId).handle((reply, error) -> {
            if (error == null) {
                state.redisAnswered(System.nanoTime() - start);
                if (reply.done()) {
                    // This guard's own release frees a slot now: its next signal must not wait for Redis's push.
                    blocks.invalidate(null);
                }
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
            state.redisFailed(error, System.nanoTime() - start);
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
        Backend now = state.current();
        if (redis != null && now == Backend.REDIS) {
            try {
                StatusReply s = redis.status(null);
                return new GuardStatus(s.hourCount(), s.dayCount(), s.hourTtlMillis(), s.dayTtlMillis(),
                        policy.maxSignalsPerHour(), policy.dailySignalCap(), now, state.breakerState(), clock.offsetMillis(),
                        fleet.liveGuards(), reconciler.pendingAdmissions());
            } catch (RuntimeException e) {
                // fall through to the local view
            }
        }
        // Redis away (or not configured): the real counts as far as this guard knows them, last seen from Redis plus
        // local admissions.
        long[] counts = budget.realCounts(local, clock.redisNow());
        return new GuardStatus(counts[0], counts[1], -1, -1, policy.maxSignalsPerHour(), policy.dailySignalCap(),
                now, state.breakerState(), clock.offsetMillis(), fleet.liveGuards(), reconciler.pendingAdmissions());
    }

    /**
     * The current buckets of these scopes ({@code symbol=BTCUSDT}, at most 8): from Redis while it decides, else the
     * local view (which knows only what this guard counted itself). TTLs are -1 in the local view.
     */
    public List<StatusReply.ScopeStatus> scopeStatus(List<String> scopes) {
        if (redis != null && state.current() == Backend.REDIS) {
            try {
                return redis.status(null, scopes).scopes();
            } catch (RuntimeException e) {
                // fall through to the local view
            }
        }
        List<StatusReply.ScopeStatus> local = new ArrayList<>();
        for (StatusReply.ScopeStatus s : this.local.status(null, scopes).scopes()) {
            local.add(new StatusReply.ScopeStatus(s.scope(), s.hourCount(), s.dayCount(), -1, -1));
        }
        return local;
    }

    /** True when nothing made locally waits to be written to Redis. */
    public boolean reconciled() {
        return !reconciler.hasPending();
    }

    /** The backend that made the latest decision. */
    public Backend currentBackend() {
        return state.current();
    }

    /** This guard's share of the hourly cap were Redis to go away now (-1: no hourly cap). */
    public long hourBudget() {
        return budget.hourShare(clock.redisNow(), control.fleetCaps()[0]);
    }

    /** This guard's share of the daily cap were Redis to go away now (-1: no daily cap). */
    public long dayBudget() {
        return budget.dayShare(clock.redisNow(), control.fleetCaps()[1]);
    }

    /** Guards sharing the namespace as last heard from Redis (0: not heard yet); no Redis call. */
    public long liveGuards() {
        return fleet.liveGuards();
    }

    /** What Redis held back from its hourly decisions at this guard's latest heartbeat (-1: no hourly cap); no Redis call. */
    public long heldHour() {
        return control.fleetCaps()[0] == 0 ? -1 : redis == null ? 0 : fleet.heldHour(Buckets.hour(clock.redisNow()));
    }

    /** What Redis held back from its daily decisions at this guard's latest heartbeat (-1: no daily cap); no Redis call. */
    public long heldDay() {
        return control.fleetCaps()[1] == 0 ? -1 : redis == null ? 0 : fleet.heldDay(Buckets.day(clock.redisNow()));
    }

    /** Admissions made locally and not yet credited to Redis; no Redis call. */
    public long pendingCredits() {
        return reconciler.pendingAdmissions();
    }

    public ClockOffset clock() {
        return clock;
    }

    /** The circuit breaker's state (CLOSED, OPEN, HALF_OPEN, ...), or NONE without Redis. */
    public String breakerState() {
        return state.breakerState();
    }

    /** One heartbeat round on the calling thread, as the background thread runs it (tests drive the rounds by hand, with {@link #start} not called). */
    void beatNow() {
        beat();
    }

    /** Whether a return to Redis is under way (for tests). */
    boolean returning() {
        return state.returnUnderWay() != null;
    }

    /** Whether every local admission of the last outage is in Redis's books (for tests). */
    boolean booksComplete() {
        return state.booksComplete();
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
            try {
                // A round under way (its calls bounded by the decision timeout) ends before the leave: a redis beat
                // sent after the leave would keep this guard in the fleet's reckoning until its registration lapses.
                b.awaitTermination(4 * decisionTimeoutMillis + 1000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            heartbeat.leave();
        }
        KeyInvalidations k;
        synchronized (this) {
            k = invalidations;
        }
        if (k != null) {
            k.close();
        }
        then.run();
    }

    /** A cap block whose count is below the configured cap (blocked by the room kept for runners not yet seen). */
    /** Whether a failed call may still have run on the server: sent, but no answer came back. */
    private static boolean mayHaveRun(Throwable error) {
        Throwable e = RedisFailure.unwrap(error);
        if (e instanceof RedisUnavailableException u) {
            RedisFailure kind = u.failure();
            return (kind == RedisFailure.TIMEOUT || kind == RedisFailure.CONNECTION)
                    && !(u.getCause() instanceof NotConnectedException);
        }
        return false;
    }

    private Decision finish(Decision decision, long startNanos) {
        state.settle(decision);
        listener.onDecision(decision, System.nanoTime() - startNanos);
        return decision;
    }
}
