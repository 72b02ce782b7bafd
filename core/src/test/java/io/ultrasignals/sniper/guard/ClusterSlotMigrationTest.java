package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.SniperGuards;
import io.ultrasignals.sniper.config.ClusterSettings;
import io.ultrasignals.sniper.config.HostAndPort;
import io.ultrasignals.sniper.testkit.RedisBinary;
import io.ultrasignals.sniper.testkit.RedisClusterTopology;
import io.ultrasignals.sniper.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The namespace's slot moves to another master under load (CLUSTER SETSLOT IMPORTING / MIGRATING, MIGRATE, SETSLOT
 * NODE, as {@code redis-cli --cluster reshard} does). The scripts build their keys inside (only the namespace is a
 * declared key, and no key of that name exists), so while the slot migrates the owner answers {@code -ASK} and the
 * target refuses the script's undeclared keys: every acquire fails, and the guards decide by their fallback for
 * the migration — no decision stalls past its timeout, none throws — and come back once the slot has moved, with
 * every local admission credited on the new owner: its books equal the admissions.
 */
class ClusterSlotMigrationTest {
    private static final String NAMESPACE = "mig";
    private static final Duration DECISION_TIMEOUT = Duration.ofMillis(200);

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ultrasignals.sniper.testkit.RedisBinaries#all")
    void guardsFallBackWhileTheSlotMovesAndTheBooksEndExact(RedisBinary binary) throws Exception {
        try (RedisClusterTopology cluster = RedisClusterTopology.start(binary)) {
            List<HostAndPort> seeds = cluster.seedAddresses().stream().map(a -> new HostAndPort(a.host(), a.port())).toList();
            TestSettings s = TestSettings.redis(b -> b.cluster(ClusterSettings.of(seeds))).namespace(NAMESPACE)
                    .caps(100_000, 0).mtf(true).decisionTimeout(DECISION_TIMEOUT).heartbeat(Duration.ofMillis(200));
            int slot = cluster.slotOf("{" + NAMESPACE + "}");
            List<SniperGuard> guards = List.of(SniperGuards.start(s.build()), SniperGuards.start(s.build()));
            FaultRun run = new FaultRun(guards, 2, true, 5);
            RedisServer target;
            long migrationBegan;
            long handOverBegan;
            long migrationEnded;
            try {
                Thread.sleep(1000);
                RedisServer owner = cluster.nodeForSlot(slot);
                target = cluster.masters().stream().filter(m -> m != owner).findFirst().orElseThrow();
                migrationBegan = System.nanoTime();
                cluster.beginSlotMigration(slot, target);
                Thread.sleep(3000); // a migration of many keys takes a while; every acquire fails meanwhile
                handOverBegan = System.nanoTime(); // from here the keys move and the slot is handed over
                int moved = cluster.finishSlotMigration(slot, owner, target);
                migrationEnded = System.nanoTime();
                assertThat(moved).as("keys of the slot moved").isPositive();
                FaultChecks.await(() -> run.admittedByAfter(Backend.REDIS, migrationEnded) > 0, 20_000,
                        "Redis decisions on the new owner");
                Thread.sleep(1000);
            } finally {
                run.stop();
            }
            FaultChecks.awaitReconciled(guards, 20_000);
            assertThat(run.exceptions()).isEmpty();
            // No stall: a decision waits at most its timeout (and the busy limit only for a Redis that keeps answering).
            assertThat(run.maxLatencyMillis()).as("slowest decision, ms").isLessThanOrEqualTo(10 * DECISION_TIMEOUT.toMillis());
            List<FaultRun.Outcome> during = new ArrayList<>();
            for (FaultRun.Outcome o : run.outcomes()) {
                if (o.completedAtNanos() > migrationBegan + DECISION_TIMEOUT.toNanos() && o.completedAtNanos() < handOverBegan) {
                    during.add(o);
                }
            }
            assertThat(during).as("decisions while the slot migrated").isNotEmpty().allSatisfy(o ->
                    assertThat(o.backend()).as("decided by the fallback while migrating").isEqualTo(Backend.LOCAL));
            assertThat(run.admittedBy(Backend.LOCAL)).as("local admissions during the migration").isPositive();
            assertThat(FaultChecks.redisHourCount(target, "{" + NAMESPACE + "}"))
                    .as("the new owner's books").isEqualTo(run.admitted());
            guards.forEach(SniperGuard::close);
        }
    }
}
