package io.ultrasignals.sniper.redis;

import io.lettuce.core.RedisCommandTimeoutException;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Bounds the script calls of one link with one periodic sweep instead of a timer per call.
 *
 * <p>A call fails with a timeout once it has waited the decision timeout <em>and</em> the link has
 * had no reply for as long: Redis stopped, blackholed or stuck, and every call fails within the
 * timeout (plus one sweep period). While replies keep arriving Redis is busy, not gone: a call queued
 * behind others on the one multiplexed connection (replies come back in the order sent) keeps
 * waiting, up to the busy limit, rather than sending a merely loaded guard to the fallback.
 *
 * <p>Silence is counted by the sweeps, each adding at most two periods, and only while the connection's
 * event loop runs: a pause of this JVM (a GC) or an I/O thread starved of a core by a loaded machine
 * leaves replies unread, and must not be taken for a silent Redis.
 *
 * <p>A silent link's calls fail only after the connection's event loop has read the socket once more
 * ({@code afterNextRead}): a Redis that comes back (a resumed process) runs the calls still within their script
 * deadline, and their replies may already sit unread in the socket; failed, they would count on Redis
 * and again in the fallback (no signal id to settle them by).
 *
 * <p>Calls are queued in the order they start and taken off the head once done, so a sweep only
 * looks at the calls that could be due.
 */
final class CallDeadlines {
    /** A busy (answering) Redis may keep a call waiting this many decision timeouts, no more. */
    static final int BUSY_LIMIT_FACTOR = 10;
    /** Sweeps per decision timeout: a dead Redis fails a call at most timeout / SWEEPS late. */
    private static final int SWEEPS_PER_TIMEOUT = 10;

    private record Call(long startNanos, CompletableFuture<?> result) {}

    private final long timeoutNanos;
    private final long busyLimitNanos;
    private final Queue<Call> calls = new ConcurrentLinkedQueue<>();
    private final long periodNanos;
    private final BooleanSupplier eventLoopRan;
    private final Consumer<Runnable> afterNextRead;
    /** A failure for silence waits for the event loop's next read (sweeper and event loop, under this lock). */
    private boolean confirming;
    private long confirmingSince;
    private final LongSupplier nanoClock;
    /** When the link last delivered a reply (any reply, error replies included). */
    private volatile long lastReplyNanos;
    /** How long the sweeps have seen no reply (sweeper thread only). */
    private long silentNanos;
    private long lastSweepNanos;

    /**
     * @param nanoClock    System::nanoTime, or a test's clock
     * @param eventLoopRan whether the client's I/O thread ran since the previous sweep (it could have read
     *                     a reply): silence counts only then ({@link ConnectionPipeline#eventLoopRan()})
     */
    CallDeadlines(Duration timeout, BooleanSupplier eventLoopRan, LongSupplier nanoClock) {
        this(timeout, eventLoopRan, Runnable::run, nanoClock);
    }

