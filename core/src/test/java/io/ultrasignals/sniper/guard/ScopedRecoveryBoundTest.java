package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.SniperGuards;
import io.ultrasignals.sniper.config.ScopeSettings;
import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisFleet;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.SilentProxy;
import io.ultrasignals.sniper.testkit.WithinOneHour;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Layered caps through a Redis SIGKILL with AOF and a restart, through a restart that lost everything (no
 * persistence: every layer's books restored by the guards' heartbeats), and with one guard cut off by a silent proxy,
 * repeated: three guards, fleet cap 90, two strategies
 * capped 30 each and an uncapped account dimension. 30 admitted through Redis (10 per kind), a quiet moment, the
 * kill; the guards go on offering alpha, beta and account-only signals in turn. Every layer must end at or under its
 * cap and Redis's books must equal the admissions, per layer: the fleet, each strategy, the account. While Redis is
 * down the guards offer mostly strategy signals (never admitted locally) and some account ones (admitted within the
 * fleet share, credited later to the fleet and the account); from the restart on, strategy signals only, so both
 * strategies reach their caps while the fleet has room.
 */
@ExtendWith(RedisExtension.class)
class ScopedRecoveryBoundTest {
    private static final int FLEET_CAP = 90;
    private static final int STRATEGY_CAP = 30;
    private static final int REPETITIONS = 3;
    /** Admitted through Redis before the fault, as many of each kind. */
    private static final int BEFORE = 30;
    private static final long[] PAUSES_MS = {25, 35, 45};
    /** The kinds of signal: dimension → value. */
    private static final List<Map<String, String>> KINDS = List.of(
            Map.of("strategy", "alpha"), Map.of("strategy", "beta"), Map.of("account", "A1"));
    /** While Redis is down: mostly strategy signals (denied locally), some account ones (admitted within the share). */
    private static final int[] DURING_OUTAGE = {0, 1, 0, 1, 2};
    /** From the restart on: strategy signals only, so each strategy reaches its cap while the fleet has room. */
    private static final int[] AFTER_RESTART = {0, 1};

    private static TestSettings settings(RedisServer redis) {
        Map<String, ScopeSettings> scopes = new LinkedHashMap<>();
        scopes.put("strategy", ScopeSettings.of(STRATEGY_CAP, 0));
        scopes.put("account", ScopeSettings.of(0, 0));
        return TestSettings.on(redis).caps(FLEET_CAP, 0).mtf(true).scopes(scopes).decisionTimeout(Duration.ofMillis(150))
                .heartbeat(Duration.ofMillis(100));
    }

