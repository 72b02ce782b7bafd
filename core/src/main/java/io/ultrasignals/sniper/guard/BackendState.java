package io.ultrasignals.sniper.guard;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.redis.RedisFailure;
import io.ultrasignals.sniper.script.ScriptException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Logger;

/**
 * Who decides now, in one place. Two things gate Redis: the circuit breaker (closed, or half-open with a probe
 * permitted) and the books (everything admitted locally in the last outage credited to Redis). While either
 * says no, the fallback decides. The backend reported to status, health and the listener is the one that made
 * the latest settled decision; it changes only in {@link #settle}, which says so once per change (a log line and
 * {@link GuardListener#onBackendChange}).
 *
 * <p>Transitions:
 * <ul>
 *   <li>a Redis call fails ({@link #redisFailed}): the breaker counts an error and the books are open
 *       (an outage began: the listener hears it, {@code onOutage} runs);</li>
 *   <li>Redis answers ({@link #redisAnswered}), also with one of the scripts' error replies: the breaker counts
 *       a success (wrong data is not an outage);</li>
 *   <li>the heartbeat begins the return to Redis ({@link #returnBegins}): no decision enters the fallback any more
 *       ({@link #enterFallback} hands it the return to wait for instead), and the return waits for the fallback
 *       decisions already under way ({@link #awaitFallbackDecisions}) before its credit; then one credit and one
 *       heartbeat round trip, so that nothing is admitted locally after the last credit and no Redis decision is
 *       held back for this guard's own share (Redis holds it until the guard's {@code redis} beat);</li>
 *   <li>the return ends ({@link #returnEnded}, always, by the heartbeat): with the books complete
 *       ({@link #booksCompleted}, unless a Redis call failed during the return: that outage's books stay open), or
 *       not, when a call of it failed; the waiting decisions then go by the state.</li>
 *   <li>a decision settles ({@link #settle}): a Redis decision only once the breaker has closed (while half-open,
 *       probe and fallback decisions interleave, and that must not report a change per decision); moving back to
 *       Redis runs {@code onBackOnRedis}.</li>
 * </ul>
 */
final class BackendState {
    private static final Logger LOG = Logger.getLogger(BackendState.class.getName());

    /** Why the fallback decides while the books of an outage are still open. */
    static final String RECONCILING = "reconciling";
    /** Why the fallback decides while the breaker lets no call through. */
    static final String CIRCUIT_OPEN = "circuit open";

    /** Null when Redis is not configured: then the local engine always decides. */
    private final CircuitBreaker breaker;
    private final GuardListener listener;
    private final Runnable onOutage;
    private final Runnable onBackOnRedis;
    private final AtomicReference<Backend> reported = new AtomicReference<>();
    /** False from the start of an outage until a flush has put everything of it into Redis's books. */
    private volatile boolean booksComplete = true;
    /** What this guard does while it has not reached Redis since it started (for the log line that says so). */
    private final String startNote;
    /** Whether a decision has settled yet: the first one that is not Redis's says Redis was unreachable at start. */
    private volatile boolean settledYet;
    /** Set while a return to Redis is under way; completed (and cleared) when it ends either way. */
    private volatile CompletableFuture<Void> returning;
    /** Fallback decisions under way ({@link #enterFallback} to {@link #fallbackDecided}). */
    private final AtomicInteger fallbackDecisions = new AtomicInteger();
    /** Redis calls failed as in an outage, ever: a return completes the books only if none failed since it began. */
    private final AtomicLong outages = new AtomicLong();
    /** {@link #outages} when the return under way began. */
    private volatile long outagesAtReturn;

    /**
     * @param breaker       the breaker around Redis calls, or null without Redis
     * @param onOutage      runs when a Redis call failed as an outage would (the decision thread, before it falls back)
     * @param onBackOnRedis runs when decisions are reported back on Redis
     */
    BackendState(CircuitBreaker breaker, GuardListener listener, Runnable onOutage, Runnable onBackOnRedis) {
        this(breaker, listener, onOutage, onBackOnRedis, "");
    }

    /** @param startNote what the guard does while it has not reached Redis since it started (for the log) */
    BackendState(CircuitBreaker breaker, GuardListener listener, Runnable onOutage, Runnable onBackOnRedis, String startNote) {
        this.startNote = startNote;
        this.breaker = breaker;
        this.listener = listener;
        this.onOutage = onOutage;
        this.onBackOnRedis = onBackOnRedis;
        reported.set(breaker == null ? Backend.LOCAL : Backend.REDIS);
    }

    /**
     * Whether this call may go to Redis now: null if so (a half-open breaker's permission is taken), else why not
     * ({@link #RECONCILING}, {@link #CIRCUIT_OPEN}).
     */
    String whyNotRedis() {
        if (!booksComplete) {
            return RECONCILING;
        }
        return breaker.tryAcquirePermission() ? null : CIRCUIT_OPEN;
    }

