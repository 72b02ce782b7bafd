package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.config.FallbackPolicy;
import io.ultrasignals.sniper.config.Secret;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.testkit.RedisAcl;
import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisFleet;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.WithinOneHour;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Faults done to real Redis processes in the middle of multi-threaded runs. For each: no exception
 * reaches a caller, no decision waits much longer than the decision timeout, the cap holds within the
 * stated bound, and afterwards the books in Redis hold every admission that was made.
 */
@ExtendWith(RedisExtension.class)
class FaultInjectionTest {
    private static final Duration TIMEOUT = Duration.ofMillis(150);
    /** Generous: a shared 2-core machine; what matters is that nothing waits for seconds. */
    private static final long LATENCY_BOUND_MS = TIMEOUT.toMillis() + 850;

    static TestSettings settings(RedisServer redis) {
        // MTF required: the runs send confirmed signals; awaitReconciled nudges with unconfirmed ones that count nothing.
        return TestSettings.on(redis).caps(0, 0).mtf(true).decisionTimeout(TIMEOUT).heartbeat(Duration.ofMillis(100));
    }

    private static List<SniperGuard> guards(SniperSettings settings, int n) {
        return guards(settings, n, GuardListener.NONE);
    }

    private static List<SniperGuard> guards(SniperSettings settings, int n, GuardListener listener) {
        List<SniperGuard> guards = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            guards.add(io.ultrasignals.sniper.SniperGuards.start(settings, listener));
        }
        return guards;
    }

    @Test
    void pausedRedisLongerThanTheTimeout(RedisFleet fleet) throws Exception {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest());
        TestSettings s = settings(redis);
        java.util.concurrent.atomic.AtomicInteger changes = new java.util.concurrent.atomic.AtomicInteger();
        GuardListener listener = new GuardListener() {
            @Override
            public void onBackendChange(Backend from, Backend to, String cause) {
                changes.incrementAndGet();
            }
        };
        FaultRun run = runThrough(s.build(), listener, true, () -> {
            redis.pause();
            sleep(1200);
            redis.resume();
        });
        assertThat(run.decisionsByBackend()).containsKeys(Backend.REDIS, Backend.LOCAL);
        // One change to the fallback and one back per guard (a few more if a probe fails): not one per decision.
        assertThat(changes.get()).as("backend changes reported (logged)").isBetween(4, 8);
        assertThat(FaultChecks.redisHourCount(redis, s.namespace())).as("Redis books vs admissions " + run.decisionsByBackend())
                .isEqualTo(run.admitted());
    }

    @Test
    void pausedRedisWithoutSignalIdsIsProtectedByTheDeadline(RedisFleet fleet) throws Exception {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest());
        TestSettings s = settings(redis);
        FaultRun run = runThrough(s.build(), GuardListener.NONE, false, () -> {
            redis.pause();
            sleep(1200);
            redis.resume();
        });
        assertThat(FaultChecks.redisHourCount(redis, s.namespace())).isEqualTo(run.admitted());
    }

    @Test
    void killedRedisRestartedEmpty(RedisFleet fleet) throws Exception {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest());
        TestSettings s = settings(redis);
        java.util.concurrent.atomic.AtomicLong restored = new java.util.concurrent.atomic.AtomicLong();
        GuardListener listener = new GuardListener() {
            @Override
            public void onRedisRollback(long hourRestored, long dayRestored) {
                restored.addAndGet(hourRestored);
            }
        };
        long[] restartedAt = new long[1];
        long[] killedAt = new long[2];
        FaultRun run = runThrough(s.build(), listener, true, () -> {
            killedAt[0] = System.nanoTime();
            redis.kill();
            killedAt[1] = System.nanoTime(); // a container's kill goes through the engine and takes a while
            sleep(800);
            redis.restart();
            restartedAt[0] = System.nanoTime();
        });
        // The restarted server lost what it held. Every local admission and every one after the restart is
        // there, plus the highest count a guard had seen (the heartbeats restore it once, raised to the highest).
        long mustHave = run.admittedBy(Backend.LOCAL) + run.admittedByAfter(Backend.REDIS, restartedAt[0]);
        assertThat(restored.get()).as("counts restored after the loss").isPositive();
        // The latest count a guard saw, from any reply, less its own signals of unknown outcome (settled by id):
        // within one in-flight decision per thread (4) of what Redis had counted when it died, and never twice.
        // Another guard's signal of unknown outcome that a reply's count included is restored and settled too:
        // the books may exceed the admissions by the calls in flight at the kill (4), never fall short.
        // Redis died somewhere between the kill's start and its return: what it had counted lies between the two.
        long countedBeforeKill = run.admittedBy(Backend.REDIS) - run.admittedByAfter(Backend.REDIS, killedAt[0]);
        long countedByKillsEnd = run.admittedBy(Backend.REDIS) - run.admittedByAfter(Backend.REDIS, killedAt[1]);
        assertThat(restored.get()).as("restored vs %d..%d counted while the kill ran", countedBeforeKill, countedByKillsEnd)
                .isBetween(countedBeforeKill - 4, countedByKillsEnd + 4);
        assertThat(FaultChecks.redisHourCount(redis, s.namespace())).isEqualTo(mustHave + restored.get())
                .isLessThanOrEqualTo(run.admitted() + 4);
    }

    @Test
    void underSteadyLoadDecisionsReturnToRedisSoonAfterItIsBack(RedisFleet fleet) throws Exception {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest());
        TestSettings s = settings(redis).heartbeat(Duration.ofSeconds(1)); // the default interval
        List<SniperGuard> guards = guards(s.build(), 2);
        FaultRun run = new FaultRun(guards, 3, true, 0); // back to back: local admissions never pause
        try {
            sleep(300);
            redis.pause();
            sleep(1000);
            redis.resume();
            long resumedAt = System.nanoTime();
            long deadline = System.currentTimeMillis() + 5_000;
            while (run.admittedByAfter(Backend.REDIS, resumedAt) == 0 && System.currentTimeMillis() < deadline) {
                sleep(50);
            }
            assertThat(run.admittedByAfter(Backend.REDIS, resumedAt)).as("Redis decisions within 5 s of resuming, under load")
                    .isPositive();
            sleep(500);
        } finally {
            run.stop();
        }
        FaultChecks.awaitReconciled(guards, 15_000);
        assertNoStallNoException(run);
        assertThat(FaultChecks.redisHourCount(redis, s.namespace())).isEqualTo(run.admitted());
        close(guards);
    }

    @Test
    void killedRedisWithAppendOnlyLosesNothing(RedisFleet fleet) throws Exception {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest(), "--appendonly", "yes", "--appendfsync", "always");
        TestSettings s = settings(redis);
        FaultRun run = runThrough(s.build(), GuardListener.NONE, true, () -> {
            redis.kill();
            sleep(800);
            redis.restart();
        });
        assertThat(FaultChecks.redisHourCount(redis, s.namespace())).isEqualTo(run.admitted());
    }

    @Test
    void clientKillOfTheAgentsConnections(RedisFleet fleet) throws Exception {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest());
        TestSettings s = settings(redis);
        FaultRun run = runThrough(s.build(), GuardListener.NONE, true, () -> {
            for (int i = 0; i < 5; i++) {
                redis.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
                sleep(300);
            }
        });
        assertThat(FaultChecks.redisHourCount(redis, s.namespace())).isEqualTo(run.admitted());
    }

    @Test
    void aclChangeRevokingEvalsha(RedisFleet fleet) throws Exception {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest());
        TestSettings s = settings(redis);
        RedisAcl.createAgentUser(redis, "sniper", "s3cret", s.namespace());
        SniperSettings base = s.build();
        SniperSettings asUser = SniperSettings.builder().sniperMode(base.sniperMode()).agent(base.agent())
                .redis(io.ultrasignals.sniper.config.RedisSettings.builder().enabled(true).host(redis.host())
                        .port(redis.port()).username("sniper").password(Secret.of("s3cret")).namespace(s.namespace())
                        .decisionTimeout(TIMEOUT).connectTimeout(Duration.ofSeconds(3)).build())
                .build();
        FaultRun run = runThrough(asUser, GuardListener.NONE, true, () -> {
            redis.call("ACL", "SETUSER", "sniper", "-evalsha", "-eval");
            sleep(1000);
            redis.call("ACL", "SETUSER", "sniper", "+evalsha", "+eval");
        });
        assertThat(run.decisionsByBackend()).containsKeys(Backend.REDIS, Backend.LOCAL);
        assertThat(FaultChecks.redisHourCount(redis, s.namespace())).isEqualTo(run.admitted());
    }

    @WithinOneHour
    @Test
    void severalGuardsShareOneCapThroughAnOutage(RedisFleet fleet) throws Exception {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest());
        int cap = 60;
        TestSettings s = settings(redis).caps(cap, 0);
        List<SniperGuard> guards = guards(s.build(), 3);
        sleep(400); // heartbeats: every guard learns there are three
        // Use part of the cap through Redis first.
        int before = 0;
        for (int i = 0; i < 21; i++) {
            before += guards.get(i % 3).acquire(Signal.of(true)).allowed() ? 1 : 0;
        }
        assertThat(before).isEqualTo(21);
        redis.pause();
        FaultRun run = new FaultRun(guards, 2, true, 1);
        sleep(1500);
        run.stop();
        redis.resume();
        long duringOutage = run.admittedBy(Backend.LOCAL);
        // Each of the 3 guards may admit floor((60 - 21) / 3) = 13 locally: 39, never more than what was left.
        assertThat(duringOutage).isLessThanOrEqualTo(cap - 21).isEqualTo(39);
        FaultChecks.awaitReconciled(guards, 15_000);
        assertThat(FaultChecks.redisHourCount(redis, s.namespace())).isEqualTo(21 + run.admitted());
        assertThat(21 + run.admitted()).isLessThanOrEqualTo(cap);
        close(guards);
    }

    @Test
    void allowAndDenyPoliciesBehaveAsNamed(RedisFleet fleet) throws Exception {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest());
        try (SniperGuard allow = io.ultrasignals.sniper.SniperGuards.start(settings(redis).caps(1, 1).policy(FallbackPolicy.ALLOW).build());
                SniperGuard deny = io.ultrasignals.sniper.SniperGuards.start(settings(redis).caps(100, 100).policy(FallbackPolicy.DENY).build())) {
            redis.kill();
            for (int i = 0; i < 5; i++) {
                Decision a = allow.acquire(Signal.of(true));
                assertThat(a.allowed()).isTrue();
                assertThat(a.backend()).isEqualTo(Backend.ALLOW);
                Decision d = deny.acquire(Signal.of(true));
                assertThat(d.allowed()).isFalse();
                assertThat(d.backend()).isEqualTo(Backend.DENY);
                assertThat(d.reason()).isEqualTo(Reason.SNIPER_FALLBACK_DENY);
            }
        }
    }

    @WithinOneHour
    @Test
    void wrongDataInRedisIsNotAnOutage(RedisServer redis) throws Exception {
        TestSettings s = TestSettings.on(redis).caps(0, 0).policy(FallbackPolicy.DENY);
        try (io.ultrasignals.sniper.guard.SniperRuntime runtime = SniperRuntime.create(s.build(), GuardListener.NONE).start()) {
            SniperGuard guard = runtime.guard();
            long hour = System.currentTimeMillis() / 3_600_000L;
            redis.call("HSET", s.namespace() + ":hour:" + hour, "f", "v");
            for (int i = 0; i < 20; i++) {
                Decision d = guard.acquire(Signal.of(true));
                assertThat(d.allowed()).isFalse();
                assertThat(d.reason()).isEqualTo(Reason.SNIPER_REDIS_DATA);
                assertThat(d.detail()).contains("ERR sniper: key " + s.namespace() + ":hour:" + hour);
            }
            assertThat(runtime.guard().breakerState()).isEqualTo("CLOSED");
        }
    }

    // ---- helpers

    /** Two guards x two threads deciding while {@code fault} runs; returns the finished, reconciled run. */
    static FaultRun runThrough(SniperSettings settings, GuardListener listener, boolean withIds, FaultAction fault)
            throws Exception {
        List<SniperGuard> guards = guards(settings, 2, listener);
        FaultRun run = new FaultRun(guards, 2, withIds, 2);
        try {
            sleep(400);
            fault.run();
            sleep(1500);
            run.stop();
            FaultChecks.awaitReconciled(guards, 15_000);
            assertNoStallNoException(run);
            return run;
        } finally {
            run.stop();
            close(guards);
        }
    }

    @FunctionalInterface
    interface FaultAction {
        void run() throws Exception;
    }

    private static void assertNoStallNoException(FaultRun run) {
        assertThat(run.exceptions()).as("exceptions that reached callers").isEmpty();
        assertThat(run.decisions()).isGreaterThan(50);
        assertThat(run.maxLatencyMillis()).as("slowest decision, ms").isLessThanOrEqualTo(LATENCY_BOUND_MS);
    }

    private static void close(List<SniperGuard> guards) {
        guards.forEach(SniperGuard::close);
    }

    static void sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
    }
}