    @WithinOneHour(seconds = 90)
    @Test
    void killedRedisWithAppendOnlyEveryLayerStaysWithinItsCapAndTheBooksAreExactPerLayer(RedisFleet fleet) throws Exception {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest(), "--appendonly", "yes", "--appendfsync", "always");
        for (int rep = 0; rep < REPETITIONS; rep++) {
            reproduce(redis, settings(redis), "scoped kill/aof #" + rep, null, 0, redis::restart);
        }
    }

    /**
     * Without persistence the restart comes back empty: the guards' heartbeats put back what they saw of every layer
     * (the fleet from any reply, each scope from the heartbeats that read it during the quiet moment), so the
     * strategies reach their caps counting what was admitted before the loss.
     */
    /**
     * A restore leaves out this guard's signals of unknown outcome decided within two decision timeouts of the count
     * it saw (they may be in it; settled by id, each counts once): one sent in the moment of the loss makes the
     * restore fall short by one. The restart-empty drill starts offering after that window, so its books are exact.
     */
    private static final long QUIET_AFTER_LOSS_MS = 2 * 150 + 100 + 100;

    @WithinOneHour(seconds = 90)
    @Test
    void aRestartThatLostEverythingHasEveryLayerRestoredFromWhatTheGuardsSaw(RedisFleet fleet) throws Exception {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest());
        for (int rep = 0; rep < REPETITIONS; rep++) {
            reproduce(redis, settings(redis), "scoped restart-empty #" + rep, null, QUIET_AFTER_LOSS_MS, redis::restart);
        }
    }

    @WithinOneHour(seconds = 90)
    @Test
    void aGuardCutOffBySilenceCreditsEveryLayerLaterWithinTheCaps(RedisFleet fleet) throws Exception {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest(), "--appendonly", "yes", "--appendfsync", "always");
        for (int rep = 0; rep < REPETITIONS; rep++) {
            try (SilentProxy proxy = SilentProxy.to(redis.host(), redis.port())) {
                reproduce(redis, settings(redis), "scoped partition #" + rep, proxy, 0, () -> {
                    redis.restart();
                    Thread.sleep(2500); // the others are back on Redis; the third is still cut off
                    proxy.heal();
                });
            }
        }
    }

    /** With a proxy, the third guard reaches Redis through it, and it goes silent at the kill (no reset). */
    private static void reproduce(RedisServer redis, TestSettings s, String what, SilentProxy proxy, long quietAfterKillMs,
                                  Heal heal) throws Exception {
        s.namespace("srb-" + System.nanoTime());
        List<SniperGuard> guards = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            guards.add(SniperGuards.start(proxy != null && i == 2 ? FaultChecks.viaProxy(s, proxy) : s.build()));
        }
        List<Offers> runs = new ArrayList<>();
        long[] admittedByKind = new long[KINDS.size()];
        long admittedLocallyInAStrategy = 0;
        try {
            FaultChecks.awaitFleetOnRedis(guards, 3, 10_000);
            for (int i = 0; i < BEFORE; i++) {
                Decision d = guards.get(i % 3).acquire(signal(what + "-before-" + i, i % KINDS.size()));
                assertThat(d.allowed()).as(what + ": admitted through Redis before the fault, not " + d).isTrue();
                admittedByKind[i % KINDS.size()]++;
            }
            Thread.sleep(600); // quiet: every guard's next heartbeats see BEFORE
            if (proxy != null) {
                proxy.silenceAll();
            }
            redis.kill();
            Thread.sleep(quietAfterKillMs);
            for (int i = 0; i < 3; i++) {
                runs.add(new Offers(guards.get(i), PAUSES_MS[i], what + "-g" + i + "-"));
            }
            Thread.sleep(1500);
            runs.forEach(r -> r.offered = AFTER_RESTART); // strategies only from Redis's return on
            heal.run(); // restarts Redis (and heals the proxy)
            long before = BEFORE / KINDS.size();
            FaultChecks.await(() -> before + admitted(runs, 0) >= STRATEGY_CAP && before + admitted(runs, 1) >= STRATEGY_CAP,
                    20_000, what + ": both strategies at their caps on Redis");
            Thread.sleep(500); // and offered a while longer: a cap that held must go on holding
            for (Offers r : runs) {
                r.stop();
            }
            FaultChecks.awaitReconciled(guards, 20_000);
            for (Offers r : runs) {
                assertThat(r.exceptions).as(what + ": exceptions that reached callers").isEmpty();
                for (Offers.Outcome o : r.outcomes) {
                    if (o.allowed) {
                        admittedByKind[o.kind]++;
                        if (o.backend == Backend.LOCAL && KINDS.get(o.kind).containsKey("strategy")) {
                            admittedLocallyInAStrategy++;
                        }
                    }
                }
            }
            long total = admittedByKind[0] + admittedByKind[1] + admittedByKind[2];
            System.out.println(what + ": admitted alpha " + admittedByKind[0] + ", beta " + admittedByKind[1] + ", account "
                    + admittedByKind[2] + ", fleet " + total);
            assertThat(admittedLocallyInAStrategy).as(what + ": a capped scope is never admitted locally").isZero();
            assertThat(total).as(what + ": the fleet").isLessThanOrEqualTo(FLEET_CAP);
            assertThat(admittedByKind[0]).as(what + ": strategy=alpha").isLessThanOrEqualTo(STRATEGY_CAP);
            assertThat(admittedByKind[1]).as(what + ": strategy=beta").isLessThanOrEqualTo(STRATEGY_CAP);
            assertThat(admittedByKind[0] + admittedByKind[1]).as(what + ": the strategies reached their caps (the test's"
                    + " premise)").isEqualTo(2 * STRATEGY_CAP);
            String ns = s.namespace();
            assertThat(FaultChecks.redisHourCount(redis, ns)).as(what + ": Redis's fleet books").isEqualTo(total);
            assertThat(FaultChecks.redisHourCount(redis, ns + ":scope:strategy=alpha")).as(what + ": alpha's books")
                    .isEqualTo(admittedByKind[0]);
            assertThat(FaultChecks.redisHourCount(redis, ns + ":scope:strategy=beta")).as(what + ": beta's books")
                    .isEqualTo(admittedByKind[1]);
            assertThat(FaultChecks.redisHourCount(redis, ns + ":scope:account=A1")).as(what + ": the account's books")
                    .isEqualTo(admittedByKind[2]);
        } finally {
            for (Offers r : runs) {
                r.stop();
            }
            guards.forEach(SniperGuard::close);
        }
    }

    /** Admissions of {@code kind} the runs have seen so far. */
    private static long admitted(List<Offers> runs, int kind) {
        return runs.stream().flatMap(r -> r.outcomes.stream()).filter(o -> o.allowed() && o.kind() == kind).count();
    }

    @FunctionalInterface
    private interface Heal {
        void run() throws Exception;
    }

    private static Signal signal(String id, int kind) {
        Signal signal = Signal.withId(id, true);
        for (Map.Entry<String, String> scope : KINDS.get(kind).entrySet()) {
            signal = signal.scope(scope.getKey(), scope.getValue());
        }
        return signal;
    }

    /** One thread offering the kinds in turn against one guard, recording every outcome. */
    private static final class Offers {
        record Outcome(int kind, boolean allowed, Backend backend) {}

        final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Throwable> exceptions = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;
        volatile int[] offered = DURING_OUTAGE;

        Offers(SniperGuard guard, long pauseMillis, String idPrefix) {
            AtomicLong n = new AtomicLong();
            thread = new Thread(() -> {
                while (running.get()) {
                    int[] order = offered;
                    int kind = order[(int) (n.get() % order.length)];
                    try {
                        Decision d = guard.acquire(signal(idPrefix + n.incrementAndGet(), kind));
                        outcomes.add(new Outcome(kind, d.allowed(), d.backend()));
                        Thread.sleep(pauseMillis);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Throwable e) {
                        exceptions.add(e);
                    }
                }
            }, "scoped-offers");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
        }
    }
}
