package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.config.RedisSettings;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.SilentProxy;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/** What the fault tests check after a fault: Redis's books, guards caught up, conditions awaited. */
final class FaultChecks {
    private FaultChecks() {}

    /** {@code s} with Redis reached through {@code proxy} (which a test can silence), 150 ms decisions, 3 s connects. */
    static SniperSettings viaProxy(TestSettings s, SilentProxy proxy) {
        SniperSettings base = s.build();
        return SniperSettings.builder().sniperMode(base.sniperMode()).agent(base.agent())
                .redis(RedisSettings.builder().enabled(true).host(proxy.host()).port(proxy.port()).namespace(s.namespace())
                        .decisionTimeout(Duration.ofMillis(150)).connectTimeout(Duration.ofSeconds(3)).build())
                .build();
    }

    /** The namespace's count of the current hour, plus the previous one (a run may cross the boundary). */
    static long redisHourCount(RedisServer redis, String namespace) {
        long hour = System.currentTimeMillis() / 3_600_000L;
        long total = 0;
        for (long h = hour - 1; h <= hour; h++) {
            Object v = redis.call("GET", namespace + ":hour:" + h);
            total += v == null ? 0 : Long.parseLong((String) v);
        }
        return total;
    }

    /** Every guard back on Redis with nothing left to reconcile; nudges with MTF-blocked signals (count nothing). */
    static void awaitReconciled(List<SniperGuard> guards, long millis) throws InterruptedException {
        for (SniperGuard g : guards) {
            DefaultSniperGuard guard = (DefaultSniperGuard) g;
            await(() -> {
                guard.acquire(Signal.of(false));
                return guard.reconciled() && guard.currentBackend() == Backend.REDIS;
            }, millis, "guard " + guard.guardId() + " back on Redis with nothing left to reconcile");
        }
    }

    /**
     * Every guard knows the fleet of {@code size}, its breaker is closed and nothing waits to be credited: a drill's
     * "before the fault" phase is decided on Redis. Under load a guard's first calls can time out and open its
     * breaker (a new proxy's path, a cold JVM); it closes again at the next call after the open wait.
     */
    static void awaitFleetOnRedis(List<SniperGuard> guards, int size, long millis) throws InterruptedException {
        for (SniperGuard g : guards) {
            DefaultSniperGuard guard = (DefaultSniperGuard) g;
            await(() -> guard.liveGuards() == size && "CLOSED".equals(guard.breakerState()) && guard.reconciled(), millis,
                    "guard " + guard.guardId() + " on Redis, breaker closed, in a fleet of " + size);
        }
    }

    static void await(BooleanSupplier condition, long millis, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(50);
        }
    }
}