    /**
     * @param afterNextRead runs a task once the client's I/O thread has next read the socket
     *                      ({@link ConnectionPipeline#afterNextRead})
     */
    CallDeadlines(Duration timeout, BooleanSupplier eventLoopRan, Consumer<Runnable> afterNextRead, LongSupplier nanoClock) {
        this.afterNextRead = afterNextRead;
        this.eventLoopRan = eventLoopRan;
        this.nanoClock = nanoClock;
        this.timeoutNanos = timeout.toNanos();
        this.busyLimitNanos = timeoutNanos * BUSY_LIMIT_FACTOR;
        this.periodNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(1), timeoutNanos / SWEEPS_PER_TIMEOUT);
        this.lastSweepNanos = nanoClock.getAsLong();
        this.lastReplyNanos = lastSweepNanos - 1;
    }

    /** Sweeps on {@code sweeper} every timeout / {@value #SWEEPS_PER_TIMEOUT} until it shuts down. */
    CallDeadlines startSweeping(ScheduledExecutorService sweeper) {
        sweeper.scheduleWithFixedDelay(this::sweep, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
        return this;
    }

    /** Starts the clock of one call; the sweep completes {@code result} with a timeout when it is due. */
    <T> CompletableFuture<T> watch(CompletableFuture<T> result) {
        return watch(result, nanoClock.getAsLong());
    }

    /** {@link #watch(CompletableFuture)} for a call whose clock started at {@code startNanos}. */
    <T> CompletableFuture<T> watch(CompletableFuture<T> result, long startNanos) {
        calls.add(new Call(startNanos, result));
        return result;
    }

    /** The link delivered a reply: Redis is alive. */
    void replied() {
        lastReplyNanos = nanoClock.getAsLong();
    }

    /** When the link last delivered a reply, on the clock given at construction. */
    long lastReplyNanos() {
        return lastReplyNanos;
    }

    /** Fails the calls that are due; the queue is in start order, so it stops at the first that is not. */
    synchronized void sweep() {
        try {
            failDue();
        } catch (RuntimeException | Error bug) {
            // A periodic task that throws is never run again: keep sweeping whatever a caller's stage did.
            Logger.getLogger(CallDeadlines.class.getName())
                    .log(Level.WARNING, "sniper: timing out Redis calls failed", bug);
        }
    }

    private void failDue() {
        long now = nanoClock.getAsLong();
        long sinceSweep = Math.min(now - lastSweepNanos, 2 * periodNanos);
        long previousSweep = lastSweepNanos;
        lastSweepNanos = now;
        Call oldest = oldestWaiting();
        if (oldest == null) {
            silentNanos = 0;
            return;
        }
        long lastReply = lastReplyNanos;
        if (lastReply - previousSweep > 0) {
            silentNanos = now - lastReply;
        } else if (eventLoopRan.getAsBoolean()) {
            silentNanos += sinceSweep;
        }
        // Silence counts only while a call waits: an idle link is not a silent Redis.
        silentNanos = Math.min(silentNanos, now - oldest.startNanos());
        if (silentNanos < timeoutNanos) {
            failOlderThan(busyLimitNanos, false, now);
        } else if (now - oldest.startNanos() >= timeoutNanos) {
            if (!confirming) {
                confirming = true;
                confirmingSince = now;
                long replyMark = lastReply;
                afterNextRead.accept(() -> confirmSilence(replyMark));
            } else if (now - confirmingSince >= busyLimitNanos) {
                // The event loop has not run for as long (stuck): it can read nothing, so nothing fails wrongly.
                confirming = false;
                failOlderThan(timeoutNanos, true, now);
            }
        }
    }

    /** On the event loop, after it read the socket: still no reply since the sweep, so the due calls fail. */
    private synchronized void confirmSilence(long replyMark) {
        confirming = false;
        try {
            if (lastReplyNanos == replyMark) {
                failOlderThan(timeoutNanos, true, nanoClock.getAsLong());
            }
        } catch (RuntimeException | Error bug) {
            Logger.getLogger(CallDeadlines.class.getName()).log(Level.WARNING, "sniper: timing out Redis calls failed", bug);
        }
    }

    private void failOlderThan(long dueAfter, boolean silent, long now) {
        for (Call c = calls.peek(); c != null; c = calls.peek()) {
            if (!c.result().isDone()) {
                if (now - c.startNanos() < dueAfter) {
                    return;
                }
                c.result().completeExceptionally(new RedisUnavailableException(RedisFailure.TIMEOUT,
                        new RedisCommandTimeoutException(silent
                                ? "no reply from Redis for " + Duration.ofNanos(timeoutNanos).toMillis() + " ms"
                                : "Redis busy: no reply after " + Duration.ofNanos(busyLimitNanos).toMillis() + " ms")));
            }
            calls.poll();
        }
    }

    /** The oldest call still waiting, after dropping the finished ones ahead of it. */
    private Call oldestWaiting() {
        for (Call c = calls.peek(); c != null; c = calls.peek()) {
            if (!c.result().isDone()) {
                return c;
            }
            calls.poll();
        }
        return null;
    }
}
