package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.SniperGuards;
import io.ultrasignals.sniper.config.ClusterSettings;
import io.ultrasignals.sniper.config.HostAndPort;
import io.ultrasignals.sniper.config.Secret;
import io.ultrasignals.sniper.config.SentinelSettings;
import io.ultrasignals.sniper.config.TlsSettings;
import io.ultrasignals.sniper.testkit.HostPort;
import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisClusterTopology;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisFleet;
import io.ultrasignals.sniper.testkit.RedisSentinelTopology;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.RedisTls;
import io.ultrasignals.sniper.testkit.Tools;
import io.ultrasignals.sniper.testkit.WithinOneHour;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The guard on the deployments people run: Sentinel, Cluster, TLS, ACL users, wrong passwords. */
@ExtendWith(RedisExtension.class)
class TopologyGuardTest {

    @Test
    void sentinelFailoverMidRunDecisionsContinueOnTheNewMaster(RedisFleet fleet) throws Exception {
        RedisSentinelTopology topology = fleet.closeAfterClass(RedisSentinelTopology.start(RedisBinaries.newest()));
        TestSettings s = TestSettings.redis(b -> b.sentinel(SentinelSettings.builder()
                        .master(topology.masterName()).nodes(nodes(topology.sentinelAddresses())).build()))
                .caps(0, 0).mtf(true).decisionTimeout(Duration.ofMillis(200)).heartbeat(Duration.ofMillis(100));
        List<SniperGuard> guards = List.of(SniperGuards.start(s.build()), SniperGuards.start(s.build()));
        FaultRun run = new FaultRun(guards, 2, true, 2);
        Thread.sleep(500);
        RedisServer former = topology.killMaster();
        RedisServer promoted = topology.awaitFailover(former, Duration.ofSeconds(20));
        long failedOverAt = System.nanoTime();
        awaitRedisDecisionsAfter(run, failedOverAt);
        run.stop();
        assertThat(run.exceptions()).isEmpty();
        assertThat(run.maxLatencyMillis()).as("slowest decision, ms").isLessThanOrEqualTo(200 + 1300);
        assertThat(run.admittedByAfter(Backend.REDIS, failedOverAt)).as("Redis decisions after the failover").isPositive();
        for (SniperGuard g : guards) {
            awaitBackOnRedis((DefaultSniperGuard) g);
        }
        // Writes the old master acknowledged but had not replicated die with it (asynchronous replication);
        // every local admission and every admission after the failover is on the new master.
        long books = FaultChecks.redisHourCount(promoted, s.namespace());
        assertThat(books).isGreaterThanOrEqualTo(run.admittedBy(Backend.LOCAL) + run.admittedByAfter(Backend.REDIS, failedOverAt))
                .isLessThanOrEqualTo(run.admitted());
        guards.forEach(SniperGuard::close);
    }

