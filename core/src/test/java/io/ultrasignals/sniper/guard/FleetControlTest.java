package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuards;
import io.ultrasignals.sniper.config.FallbackPolicy;
import io.ultrasignals.sniper.script.Buckets;
import io.ultrasignals.sniper.script.ScriptCatalog;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.RespConnection;
import io.ultrasignals.sniper.testkit.SilentProxy;
import io.ultrasignals.sniper.testkit.WithinOneHour;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fleet's control on a real Redis: a stored policy and a halt apply to the next decision of a guard and of a
 * raw EVALSHA caller alike; a guard deciding locally obeys the last halt it saw, and one cut off before the halt
 * admits at most its share; every admission is in the audit stream, which stays within its bound.
 */
@ExtendWith(RedisExtension.class)
class FleetControlTest {
    private static final ScriptCatalog SCRIPTS = ScriptCatalog.load();

    /** acquire by EVALSHA, as an old caller without identity sends it: caps 5 per hour, none per day. */
    private static List<?> rawAcquire(RespConnection c, String ns, String id) {
        return (List<?>) evalsha(c, "acquire", ns, "5", "0", "0", "0", id);
    }

    static Object evalsha(RespConnection c, String script, String ns, String... argv) {
        List<String> cmd = new ArrayList<>(List.of("EVALSHA", SCRIPTS.get(script, 1).sha1(), "1", ns));
        cmd.addAll(List.of(argv));
        try {
            return c.call(cmd);
        } catch (RuntimeException noScript) {
            c.call("SCRIPT", "LOAD", SCRIPTS.get(script, 1).source());
            return c.call(cmd);
        }
    }