    /** Whether a background call (heartbeat, probe) may go to Redis now; the books need not be complete. */
    boolean breakerPermits() {
        return breaker.tryAcquirePermission();
    }

    /** Whether every local admission of the last outage is in Redis's books. */
    boolean booksComplete() {
        return booksComplete;
    }

    /** Redis answered a call that took {@code nanos}. */
    void redisAnswered(long nanos) {
        breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * A Redis call failed after {@code nanos}: the listener hears its kind; an error reply of the scripts
     * (Redis answered) counts as an answer, anything else as an outage.
     */
    FallbackCause redisFailed(Throwable error, long nanos) {
        Throwable e = RedisFailure.unwrap(error);
        RedisFailure kind = RedisFailure.of(e);
        listener.onRedisFailure(kind);
        if (kind == RedisFailure.DATA || e instanceof ScriptException) {
            // Redis answered: wrong data is not an outage, so it must not open the breaker.
            breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
            return FallbackCause.scriptError(e.getMessage());
        }
        breaker.onError(nanos, TimeUnit.NANOSECONDS, e);
        outages.incrementAndGet();
        booksComplete = false;
        onOutage.run();
        return FallbackCause.outage(kind, e);
    }

    /**
     * The heartbeat is about to credit the last local admissions and tell Redis this guard decides on Redis: from
     * now on decisions wait for that ({@link #returnUnderWay}, {@link #enterFallback}) instead of going local.
     */
    void returnBegins() {
        outagesAtReturn = outages.get();
        returning = new CompletableFuture<>();
    }

    /**
     * A decision is about to be made by the fallback: null if it may (it then calls {@link #fallbackDecided} when
     * made), else the return under way, after which it is decided afresh (on Redis, as a rule). Together with
     * {@link #awaitFallbackDecisions} this is the one place that orders local decisions before a return's credit:
     * a decision either counts here before the return looks, or sees the return.
     */
    CompletableFuture<Void> enterFallback() {
        fallbackDecisions.incrementAndGet();
        CompletableFuture<Void> r = returning;
        if (r != null) {
            fallbackDecisions.decrementAndGet();
            return r;
        }
        return null;
    }

    /** The fallback decision entered with {@link #enterFallback} is made (its admission, if any, is in the ledger). */
    void fallbackDecided() {
        fallbackDecisions.decrementAndGet();
    }

    /**
     * After {@link #returnBegins}: waits until every fallback decision that entered before it is made, so that the
     * return's credit holds all of them. They run no Redis call and no listener: a wait of microseconds.
     */
    void awaitFallbackDecisions() {
        while (fallbackDecisions.get() > 0) {
            LockSupport.parkNanos(20_000);
        }
    }

    /** Completes when the return under way ends (then Redis or the fallback decides), or null if none is. */
    CompletableFuture<Void> returnUnderWay() {
        return returning;
    }

    /**
     * Every local admission of the outage is in Redis's books and Redis knows it: Redis may decide again — unless a
     * Redis call failed as in an outage since the return began (a new outage: its books stay open). Returns whether
     * the books are complete.
     */
    boolean booksCompleted() {
        if (outages.get() != outagesAtReturn) {
            return false;
        }
        booksComplete = true;
        return true;
    }

    /** The return under way, if any, has ended: the decisions waiting for it go on (on the calling thread). */
    void returnEnded() {
        CompletableFuture<Void> ended = returning;
        returning = null;
        if (ended != null) {
            ended.complete(null);
        }
    }

    /** Reports the backend of this decision, if settled (see the class comment); says so when it changed. */
    void settle(Decision decision) {
        Backend now = decision.backend();
        // A block from memory says nothing about who decides: Redis may be up or away.
        boolean settled = now != Backend.OFF && now != Backend.CACHE
                && (now != Backend.REDIS || breaker == null || breaker.getState() == CircuitBreaker.State.CLOSED);
        if (!settled) {
            return;
        }
        boolean first = !settledYet;
        settledYet = true;
        Backend previous = reported.getAndSet(now);
        if (previous != now) {
            if (now == Backend.REDIS) {
                onBackOnRedis.run();
            }
            String cause = decision.detail() == null ? "" : "; cause: " + decision.detail();
            LOG.info(first && breaker != null
                    ? "sniper: Redis unreachable at start; deciding with " + now.label() + " (" + startNote + cause + ")"
                    : "sniper: decisions now made by " + now.label() + " (were " + previous.label() + cause + ")");
            listener.onBackendChange(previous, now, decision.detail());
        }
    }

    /** The backend that made the latest settled decision. */
    Backend current() {
        return reported.get();
    }

    /** The breaker's state (CLOSED, OPEN, HALF_OPEN, ...), or NONE without Redis. */
    String breakerState() {
        return breaker == null ? "NONE" : breaker.getState().name();
    }
}