    @WithinOneHour
    @Test
    void clusterKeepsANamespaceInOneSlotAndAdmitsExactly(RedisFleet fleet) throws Exception {
        RedisClusterTopology cluster = fleet.closeAfterClass(RedisClusterTopology.start(RedisBinaries.newest()));
        List<HostAndPort> seeds = nodes(cluster.seedAddresses());
        int cap = 45;
        TestSettings a = TestSettings.redis(b -> b.cluster(ClusterSettings.of(seeds))).namespace("alpha").caps(cap, 0);
        // A second namespace whose slot another shard owns.
        String other = java.util.stream.IntStream.range(0, 100).mapToObj(i -> "omega" + i)
                .filter(ns -> cluster.nodeForSlot(cluster.slotOf("{" + ns + "}")) != cluster.nodeForSlot(cluster.slotOf("{alpha}")))
                .findFirst().orElseThrow();
        TestSettings b = TestSettings.redis(x -> x.cluster(ClusterSettings.of(seeds))).namespace(other).caps(cap, 0);
        assertThat(a.build().redis().effectiveNamespace()).isEqualTo("{alpha}");
        List<SniperGuard> guards = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            guards.add(SniperGuards.start(a.build()));
            guards.add(SniperGuards.start(b.build()));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<long[]>> results = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            SniperGuard guard = guards.get(t % 4);
            boolean alpha = t % 2 == 0;
            results.add(pool.submit(() -> {
                go.await();
                long admitted = 0;
                long notRedis = 0;
                for (int i = 0; i < 25; i++) {
                    Decision d = guard.acquire(Signal.of(false));
                    admitted += d.allowed() ? 1 : 0;
                    // A cap block Redis answered before may come from the guard's memory of it: never an admission.
                    notRedis += d.backend() == Backend.REDIS || d.backend() == Backend.CACHE && !d.allowed() ? 0 : 1;
                }
                return new long[] {alpha ? admitted : 0, alpha ? 0 : admitted, notRedis};
            }));
        }
        go.countDown();
        long alphaAdmitted = 0;
        long omegaAdmitted = 0;
        for (Future<long[]> f : results) {
            long[] r = f.get(60, TimeUnit.SECONDS);
            alphaAdmitted += r[0];
            omegaAdmitted += r[1];
            assertThat(r[2]).as("decisions not made by Redis (or its blocks, from memory)").isZero();
        }
        pool.shutdown();
        assertThat(alphaAdmitted).isEqualTo(cap);
        assertThat(omegaAdmitted).isEqualTo(cap);
        long hour = System.currentTimeMillis() / 3_600_000L;
        for (String ns : List.of("{alpha}", "{" + other + "}")) {
            String hourKey = ns + ":hour:" + hour;
            String dayKey = ns + ":day:" + (System.currentTimeMillis() / 86_400_000L);
            assertThat(cluster.slotOf(hourKey)).isEqualTo(cluster.slotOf(dayKey));
            RedisServer owner = cluster.nodeForSlot(cluster.slotOf(hourKey));
            assertThat(owner.call("GET", hourKey)).isEqualTo(Integer.toString(cap));
        }
        assertThat(cluster.nodeForSlot(cluster.slotOf("{alpha}"))).as("the two namespaces live on different shards")
                .isNotSameAs(cluster.nodeForSlot(cluster.slotOf("{" + other + "}")));
        guards.forEach(SniperGuard::close);
    }

    @Test
    void clusterNodeFailoverDecisionsContinue(RedisFleet fleet) throws Exception {
        RedisClusterTopology cluster = fleet.closeAfterClass(
                RedisClusterTopology.builder(RedisBinaries.newest()).withReplicas().start());
        TestSettings s = TestSettings.redis(b -> b.cluster(ClusterSettings.of(nodes(cluster.seedAddresses()))))
                .namespace("fo").caps(0, 0).mtf(true).decisionTimeout(Duration.ofMillis(200));
        try (SniperGuard guard = SniperGuards.start(s.build())) {
            FaultRun run = new FaultRun(List.of(guard), 2, true, 2);
            Thread.sleep(400);
            RedisServer owner = cluster.nodeForSlot(cluster.slotOf("{fo}"));
            cluster.killNode(owner);
            cluster.awaitFailover(owner, Duration.ofSeconds(20));
            long failedOverAt = System.nanoTime();
            awaitRedisDecisionsAfter(run, failedOverAt);
            run.stop();
            assertThat(run.exceptions()).isEmpty();
            assertThat(run.maxLatencyMillis()).isLessThanOrEqualTo(200 + 1300);
            assertThat(run.admittedByAfter(Backend.REDIS, failedOverAt)).as("Redis decisions after the failover").isPositive();
        }
    }

    @Test
    void tlsWithTheTestCa(RedisFleet fleet) {
        Tools.requireOrSkip("openssl");
        RedisTls tls = fleet.closeAfterClass(RedisTls.start(RedisBinaries.newest()));
        TestSettings s = TestSettings.redis(b -> b.host("localhost").port(tls.tlsPort())
                .tls(TlsSettings.builder().enabled(true).verifyPeer(true).caFile(tls.certificates().caCertificate()).build()))
                .caps(1, 0);
        try (SniperGuard guard = SniperGuards.start(s.build())) {
            Decision first = guard.acquire(Signal.of(false));
            assertThat(first.backend()).isEqualTo(Backend.REDIS);
            assertThat(first.allowed()).isTrue();
            assertThat(guard.acquire(Signal.of(false)).allowed()).isFalse();
        }
    }

    /** Writes batched on the shared connection (the default) under TLS too: many threads, every decision on Redis, exact. */
    @WithinOneHour
    @Test
    void tlsWithManyThreadsSharingTheBatchedConnection(RedisFleet fleet) throws Exception {
        Tools.requireOrSkip("openssl");
        RedisTls tls = fleet.closeAfterClass(RedisTls.start(RedisBinaries.newest()));
        TestSettings s = TestSettings.redis(b -> b.host("localhost").port(tls.tlsPort())
                .tls(TlsSettings.builder().enabled(true).verifyPeer(true).caFile(tls.certificates().caCertificate()).build()))
                .caps(1_000, 0);
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try (SniperGuard guard = SniperGuards.start(s.build())) {
            List<Future<List<Decision>>> made = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                made.add(threads.submit(() -> {
                    List<Decision> mine = new ArrayList<>();
                    for (int i = 0; i < 150; i++) {
                        mine.add(guard.acquire(Signal.of(false)));
                    }
                    return mine;
                }));
            }
            List<Decision> all = new ArrayList<>();
            for (Future<List<Decision>> f : made) {
                all.addAll(f.get(60, TimeUnit.SECONDS));
            }
            // The blocks after the cap: from Redis, or from memory once tracking is on (it comes on with the first).
            assertThat(all).extracting(Decision::backend).isSubsetOf(Backend.REDIS, Backend.CACHE);
            assertThat(all).filteredOn(d -> d.backend() == Backend.CACHE).noneMatch(Decision::allowed);
            assertThat(all.stream().filter(Decision::allowed).count()).isEqualTo(1_000);
            assertThat(guard.status().hourCount()).isEqualTo(1_000);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void wrongPasswordIsAClearErrorAndNeverLogged(RedisFleet fleet) {
        RedisServer redis = fleet.closeAfterClass(RedisServer.builder(RedisBinaries.newest()).password("right-one").start());
        TestSettings s = TestSettings.redis(b -> b.host(redis.host()).port(redis.port()).password(Secret.of("wrong-one")))
                .caps(1, 0);
        try (SniperRuntime runtime = SniperRuntime.create(s.build(), GuardListener.NONE).start()) {
            Decision d = runtime.guard().acquire(Signal.of(false));
            assertThat(d.backend()).isEqualTo(Backend.LOCAL);
            String error = runtime.link().orElseThrow().lastConnectError();
            assertThat(error).containsAnyOf("WRONGPASS", "invalid password", "invalid username-password")
                    .doesNotContain("wrong-one");
            assertThat(runtime.link().orElseThrow().toString()).doesNotContain("wrong-one");
        }
    }

    /** Lets the run go on until Redis has decided again after the failover (at most 15 s), then 1 s more. */
    private static void awaitRedisDecisionsAfter(FaultRun run, long nanos) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (run.admittedByAfter(Backend.REDIS, nanos) == 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        Thread.sleep(1000);
    }

    private static void awaitBackOnRedis(DefaultSniperGuard guard) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!(guard.reconciled() && guard.currentBackend() == Backend.REDIS)) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("guard did not return to Redis");
            }
            guard.acquire(Signal.of(false));
            Thread.sleep(50);
        }
    }

    private static List<HostAndPort> nodes(List<HostPort> addresses) {
        return addresses.stream().map(a -> new HostAndPort(a.host(), a.port())).toList();
    }
}
