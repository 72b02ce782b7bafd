package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.SniperGuards;
import io.ultrasignals.sniper.script.Buckets;
import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisFleet;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.RespConnection;
import io.ultrasignals.sniper.testkit.SilentProxy;
import io.ultrasignals.sniper.testkit.WithinOneHour;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Runners that start while Redis is unreachable (docs/fallback.md, "Starting without Redis"). By default a guard
 * without a share admits nothing and says so; with {@code fleet_size} N stated it may admit {@code floor(cap / N)}
 * per window, and guards on Redis keep that room for each runner they have not seen, so the fleet stays within the
 * cap: two cold runners plus one on Redis, cap 30, N = 3.
 */
@ExtendWith(RedisExtension.class)
class ColdStartTest {
    private static final Logger STATE_LOG = Logger.getLogger(BackendState.class.getName());
    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(record.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void captureLogs() {
        STATE_LOG.addHandler(capture);
    }

    @AfterEach
    void stopCapturing() {
        STATE_LOG.removeHandler(capture);
    }

    /**
     * Settings 30 on every runner, fleet_size 3: each cold runner admits floor(30 / 3) = 10 of its settings. The one on
     * Redis keeps that room off the cap that applies there: the settings' 30 (10 left), or a stored policy's 60 (40
     * left): a cold runner has never seen the policy, so the room is reckoned from the settings.
     */
    @WithinOneHour(seconds = 90)
    @ParameterizedTest(name = "stored policy {0} (0: none)")
    @CsvSource({"0, 30, 10", "60, 60, 40"})
    void twoColdRunnersAndOneOnRedisStayWithinTheCapAndTheBooksEndExact(long policy, long cap, long onRedis,
                                                                       RedisFleet fleet) throws Exception {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest());
        String ns = "cold-" + System.nanoTime();
        try (RespConnection raw = redis.connect();
             SilentProxy toA = SilentProxy.to(redis.host(), redis.port());
             SilentProxy toB = SilentProxy.to(redis.host(), redis.port())) {
            if (policy > 0) {
                assertThat(FleetControlTest.evalsha(raw, "control", ns, "policy_set", "test", Long.toString(policy), "0"))
                        .isEqualTo(List.of(1L));
            }
            toA.silenceAll();
            toB.silenceAll();
            TestSettings warmSettings = TestSettings.on(redis).namespace(ns).caps(30, 0).fleetSize(3)
                    .decisionTimeout(Duration.ofMillis(300)).heartbeat(Duration.ofMillis(100));
            try (SniperGuard warm = SniperGuards.start(warmSettings.build());
                 SniperGuard coldA = SniperGuards.start(cold(toA, ns).build());
                 SniperGuard coldB = SniperGuards.start(cold(toB, ns).build())) {
                List<Decision> decided = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    for (SniperGuard g : List.of(warm, coldA, coldB)) {
                        decided.add(g.acquire(Signal.withId(ns + "-" + decided.size(), false)));
                    }
                }
                assertThat(admitted(decided, Backend.REDIS)).as("on Redis: the cap less 10 kept for each unseen runner")
                        .isEqualTo(onRedis);
                assertThat(admitted(decided, Backend.LOCAL)).as("each cold runner: floor(30 / 3)").isEqualTo(20);
                assertThat(decided).filteredOn(d -> !d.admitted()).allSatisfy(d -> {
                    assertThat(d.reason()).as("no cap reason below the cap").isNotIn(Reason.SNIPER_DAILY_CAP);
                    if (d.backend() == Backend.LOCAL) {
                        assertThat(d.reason()).isIn(Reason.SNIPER_FALLBACK_SHARE, Reason.SNIPER_FALLBACK_DENY);
                    } else {
                        assertThat(d.detail()).as("the cap had room: the room kept blocked it")
                                .startsWith("the hourly cap less the room kept (20) for 2 runners");
                    }
                });
                Decision shareUsed = decided.stream().filter(d -> d.reason() == Reason.SNIPER_FALLBACK_SHARE).findFirst().orElseThrow();
                assertThat(shareUsed.detail()).startsWith("this guard's share of the hourly cap for a start without Redis (10, the cap / fleet_size) is used up");

                toA.heal();
                toB.heal();
                FaultChecks.await(() -> reconciled(coldA) && reconciled(coldB) && ((DefaultSniperGuard) warm).liveGuards() == 3,
                        30_000, "the cold runners credited and registered");
                for (int i = 0; i < 5; i++) {
                    for (SniperGuard g : List.of(warm, coldA, coldB)) {
                        decided.add(g.acquire(Signal.withId(ns + "-" + decided.size(), false)));
                    }
                }
                long total = decided.stream().filter(Decision::admitted).count();
                assertThat(total).as("the fleet at the cap that applies, not above it").isEqualTo(cap);
                assertThat(warm.status().hourCount()).as("Redis books every admission").isEqualTo(total);
            }
        }
        assertThat(logged).anyMatch(m -> m.startsWith("sniper: Redis unreachable at start; deciding with local "
                + "(up to floor(cap / 3) per window until it reaches Redis (fleet_size 3); cause: "));
        assertThat(logged).noneMatch(m -> m.contains("were redis"));
    }

    @WithinOneHour
    @Test
    void aStoredPolicyKeepsTheRoomForUnseenRunnersAndTheAnswerSaysWhichBlocked(RedisServer redis) {
        // Settings cap 30 with fleet_size 3: each runner not yet seen may admit floor(30 / 3) = 10 before it reaches
        // Redis, so the one guard on Redis keeps 2 x 10. The stored policy (60) replaces the caps; the room stays.
        TestSettings settings = TestSettings.on(redis).caps(30, 0).fleetSize(3);
        String ns = settings.namespace();
        try (RespConnection raw = redis.connect()) {
            assertThat(FleetControlTest.evalsha(raw, "control", ns, "policy_set", "test", "60", "0")).isEqualTo(List.of(1L));
            try (SniperGuard guard = SniperGuards.start(settings.build())) {
                List<Decision> decided = new ArrayList<>();
                for (int i = 0; i < 45; i++) {
                    decided.add(guard.acquire(Signal.withId(ns + "-" + i, false)));
                }
                assertThat(decided.stream().filter(Decision::admitted).count()).as("the policy's 60 less the 20 kept").isEqualTo(40);
                assertThat(decided).filteredOn(d -> !d.admitted()).allSatisfy(d -> {
                    assertThat(d.backend()).isEqualTo(Backend.REDIS);
                    assertThat(d.reason()).isEqualTo(Reason.SNIPER_HOURLY_CAP);
                    assertThat(d.hourCount()).isEqualTo(40);
                    assertThat(d.detail()).as("the cap had room: the room kept blocked it")
                            .isEqualTo("the hourly cap less the room kept (20) for 2 runners of the stated fleet not yet seen"
                                    + " on Redis (fleet_size)");
                });

                // At the policy's cap itself the cap blocks, and the answer says the cap, not the room.
                assertThat(FleetControlTest.evalsha(raw, "control", ns, "policy_set", "test", "40", "0")).isEqualTo(List.of(2L));
                Decision atTheCap = guard.acquire(Signal.withId(ns + "-cap", false));
                assertThat(atTheCap.reason()).isEqualTo(Reason.SNIPER_HOURLY_CAP);
                assertThat(atTheCap.detail()).isNull();
                assertThat(raw.call("GET", ns + ":hour:" + Buckets.hour(System.currentTimeMillis()))).isEqualTo("40");
            }
        }
    }

    @WithinOneHour
    @Test
    void aStoredPolicyKeepsTheRoomForUnseenRunnersInTheSharesTheHeartbeatRecords(RedisServer redis) throws Exception {
        // The share a guard may admit if cut off is what Redis holds back for it: the policy's 60 less the 2 x 10
        // kept for the runners not yet seen (40, this guard alone on Redis), not the policy's whole 60, of which those
        // runners may be admitting 20 on their own.
        TestSettings settings = TestSettings.on(redis).caps(30, 0).fleetSize(3).heartbeat(Duration.ofMillis(100));
        String ns = settings.namespace();
        try (RespConnection raw = redis.connect()) {
            assertThat(FleetControlTest.evalsha(raw, "control", ns, "policy_set", "test", "60", "0")).isEqualTo(List.of(1L));
            try (SniperGuard guard = SniperGuards.start(settings.build())) {
                FaultChecks.await(() -> !((List<?>) raw.call("HVALS", ns + ":reserve")).isEmpty(), 10_000, "a share recorded");
                String record = (String) ((List<?>) raw.call("HVALS", ns + ":reserve")).get(0);
                String[] f = record.split("\\|");
                assertThat(f[0]).as("on Redis: %s", record).isEqualTo("c");
                assertThat(f[2] + "|" + f[3]).as("hour share and next hour share: %s", record).isEqualTo("40|40");
            }
        }
    }

    @Test
    void aSingleProcessDeploymentThatSaysSoWorksNormallyWithoutRedis() throws IOException {
        try (SniperGuard guard = SniperGuards.start(unreachable().caps(5, 0).fleetSize(1).build())) {
            List<Decision> decided = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                decided.add(guard.acquire(Signal.of(false)));
            }
            assertThat(decided).extracting(Decision::admitted).containsExactly(true, true, true, true, true, false, false);
            assertThat(decided.get(4).hourCount()).isEqualTo(5);
            assertThat(decided.get(5).reason()).as("5 of 5: the cap itself").isEqualTo(Reason.SNIPER_HOURLY_CAP);
            assertThat(decided.get(5).hourCount()).isEqualTo(5);
            assertThat(guard.status().hourCount()).as("the status says the real count too").isEqualTo(5);
        }
        assertThat(logged).anyMatch(m -> m.startsWith("sniper: Redis unreachable at start; deciding with local "
                + "(up to floor(cap / 1) per window until it reaches Redis (fleet_size 1); cause: "));
        assertThat(logged).noneMatch(m -> m.contains("were redis"));
    }

    @Test
    void byDefaultAGuardWithoutAShareAdmitsNothingAndSaysWhy() throws IOException {
        try (SniperGuard guard = SniperGuards.start(unreachable().caps(3, 10).build())) {
            for (int i = 0; i < 5; i++) {
                Decision d = guard.acquire(Signal.of(false));
                assertThat(d.admitted()).isFalse();
                assertThat(d.reason()).isEqualTo(Reason.SNIPER_FALLBACK_SHARE);
                assertThat(d.hourCount()).isZero();
                assertThat(d.dayCount()).isZero();
                assertThat(d.detail()).startsWith("no share of the hourly cap: this guard has not reached Redis since it started (");
            }
        }
        assertThat(logged).anyMatch(m -> m.startsWith("sniper: Redis unreachable at start; deciding with local "
                + "(admitting nothing until it reaches Redis: no share of the caps (fleet_size not stated); cause: "));
        assertThat(logged).noneMatch(m -> m.contains("were redis"));
    }

    private static TestSettings cold(SilentProxy proxy, String ns) {
        return TestSettings.redis(b -> b.host(proxy.host()).port(proxy.port())).namespace(ns).caps(30, 0).fleetSize(3)
                .decisionTimeout(Duration.ofMillis(300)).heartbeat(Duration.ofMillis(100));
    }

    /** Redis configured on a port where nothing listens. */
    private static TestSettings unreachable() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        return TestSettings.redis(b -> b.host("127.0.0.1").port(port)).decisionTimeout(Duration.ofMillis(300));
    }

    private static long admitted(List<Decision> decided, Backend by) {
        return decided.stream().filter(d -> d.admitted() && d.backend() == by).count();
    }

    private static boolean reconciled(SniperGuard g) {
        DefaultSniperGuard guard = (DefaultSniperGuard) g;
        return guard.reconciled() && guard.liveGuards() > 0;
    }
}
