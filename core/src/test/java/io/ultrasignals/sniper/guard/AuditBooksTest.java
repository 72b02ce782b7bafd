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
import io.ultrasignals.sniper.testkit.RespConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The audit stream against Redis's books and the runners' own record, through an outage and its recovery: two
 * guards admit signals with ids on one namespace, Redis is killed (append-only, fsync always) and restarted, the
 * guards credit what they admitted locally. Then every admission made on Redis is one {@code admit} entry with its
 * id and guard; a call that timed out at the kill is settled by id (an {@code admit} entry, and a {@code release}
 * if the guard had blocked it); each guard's other local admissions are its {@code credit} entries' {@code n}
 * (credits carry counts, not ids); and admit entries less releases plus credited counts equal Redis's hour count
 * and the guards' admitted total.
 */
@ExtendWith(RedisExtension.class)
class AuditBooksTest {
    private static final int CAP = 400;
    private static final int REPETITIONS = 3;

    record Admitted(String guard, String id, Backend backend) {}

    @Test
    void theAuditsAdmissionsEqualRedisBooksAndTheRunnersThroughAKillAndRestart(RedisFleet fleet) throws Exception {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest(), "--appendonly", "yes", "--appendfsync", "always");
        for (int rep = 0; rep < REPETITIONS; rep++) {
            TestSettings s = TestSettings.on(redis).caps(CAP, 0).mtf(true).decisionTimeout(Duration.ofMillis(150))
                    .heartbeat(Duration.ofMillis(100));
            s.namespace("ab-" + rep + "-" + System.nanoTime());
            reproduce(redis, s, "kill/aof #" + rep);
        }
    }

    private static void reproduce(RedisServer redis, TestSettings s, String what) throws Exception {
        List<SniperGuard> guards = List.of(SniperGuards.start(s.build()), SniperGuards.start(s.build()));
        ConcurrentLinkedQueue<Admitted> admitted = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Throwable> exceptions = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> threads = new ArrayList<>();
        try {
            for (SniperGuard g : guards) {
                DefaultSniperGuard guard = (DefaultSniperGuard) g;
                FaultChecks.await(() -> guard.liveGuards() == 2, 10_000, "every guard knows the fleet of 2");
            }
            for (int i = 0; i < guards.size(); i++) {
                DefaultSniperGuard guard = (DefaultSniperGuard) guards.get(i);
                String prefix = what + "-g" + i + "-";
                long pause = 20 + 10L * i;
                Thread t = new Thread(() -> {
                    for (int n = 0; running.get(); n++) {
                        try {
                            String id = prefix + n;
                            Decision d = guard.acquire(Signal.withId(id, true));
                            if (d.allowed()) {
                                admitted.add(new Admitted(guard.guardId(), id, d.backend()));
                            }
                            Thread.sleep(pause);
                        } catch (InterruptedException e) {
                            return;
                        } catch (Throwable e) {
                            exceptions.add(e);
                        }
                    }
                }, "audit-books-" + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
            Thread.sleep(800); // some admissions on Redis first
            redis.kill();
            Thread.sleep(1500);
            redis.restart();
            Thread.sleep(2500);
            running.set(false);
            for (Thread t : threads) {
                t.join(5_000);
            }
            FaultChecks.awaitReconciled(guards, 20_000);
            assertThat(exceptions).as(what + ": exceptions that reached callers").isEmpty();

            List<Map<String, String>> audit;
            try (RespConnection c = redis.connect()) {
                audit = FleetControlTest.audit(c, s.namespace());
            }
            List<String> events = audit.stream().map(e -> e.get("event")).distinct().sorted().toList();
            assertThat(events).as(what + ": admissions, credits, and releases of settled ambiguous calls only")
                    .isSubsetOf("admit", "credit", "release");

            // On Redis: each id admitted at most once; a release gives back one of them (an acquire that timed out
            // at the kill, settled by id later, counted on Redis though the guard had blocked it locally).
            List<String> admitEntries = audit.stream().filter(e -> e.get("event").equals("admit"))
                    .map(e -> e.get("signal") + "@" + e.get("guard")).toList();
            assertThat(admitEntries).as(what + ": one admit entry per id").doesNotHaveDuplicates();
            List<String> releaseEntries = audit.stream().filter(e -> e.get("event").equals("release"))
                    .map(e -> e.get("signal") + "@" + e.get("guard")).toList();
            assertThat(releaseEntries).as(what + ": each release gives back one admit entry").doesNotHaveDuplicates()
                    .isSubsetOf(admitEntries);
            Set<String> kept = new TreeSet<>(admitEntries);
            releaseEntries.forEach(kept::remove);

            Set<String> runnersOnRedis = admitted.stream().filter(a -> a.backend() == Backend.REDIS)
                    .map(a -> a.id() + "@" + a.guard()).collect(Collectors.toCollection(TreeSet::new));
            Set<String> runnersLocal = admitted.stream().filter(a -> a.backend() == Backend.LOCAL)
                    .map(a -> a.id() + "@" + a.guard()).collect(Collectors.toCollection(TreeSet::new));
            assertThat(kept).as(what + ": every id admitted on Redis is in the audit").containsAll(runnersOnRedis);
            Set<String> settled = new TreeSet<>(kept);
            settled.removeAll(runnersOnRedis);
            assertThat(runnersLocal).as(what + ": the audit's other admissions are local ones settled by id")
                    .containsAll(settled);

            // Local admissions not settled by id are credited as counts: credit entries carry n, not the ids.
            Map<String, Long> credited = new TreeMap<>();
            audit.stream().filter(e -> e.get("event").equals("credit"))
                    .forEach(e -> credited.merge(e.get("guard"), Long.parseLong(e.get("n")), Long::sum));
            credited.values().removeIf(n -> n == 0);
            Map<String, Long> creditable = new TreeMap<>();
            admitted.stream().filter(a -> a.backend() == Backend.LOCAL && !settled.contains(a.id() + "@" + a.guard()))
                    .forEach(a -> creditable.merge(a.guard(), 1L, Long::sum));
            assertThat(credited).as(what + ": each guard's credits are its local admissions not settled by id")
                    .isEqualTo(creditable);

            long creditedTotal = credited.values().stream().mapToLong(Long::longValue).sum();
            long books = FaultChecks.redisHourCount(redis, s.namespace());
            System.out.println(what + ": admitted " + admitted.size() + " (" + runnersLocal.size() + " locally, "
                    + creditedTotal + " credited, " + settled.size() + " settled by id, " + releaseEntries.size()
                    + " released); Redis's books " + books + ", cap " + CAP);
            assertThat(kept.size() + creditedTotal).as(what + ": audit = Redis's books").isEqualTo(books);
            assertThat(kept.size() + creditedTotal).as(what + ": audit = the runners' admissions")
                    .isEqualTo(admitted.size());
            assertThat(runnersLocal).as(what + ": the outage made some local admissions").isNotEmpty();
        } finally {
            running.set(false);
            for (Thread t : threads) {
                t.join(5_000);
            }
            guards.forEach(SniperGuard::close);
        }
    }
}
