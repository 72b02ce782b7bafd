package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.SniperGuards;
import io.ultrasignals.sniper.guard.IsolatedListenerTest.ThrowingListener;
import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisFleet;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.WithinOneHour;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A guard built with a listener that throws from every method decides exactly as one without a listener: on local
 * counters, and on a real Redis through a script flush, an outage, its reconciliation and a restart that lost the
 * counts, where each of the six listener methods is called and throws.
 */
@ExtendWith(RedisExtension.class)
class ThrowingListenerGuardTest {
    @Test
    void withoutRedisDecisionsAreTheCapsOwn() {
        ThrowingListener listener = new ThrowingListener(() -> new IllegalStateException("listener bug"));
        try (SniperGuard guard = SniperGuards.start(TestSettings.withoutRedis().caps(3, 0).build(), listener)) {
            List<Decision> decisions = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                decisions.add(guard.acquire(Signal.withId("o-" + i, false)));
            }

            assertThat(decisions).extracting(Decision::reason).containsExactly(Reason.OK, Reason.OK, Reason.OK,
                    Reason.SNIPER_HOURLY_CAP, Reason.SNIPER_HOURLY_CAP);
            assertThat(decisions).extracting(Decision::backend).containsOnly(Backend.LOCAL);
            assertThat(listener.calls("onDecision")).isEqualTo(5);
            assertThat(guard.status().hourCount()).isEqualTo(3);
        }
    }

    @WithinOneHour
    @Test
    void withRedisEveryListenerMethodThrowsAndNoDecisionChanges(RedisFleet fleet) throws Exception {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest());
        // The default, generous decision timeout: on a loaded machine a short one sends a decision to the fallback anyway.
        TestSettings settings = TestSettings.on(redis).caps(100_000, 0).heartbeat(Duration.ofMillis(100));
        ThrowingListener listener = new ThrowingListener(() -> new IllegalStateException("listener bug"));
        Decisions decisions = new Decisions();
        try (SniperGuard guard = SniperGuards.start(settings.build(), listener)) {
            for (int i = 0; i < 5; i++) {
                assertThat(decisions.take(guard).backend()).as("Redis is up").isEqualTo(Backend.REDIS);
            }
            assertThat(listener.calls("onDecision")).isEqualTo(5);

            redis.call("SCRIPT", "FLUSH");
            assertThat(decisions.take(guard).backend()).as("after SCRIPT FLUSH").isEqualTo(Backend.REDIS);
            assertThat(listener.calls("onScriptReload")).isPositive();

            redis.pause();
            try {
                // The first local decisions block until Redis must hold this guard's share (LocalAdmissionGate).
                await(() -> {
                    Decision d = decisions.take(guard);
                    return d.backend() == Backend.LOCAL && d.allowed();
                }, "admissions on local counters");
            } finally {
                redis.resume();
            }
            assertThat(listener.calls("onRedisFailure")).isPositive();
            await(() -> decisions.take(guard).backend() == Backend.REDIS && listener.calls("onReconciled") > 0
                    && ((DefaultSniperGuard) guard).reconciled(), "back on Redis, every local admission credited");
            assertThat(listener.calls("onBackendChange")).as("to local and back").isGreaterThanOrEqualTo(2);
            assertThat(guard.status().hourCount()).as("Redis books every admission").isEqualTo(decisions.admitted.get());

            redis.kill();
            redis.restart();
            await(() -> decisions.take(guard).backend() == Backend.REDIS && listener.calls("onRedisRollback") > 0,
                    "lost counts restored after a restart, decisions on Redis");
        }
        assertThat(decisions.notAdmitted.get()).as("decisions not admitted (cap is far away; the gate's waits aside)").isZero();
        assertThat(listener.calls().keySet()).containsExactlyInAnyOrder("onDecision", "onRedisFailure",
                "onScriptReload", "onReconciled", "onRedisLoss", "onRedisRollback", "onBackendChange");
    }

    /** Takes decisions, each for a new signal id, and counts them. */
    private static final class Decisions {
        final AtomicInteger admitted = new AtomicInteger();
        final AtomicInteger notAdmitted = new AtomicInteger();
        private int next;

        Decision take(SniperGuard guard) {
            Decision d = guard.acquire(Signal.withId("s-" + next++, false));
            if (d.allowed() && d.reason() == Reason.OK) {
                admitted.incrementAndGet();
            } else if (!waitsForTheGate(d)) {
                notAdmitted.incrementAndGet();
            }
            return d;
        }

        /** Blocked by the local-admission gate at an outage's start (README, "When Redis is away"): the rule, not a listener's doing. */
        private static boolean waitsForTheGate(Decision d) {
            return d.backend() == Backend.LOCAL && d.reason() == Reason.SNIPER_FALLBACK_DENY && d.detail() != null
                    && d.detail().startsWith("local admissions wait");
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(50);
        }
    }
}