    /** Every audit entry, as field maps, oldest first. */
    static List<Map<String, String>> audit(RespConnection c, String ns) {
        List<Map<String, String>> entries = new ArrayList<>();
        for (Object e : (List<?>) c.call("XRANGE", ns + ":audit", "-", "+")) {
            List<?> fields = (List<?>) ((List<?>) e).get(1);
            Map<String, String> m = new TreeMap<>();
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                m.put(String.valueOf(fields.get(i)), String.valueOf(fields.get(i + 1)));
            }
            entries.add(m);
        }
        return entries;
    }

    @WithinOneHour
    @Test
    void aPolicyChangeAppliesToTheNextDecisionOfAGuardAndOfARawCaller(RedisServer redis) {
        TestSettings settings = TestSettings.on(redis).caps(5, 0);
        String ns = settings.namespace();
        try (DefaultSniperGuard guard = (DefaultSniperGuard) SniperGuards.start(settings.build());
             RespConnection raw = redis.connect()) {
            assertThat(guard.acquire(Signal.withId("g1", true)).admitted()).isTrue();
            assertThat(rawAcquire(raw, ns, "r1").get(1)).isEqualTo("OK");

            assertThat(evalsha(raw, "control", ns, "policy_set", "test", "3", "0")).isEqualTo(List.of(1L));
            Decision third = guard.acquire(Signal.withId("g2", true));
            assertThat(third.admitted()).as("the policy's cap of 3 admits the third").isTrue();
            Decision fourth = guard.acquire(Signal.withId("g3", true));
            assertThat(fourth.reason()).as("its settings say 5; the stored policy says 3").isEqualTo(Reason.SNIPER_HOURLY_CAP);
            assertThat(fourth.backend()).isEqualTo(Backend.REDIS);
            assertThat(rawAcquire(raw, ns, "r2").get(1)).as("a raw caller passing 5 obeys it too").isEqualTo("SNIPER_HOURLY_CAP");

            assertThat(evalsha(raw, "control", ns, "policy_clear", "test")).isEqualTo(List.of(2L));
            // The guard remembers the policy's block until Redis pushes the policy key's change (README, "Capped
            // hours cost Redis nothing"): the raised cap applies within that bound, not before.
            io.ultrasignals.sniper.testkit.Poll.until(Duration.ofSeconds(5), "the remembered block ended by the policy's push",
                    () -> guard.cachedBlocks() == 0);
            assertThat(guard.acquire(Signal.withId("g4", true)).admitted()).as("settings again: 4 of 5").isTrue();
            assertThat(rawAcquire(raw, ns, "r3").get(1)).isEqualTo("OK");
            assertThat(rawAcquire(raw, ns, "r4").get(1)).isEqualTo("SNIPER_HOURLY_CAP");

            // The books and the audit agree, ids and identities included.
            long hour = Buckets.hour(System.currentTimeMillis());
            assertThat(raw.call("GET", ns + ":hour:" + hour)).isEqualTo("5");
            List<String> admitted = audit(raw, ns).stream().filter(e -> e.get("event").equals("admit"))
                    .map(e -> e.get("signal") + "@" + e.get("guard")).toList();
            assertThat(admitted).containsExactly("g1@" + guard.guardId(), "r1@-", "g2@" + guard.guardId(),
                    "g4@" + guard.guardId(), "r3@-");
            Map<String, String> first = audit(raw, ns).get(0);
            assertThat(first.get("runner")).as("host/pid-main by default").contains("/" + ProcessHandle.current().pid() + "-");
            assertThat(first.get("backend")).isEqualTo("redis");
            assertThat(audit(raw, ns).stream().map(e -> e.get("event")).toList())
                    .containsSubsequence("policy_set", "policy_clear");
        }
    }

    @Test
    void aHaltBlocksEveryCallerWithinOneCallCountingNothingAndResumeLiftsIt(RedisServer redis) {
        TestSettings settings = TestSettings.on(redis).caps(0, 0);
        String ns = settings.namespace();
        try (DefaultSniperGuard guard = (DefaultSniperGuard) SniperGuards.start(settings.build());
             RespConnection raw = redis.connect()) {
            assertThat(guard.acquire(Signal.of(true)).admitted()).isTrue();
            evalsha(raw, "control", ns, "halt", "test", "fat finger on BTCUSDT", "0");

            Decision halted = guard.acquire(Signal.withId("h1", true));
            assertThat(halted.allowed()).isFalse();
            assertThat(halted.reason()).isEqualTo(Reason.SNIPER_HALTED);
            assertThat(halted.detail()).isEqualTo("fat finger on BTCUSDT");
            assertThat(halted.backend()).isEqualTo(Backend.REDIS);
            assertThat(guard.haltSeen()).isEqualTo("fat finger on BTCUSDT");
            assertThat(rawAcquire(raw, ns, "r1").get(1)).isEqualTo("SNIPER_HALTED");
            long hour = Buckets.hour(System.currentTimeMillis());
            assertThat(raw.call("GET", ns + ":hour:" + hour)).as("nothing counted").isEqualTo("1");
            assertThat(raw.call("EXISTS", ns + ":op:h1")).as("no decision kept").isEqualTo(0L);

            assertThat(evalsha(raw, "control", ns, "resume", "test")).isEqualTo(List.of(1L));
            Decision again = guard.acquire(Signal.withId("h1", true));
            assertThat(again.admitted()).as("the same id is decided afresh after resume").isTrue();
            assertThat(guard.haltSeen()).isNull();
            assertThat(rawAcquire(raw, ns, "r1").get(1)).isEqualTo("OK");
            assertThat(audit(raw, ns).stream().map(e -> e.get("event")).toList())
                    .containsExactly("admit", "halt", "resume", "admit", "admit");
        }
    }

    @WithinOneHour
    @Test
    void theAuditStreamStaysWithinItsBoundUnderARunaway(RedisServer redis) {
        String ns = "audit-runaway";
        try (RespConnection raw = redis.connect()) {
            for (int i = 0; i < 3000; i++) {
                evalsha(raw, "acquire", ns, "0", "0", "0", "0", "", "", "", "", "@who=runaway", "loop", "200");
            }
            long length = (Long) raw.call("XLEN", ns + ":audit");
            // MAXLEN ~ trims whole nodes of the stream (100 entries each by default): at least the bound is kept.
            assertThat(length).isBetween(200L, 300L);
            long hour = Buckets.hour(System.currentTimeMillis());
            assertThat(raw.call("GET", ns + ":hour:" + hour)).isEqualTo("3000");
        }
    }

    /**
     * Two guards on one Redis with a local fallback. B is cut off (its path goes silent) before the halt: it
     * cannot learn of it and admits locally at most its share. A sees the halt on its next call, and once cut off
     * too, obeys the last halt it saw: it admits nothing. When B returns, Redis blocks it at once.
     */
    @WithinOneHour
    @Test
    void aGuardCutOffBeforeTheHaltAdmitsAtMostItsShareAndOneThatSawItAdmitsNothing(RedisServer redis) throws Exception {
        // MTF required: the unconfirmed signals that nudge the guards count nothing.
        TestSettings settings = TestSettings.on(redis).caps(40, 0).mtf(true).policy(FallbackPolicy.LOCAL)
                .decisionTimeout(Duration.ofMillis(150)).heartbeat(Duration.ofMillis(100));
        String ns = settings.namespace();
        try (SilentProxy toA = SilentProxy.to(redis.host(), redis.port());
             SilentProxy toB = SilentProxy.to(redis.host(), redis.port());
             DefaultSniperGuard a = (DefaultSniperGuard) SniperGuards.start(FaultChecks.viaProxy(settings, toA));
             DefaultSniperGuard b = (DefaultSniperGuard) SniperGuards.start(FaultChecks.viaProxy(settings, toB));
             RespConnection raw = redis.connect()) {
            for (int i = 0; i < 4; i++) {
                assertThat(a.acquire(Signal.of(true)).backend()).isEqualTo(Backend.REDIS);
            }
            FaultChecks.await(() -> a.liveGuards() == 2 && b.liveGuards() == 2 && b.hourBudget() > 0, 10_000,
                    "both guards have a share");
            long share = b.hourBudget();

            toB.silenceAll();
            FaultChecks.await(() -> b.acquire(Signal.of(false)).backend() == Backend.LOCAL, 5_000, "B falls back");
            evalsha(raw, "control", ns, "halt", "test", "desk stop", "0");
            Decision seen = a.acquire(Signal.of(true));
            assertThat(seen.reason()).as("A on Redis: blocked at once").isEqualTo(Reason.SNIPER_HALTED);

            // B never heard of the halt: it decides locally within its share, and no further.
            int bAdmitted = 0;
            long until = System.currentTimeMillis() + 6_000;
            while (System.currentTimeMillis() < until && bAdmitted <= share) {
                Decision d = b.acquire(Signal.of(true));
                assertThat(d.backend()).isEqualTo(Backend.LOCAL);
                if (d.admitted()) {
                    bAdmitted++;
                }
                Thread.sleep(5);
            }
            assertThat(bAdmitted).as("B's share was " + share).isLessThanOrEqualTo((int) share);

            toA.silenceAll();
            FaultChecks.await(() -> a.acquire(Signal.of(false)).backend() == Backend.LOCAL, 5_000, "A falls back");
            for (int i = 0; i < 20; i++) {
                Decision d = a.acquire(Signal.of(true));
                assertThat(d.reason()).as("A obeys the last halt it saw").isEqualTo(Reason.SNIPER_HALTED);
                assertThat(d.backend()).isEqualTo(Backend.LOCAL);
                assertThat(d.detail()).isEqualTo("desk stop");
            }

            toB.heal();
            FaultChecks.await(() -> b.reconciled() && b.acquire(Signal.of(false)).reason() == Reason.SNIPER_HALTED, 15_000,
                    "B back on Redis and halted");
            long hour = Buckets.hour(System.currentTimeMillis());
            long books = Long.parseLong(String.valueOf(raw.call("GET", ns + ":hour:" + hour)));
            assertThat(books).as("Redis's books: A's 4 and B's local admissions, credited").isEqualTo(4 + bAdmitted);
            long credited = audit(raw, ns).stream().filter(e -> e.get("event").equals("credit"))
                    .mapToLong(e -> Long.parseLong(e.get("n"))).sum();
            assertThat(credited).as("the audit's credits").isEqualTo(bAdmitted);
            assertThat(audit(raw, ns).stream().filter(e -> e.get("event").equals("credit")).map(e -> e.get("guard")).distinct()
                    .toList()).containsExactly(b.guardId());
        }
    }

}
