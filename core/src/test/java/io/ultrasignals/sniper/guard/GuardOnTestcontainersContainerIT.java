package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.SniperGuards;
import io.ultrasignals.sniper.testkit.DockerEngine;
import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisContainer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A guard against a Testcontainers-managed Redis ({@link RedisContainer}: GenericContainer on the host network,
 * ready on its log line), through {@code docker pause} past the decision timeout and {@code docker kill} with a
 * restart of the same container (AOF on): no exception reaches a caller, decisions go on, and afterwards Redis's
 * count equals the admissions made.
 */
class GuardOnTestcontainersContainerIT {
    private static final Duration TIMEOUT = Duration.ofMillis(150);

    @BeforeAll
    static void needsDocker() {
        DockerEngine.requireOrSkip();
    }

    @Test
    void pauseAndKillThroughTheEngineKeepTheBooks() throws Exception {
        try (RedisContainer redis = RedisContainer.start(RedisBinaries.newest(), "--appendonly", "yes",
                "--appendfsync", "always")) {
            TestSettings s = TestSettings.redis(b -> b.host(redis.host()).port(redis.port()))
                    .caps(0, 0).mtf(true).decisionTimeout(TIMEOUT).heartbeat(Duration.ofMillis(100));
            SniperGuard guard = SniperGuards.start(s.build());
            FaultRun run = new FaultRun(List.of(guard), 2, true, 2);
            try {
                Thread.sleep(400);
                redis.pause();
                Thread.sleep(1000);
                redis.resume();
                Thread.sleep(500);
                redis.kill();
                Thread.sleep(800);
                redis.restart();
                Thread.sleep(1500);
                run.stop();
                DefaultSniperGuard g = (DefaultSniperGuard) guard;
                long deadline = System.currentTimeMillis() + 15_000;
                while (!(g.reconciled() && g.currentBackend() == Backend.REDIS) && System.currentTimeMillis() < deadline) {
                    g.acquire(Signal.of(false)); // MTF-blocked: counts nothing, nudges the decision path
                    Thread.sleep(50);
                }
                assertThat(g.reconciled() && g.currentBackend() == Backend.REDIS).as("back on Redis, all credited").isTrue();
                assertThat(run.exceptions()).as("exceptions that reached callers").isEmpty();
                assertThat(run.admittedBy(Backend.LOCAL)).as("admissions decided locally while Redis was away").isPositive();
                assertThat(run.admittedBy(Backend.REDIS)).isPositive();
                long hour = System.currentTimeMillis() / 3_600_000L;
                long total = 0;
                for (long h = hour - 1; h <= hour; h++) { // a run across an hour boundary splits its books
                    Object v = redis.call("GET", s.namespace() + ":hour:" + h);
                    total += v == null ? 0 : Long.parseLong((String) v);
                }
                assertThat(total).as("Redis's count vs the admissions made").isEqualTo(run.admitted());
            } finally {
                run.stop();
                guard.close();
            }
        }
    }
}
