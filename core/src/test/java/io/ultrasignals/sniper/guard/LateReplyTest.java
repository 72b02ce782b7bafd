package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.SniperGuards;
import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisFleet;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.SilentProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Signals without ids whose calls ran on Redis while the replies were held back (Redis ran them and was stopped
 * before writing, a stalled path): the guard gave up on them at its timeout and the fallback decided them. The
 * replies come late; what they counted is taken off the outage's credit, or taken back from Redis, so Redis's
 * books end equal to the admissions the runner was told of.
 */
@ExtendWith(RedisExtension.class)
class LateReplyTest {
    private static final int HELD = 4;

    @Test
    void callsThatCountedAfterTheGuardGaveUpAreInTheBooksOnlyAsAdmitted(RedisFleet fleet) throws Exception {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest());
        for (int rep = 0; rep < 3; rep++) {
            try (SilentProxy proxy = SilentProxy.to(redis.host(), redis.port())) {
                // MTF required: the nudges below are unconfirmed signals, which count nothing.
                TestSettings s = TestSettings.on(redis).caps(0, 0).mtf(true).decisionTimeout(Duration.ofMillis(150))
                        .heartbeat(Duration.ofMillis(100));
                SniperGuard guard = SniperGuards.start(FaultChecks.viaProxy(s, proxy));
                try {
                    FaultChecks.await(() -> guard.acquire(Signal.of(false)).backend() == Backend.REDIS, 10_000, "on Redis");
                    long admitted = 0;
                    for (int i = 0; i < 3; i++) {
                        admitted += guard.acquire(Signal.of(true)).admitted() ? 1 : 0;
                    }
                    proxy.holdReplies(); // the calls reach Redis and count; their replies wait
                    List<CompletableFuture<Decision>> held = new ArrayList<>();
                    for (int i = 0; i < HELD; i++) {
                        held.add(guard.acquireAsync(Signal.of(true)).toCompletableFuture());
                    }
                    for (CompletableFuture<Decision> d : held) {
                        Decision decision = d.get(5, TimeUnit.SECONDS);
                        assertThat(decision.backend()).as("given up on at the timeout").isNotEqualTo(Backend.REDIS);
                        admitted += decision.admitted() ? 1 : 0;
                    }
                    // Held for less than the silence after which the connection is replaced: the replies arrive.
                    proxy.releaseReplies();
                    FaultChecks.await(() -> guard.acquire(Signal.of(false)).backend() == Backend.REDIS
                            && ((DefaultSniperGuard) guard).reconciled(), 10_000, "back on Redis, books complete");
                    for (int i = 0; i < 2; i++) {
                        admitted += guard.acquire(Signal.of(true)).admitted() ? 1 : 0;
                    }
                    assertThat(FaultChecks.redisHourCount(redis, s.namespace()))
                            .as("Redis's books vs the admissions made (rep %d)", rep).isEqualTo(admitted);
                } finally {
                    guard.close();
                }
            }
        }
    }
}
