package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.redis.ClockOffset;
import io.ultrasignals.sniper.redis.RedisLink;
import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisFleet;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.WithinOneHour;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The return to Redis and a local decision in flight, interleaved by hand: the decision has passed the backend
 * check and the local-admission gate and is held (on the clock it reads) just before the local engine admits it,
 * while the heartbeat runs the return. The return must wait for it and credit it before its {@code redis} beat
 * (which releases this guard's share), and a decision arriving meanwhile waits and goes to Redis. Before, the
 * return credited, beat and ended first, and the admission was credited a round later: after Redis had stopped
 * holding this guard's share (seen as 91 published under cap 90 in a loaded fleet drill).
 */
@ExtendWith(RedisExtension.class)
class ReturnOrderingTest {
    /** The guard's clock: the system clock moved by hand, which holds one thread at a chosen read. */
    private static final class HandClock {
        final AtomicLong skew = new AtomicLong();
        final AtomicReference<Thread> held = new AtomicReference<>();
        final AtomicInteger readsBeforeHold = new AtomicInteger();
        final CountDownLatch holding = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        long millis() {
            if (Thread.currentThread() == held.get() && readsBeforeHold.getAndDecrement() == 0) {
                holding.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return System.currentTimeMillis() + skew.get();
        }
    }

    @WithinOneHour
    @Test
    void theReturnCreditsTheLocalDecisionInFlightBeforeItsRedisBeat(RedisFleet fleet) throws Exception {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest());
        TestSettings settings = TestSettings.on(redis).caps(10, 0).decisionTimeout(Duration.ofMillis(300))
                .heartbeat(Duration.ofMillis(100));
        HandClock hand = new HandClock();
        SniperRuntime runtime = SniperRuntime.onClock(settings.build(), GuardListener.NONE, new ClockOffset(hand::millis));
        DefaultSniperGuard guard = runtime.guard(); // closing it closes the link
        RedisLink link = runtime.link().orElseThrow();
        try (guard) {
            assertThat(link.start().awaitConnected(Duration.ofSeconds(5))).isTrue();
            guard.beatNow(); // registered: share 10 recorded (the heartbeat is driven by hand, never started)
            assertThat(guard.acquire(Signal.of(false)).backend()).isEqualTo(Backend.REDIS);
            assertThat(guard.acquire(Signal.of(false)).backend()).isEqualTo(Backend.REDIS);

            redis.pause();
            try {
                Decision failed = guard.acquire(Signal.of(false));
                assertThat(failed.allowed()).as("the gate: Redis may not hold this guard's share yet").isFalse();
                hand.skew.addAndGet(2_000); // past the gate's wait (ttl 500 + 2 x 100 + 300 ms)
                Thread.sleep(500); // the timed-out call's deadline passes while Redis is stopped: it counts nothing
            } finally {
                redis.resume();
            }

            // D: books open, so the fallback decides; the gate is open; held at its second clock read (the
            // episode's seed, in the local engine), after the gate and before the admission.
            CompletableFuture<Decision> inFlight = new CompletableFuture<>();
            Thread d = new Thread(() -> inFlight.complete(guard.acquire(Signal.of(false))), "decision-in-flight");
            hand.readsBeforeHold.set(1);
            hand.held.set(d);
            d.start();
            assertThat(hand.holding.await(10, TimeUnit.SECONDS)).as("the decision reached the local engine").isTrue();

            Thread b = new Thread(guard::beatNow, "return");
            b.start();
            FaultChecks.await(() -> guard.returning() || !b.isAlive(), 10_000, "the return begun");
            CompletableFuture<Decision> afterSwitch = guard.acquireAsync(Signal.of(false)).toCompletableFuture();
            b.join(500);
            assertThat(b.isAlive()).as("the return waits for the local decision in flight").isTrue();
            assertThat(afterSwitch).as("a decision arriving during the return waits for it").isNotDone();

            hand.release.countDown();
            b.join(10_000);
            d.join(10_000);
            Decision local = inFlight.get(10, TimeUnit.SECONDS);
            assertThat(local.allowed()).isTrue();
            assertThat(local.backend()).isEqualTo(Backend.LOCAL);
            Decision onRedis = afterSwitch.get(10, TimeUnit.SECONDS);
            assertThat(onRedis.backend()).as("decided after the switch: by Redis").isEqualTo(Backend.REDIS);
            assertThat(onRedis.allowed()).isTrue();

            assertThat(guard.pendingCredits()).as("credited by the return itself").isZero();
            assertThat(guard.reconciled()).isTrue();
            assertThat(guard.status().hourCount()).as("Redis books every admission: 2 + 1 local + 1").isEqualTo(4);
        }
    }
}
