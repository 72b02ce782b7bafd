package io.ultrasignals.sniper.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The busy-versus-silent rule of {@link CallDeadlines}, on an injected clock, one sweep at a time. */
@Tag("unit")
class CallDeadlinesTest {
    private static final Duration TIMEOUT = Duration.ofMillis(100);
    private static final long SWEEP_NANOS = TIMEOUT.toNanos() / 10;

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final AtomicBoolean loopRuns = new AtomicBoolean(true);
    private final CallDeadlines deadlines = new CallDeadlines(TIMEOUT, loopRuns::get, now::get);

    /** Advances the clock by {@code millis} in sweep periods, sweeping after each, with or without replies. */
    private void elapse(long millis, boolean replies) {
        for (long t = 0; t < millis * 1_000_000L; t += SWEEP_NANOS) {
            now.addAndGet(SWEEP_NANOS);
            if (replies) {
                deadlines.replied();
            }
            deadlines.sweep();
        }
    }

    /** {@code sweeps} sweep periods of silence on {@code d}, sweeping after each. */
    private void sweep(CallDeadlines d, int sweeps) {
        for (int i = 0; i < sweeps; i++) {
            now.addAndGet(SWEEP_NANOS);
            d.sweep();
        }
    }

    @Test
    void aSilentRedisFailsTheCallWithinTheTimeout() {
        CompletableFuture<Object> call = deadlines.watch(new CompletableFuture<>());
        elapse(90, false);
        assertThat(call).isNotDone();
        elapse(20, false);
        assertThat(call).isCompletedExceptionally();
        assertThat(RedisFailure.of(catchFailure(call))).isEqualTo(RedisFailure.TIMEOUT);
    }

    @Test
    void aBusyRedisKeepsTheCallWaitingUpToTheBusyLimit() {
        CompletableFuture<Object> call = deadlines.watch(new CompletableFuture<>());
        elapse(500, true);
        assertThat(call).as("replies keep coming: Redis is busy, not gone").isNotDone();
        elapse(510, true);
        assertThat(call).as("but no call waits past the busy limit").isCompletedExceptionally();
    }

    @Test
    void silenceThatFollowsBusyRepliesStillFailsWithinTheTimeout() {
        CompletableFuture<Object> call = deadlines.watch(new CompletableFuture<>());
        elapse(300, true);
        elapse(90, false);
        assertThat(call).isNotDone();
        elapse(20, false);
        assertThat(call).isCompletedExceptionally();
    }

    @Test
    void aStalledEventLoopIsNotTakenForASilentRedis() {
        CompletableFuture<Object> call = deadlines.watch(new CompletableFuture<>());
        loopRuns.set(false);
        elapse(300, false);
        assertThat(call).as("nothing could be read: no evidence Redis is silent").isNotDone();
        loopRuns.set(true);
        elapse(110, false);
        assertThat(call).isCompletedExceptionally();
    }

    @Test
    void aReplyReadInTheEventLoopsNextPassSavesTheCallFromFailingForSilence() {
        Deque<Runnable> onEventLoop = new ArrayDeque<>();
        CallDeadlines confirmed = new CallDeadlines(TIMEOUT, loopRuns::get, onEventLoop::add, now::get);
        CompletableFuture<Object> call = confirmed.watch(new CompletableFuture<>());
        sweep(confirmed, 11);
        assertThat(call).as("due, but it fails only after the loop's next read").isNotDone();
        assertThat(onEventLoop).hasSize(1);

        // Redis came back and ran the call within its deadline: the reply is read before the confirmation runs.
        confirmed.replied();
        call.complete("admitted");
        onEventLoop.poll().run();
        assertThat(call).isCompletedWithValue("admitted");
    }

    @Test
    void aSilenceConfirmedByTheEventLoopFailsTheDueCalls() {
        Deque<Runnable> onEventLoop = new ArrayDeque<>();
        CallDeadlines confirmed = new CallDeadlines(TIMEOUT, loopRuns::get, onEventLoop::add, now::get);
        CompletableFuture<Object> call = confirmed.watch(new CompletableFuture<>());
        sweep(confirmed, 11);
        onEventLoop.poll().run();
        assertThat(call).isCompletedExceptionally();
    }

    @Test
    void anEventLoopThatNeverRunsTheConfirmationStillEndsTheCallsByTheBusyLimit() {
        Deque<Runnable> neverRun = new ArrayDeque<>();
        CallDeadlines confirmed = new CallDeadlines(TIMEOUT, loopRuns::get, neverRun::add, now::get);
        CompletableFuture<Object> call = confirmed.watch(new CompletableFuture<>());
        sweep(confirmed, 10 * 10 + 12);
        assertThat(call).as("no runner waits on a stuck event loop").isCompletedExceptionally();
        assertThat(neverRun).as("one confirmation asked for, not one per sweep").hasSize(1);
    }

    @Test
    void anIdleLinkIsNotASilentRedis() {
        elapse(5_000, false);
        CompletableFuture<Object> call = deadlines.watch(new CompletableFuture<>());
        elapse(50, false);
        assertThat(call).as("silence counts only while a call waits").isNotDone();
        call.complete("reply");
        deadlines.replied();
        elapse(200, false);
        assertThat(call).isCompletedWithValue("reply");
    }

    private static Throwable catchFailure(CompletableFuture<Object> call) {
        try {
            call.join();
            throw new AssertionError("expected a failure");
        } catch (CompletionException e) {
            return e.getCause();
        }
    }
}
