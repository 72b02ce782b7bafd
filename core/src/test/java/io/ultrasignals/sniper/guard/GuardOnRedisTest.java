package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.Release;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.SniperGuards;
import io.ultrasignals.sniper.config.Enforcement;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.WithinOneHour;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The guard against one real standalone Redis: exactness, shadow mode, SCRIPT FLUSH, release. */
@ExtendWith(RedisExtension.class)
class GuardOnRedisTest {

    @WithinOneHour
    @Test
    void severalGuardsOnSeparateConnectionsAdmitExactlyTheCap(RedisServer redis) throws Exception {
        int cap = 57;
        TestSettings settings = TestSettings.on(redis).caps(cap, 0);
        List<SniperGuard> guards = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            for (int g = 0; g < 3; g++) {
                guards.add(SniperGuards.start(settings.build()));
            }
            CountDownLatch go = new CountDownLatch(1);
            List<Future<int[]>> results = new ArrayList<>();
            for (int t = 0; t < 12; t++) {
                SniperGuard guard = guards.get(t % 3);
                results.add(pool.submit(() -> {
                    go.await();
                    int admitted = 0;
                    int notRedis = 0;
                    for (int i = 0; i < 30; i++) {
                        Decision d = guard.acquire(Signal.of(false));
                        admitted += d.allowed() ? 1 : 0;
                        // A cap block Redis answered before may come from the guard's memory of it: never an admission.
                        notRedis += d.backend() == Backend.REDIS || d.backend() == Backend.CACHE && !d.allowed() ? 0 : 1;
                    }
                    return new int[] {admitted, notRedis};
                }));
            }
            go.countDown();
            int admitted = 0;
            int notRedis = 0;
            for (Future<int[]> f : results) {
                int[] r = f.get(60, TimeUnit.SECONDS);
                admitted += r[0];
                notRedis += r[1];
            }
            assertThat(notRedis).as("decisions not made by Redis (or its blocks, from memory)").isZero();
            assertThat(admitted).isEqualTo(cap);
        } finally {
            pool.shutdownNow();
            guards.forEach(SniperGuard::close);
        }
    }

    @WithinOneHour
    @Test
    void shadowModeNeverBlocksButDecidesAndCountsAsEnforceWould(RedisServer redis) {
        TestSettings enforce = TestSettings.on(redis).caps(3, 5).mtf(true);
        TestSettings shadow = TestSettings.on(redis).caps(3, 5).mtf(true).enforcement(Enforcement.SHADOW);
        boolean[] mtfFlags = {true, false, true, true, true, false, true, true};
        try (SniperGuard e = SniperGuards.start(enforce.build()); SniperGuard s = SniperGuards.start(shadow.build())) {
            for (boolean mtf : mtfFlags) {
                Decision de = e.acquire(Signal.of(mtf));
                Decision ds = s.acquire(Signal.of(mtf));
                assertThat(ds.allowed()).isTrue();
                assertThat(ds.shadow()).isTrue();
                assertThat(ds.reason()).isEqualTo(de.reason());
                assertThat(ds.hourCount()).isEqualTo(de.hourCount());
                assertThat(ds.dayCount()).isEqualTo(de.dayCount());
                assertThat(de.allowed()).isEqualTo(de.reason() == Reason.OK);
            }
            assertThat(e.status().hourCount()).isEqualTo(3).isEqualTo(s.status().hourCount());
        }
    }

    @WithinOneHour
    @Test
    void scriptFlushDuringARunFailsNoDecision(RedisServer redis) throws Exception {
        AtomicLong reloads = new AtomicLong();
        GuardListener listener = new GuardListener() {
            @Override
            public void onScriptReload() {
                reloads.incrementAndGet();
            }
        };
        try (SniperGuard guard = SniperGuards.start(TestSettings.on(redis).caps(0, 0).build(), listener)) {
            AtomicInteger fallbacks = new AtomicInteger();
            AtomicInteger decisions = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                workers.add(pool.submit(() -> {
                    for (int i = 0; i < 400; i++) {
                        Decision d = guard.acquire(Signal.of(true));
                        decisions.incrementAndGet();
                        if (d.backend() != Backend.REDIS || !d.allowed()) {
                            fallbacks.incrementAndGet();
                        }
                    }
                }));
            }
            for (int i = 0; i < 10; i++) {
                Thread.sleep(20);
                redis.call("SCRIPT", "FLUSH");
            }
            for (Future<?> w : workers) {
                w.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertThat(fallbacks.get()).as("decisions not admitted by Redis").isZero();
            assertThat(reloads.get()).as("script reloads").isPositive();
            assertThat(guard.status().hourCount()).isEqualTo(decisions.get());
        }
    }

    @WithinOneHour
    @Test
    void releaseGivesTheSlotBackOnce(RedisServer redis) {
        try (SniperGuard guard = SniperGuards.start(TestSettings.on(redis).caps(1, 0).build())) {
            Decision first = guard.acquire(Signal.withId("o-1", false));
            assertThat(first.allowed()).as(first.toString()).isTrue();
            assertThat(first.backend()).as(first.toString()).isEqualTo(Backend.REDIS);
            assertThat(guard.acquire(Signal.withId("o-2", false)).reason()).isEqualTo(Reason.SNIPER_HOURLY_CAP);
            Release r = guard.release("o-1");
            assertThat(r.released()).isTrue();
            assertThat(r.backend()).isEqualTo(Backend.REDIS);
            assertThat(guard.release("o-1").released()).isFalse();
            assertThat(guard.acquire(Signal.withId("o-3", false)).allowed()).isTrue();
            Decision replay = guard.acquire(Signal.withId("o-2", false));
            assertThat(replay.replayed()).isTrue();
            assertThat(replay.allowed()).isFalse();
        }
    }

    @Test
    void aGuardStartsAndDecidesWhileRedisIsUnreachable() {
        int deadPort = 1; // nothing listens on port 1 as non-root services go; connection refused at once
        TestSettings settings = TestSettings.withoutRedis().caps(2, 0);
        try (SniperGuard guard = SniperGuards.start(io.ultrasignals.sniper.config.SniperSettings.builder()
                .redis(io.ultrasignals.sniper.config.RedisSettings.builder().enabled(true).host("127.0.0.1").port(deadPort)
                        .decisionTimeout(Duration.ofMillis(100)).build())
                .sniperMode(settings.build().sniperMode()).build())) {
            long start = System.nanoTime();
            List<Decision> decisions = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                decisions.add(guard.acquire(Signal.of(false)));
            }
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(decisions).allMatch(d -> d.backend() == Backend.LOCAL);
            // Never heard from Redis: no share recorded there, so nothing may be admitted locally (README,
            // "Books stay complete"): Redis could not hold such admissions back from the others' decisions.
            assertThat(decisions).filteredOn(Decision::allowed).isEmpty();
            assertThat(took).as("five decisions with Redis down, ms").isLessThan(5 * 100 + 1000);
        }
    }

    @Test
    void theConfiguredDatabaseHoldsTheCounters(RedisServer redis) {
        TestSettings s = TestSettings.redis(b -> b.host(redis.host()).port(redis.port()).db(5)).caps(3, 0);
        try (SniperGuard guard = SniperGuards.start(s.build())) {
            assertThat(guard.acquire(Signal.of(false)).backend()).isEqualTo(Backend.REDIS);
        }
        String hourKey = s.namespace() + ":hour:" + System.currentTimeMillis() / 3_600_000L;
        try (io.ultrasignals.sniper.testkit.RespConnection c = redis.connect()) {
            assertThat(c.call("GET", hourKey)).as("db 0").isNull();
            c.call("SELECT", "5");
            assertThat(c.call("GET", hourKey)).as("db 5").isEqualTo("1");
        }
    }

    @Test
    void withoutRedisOneProcessHasItsOwnCap() {
        try (SniperGuard guard = SniperGuards.start(TestSettings.withoutRedis().caps(2, 0).build())) {
            assertThat(guard.acquire(Signal.of(false)).allowed()).isTrue();
            assertThat(guard.acquire(Signal.of(false)).allowed()).isTrue();
            Decision third = guard.acquire(Signal.of(false));
            assertThat(third.allowed()).isFalse();
            assertThat(third.backend()).isEqualTo(Backend.LOCAL);
            assertThat(third.reason()).isEqualTo(Reason.SNIPER_HOURLY_CAP);
        }
    }
}
