package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.config.ScopeSettings;
import io.ultrasignals.sniper.redis.ClockOffset;
import io.ultrasignals.sniper.redis.RedisLink;
import io.ultrasignals.sniper.script.Clock;
import io.ultrasignals.sniper.testkit.Poll;
import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisFleet;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.RepoRoot;
import io.ultrasignals.sniper.testkit.RespConnection;
import io.ultrasignals.sniper.testkit.WithinOneHour;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Cap blocks from memory against real Redis processes: a capped hour costs Redis nothing, a slot freed anywhere in
 * the fleet ends the cached block within the bound (Redis's invalidation push), and a killed Redis changes nothing
 * for a capped layer. Each test uses a private server so that command counts and kills are its own.
 */
@ExtendWith(RedisExtension.class)
class CachedBlocksTest {
    /** With tracking live, a cached block ends when Redis's push arrives: well under this on any machine. */
    private static final Duration BOUND = Duration.ofSeconds(1);
    private static final String NS = "cached";

    private static final class Recorder implements GuardListener {
        final Map<Backend, AtomicInteger> byBackend = new ConcurrentHashMap<>();
        final AtomicInteger changes = new AtomicInteger();

        @Override
        public void onDecision(Decision decision, long nanos) {
            byBackend.computeIfAbsent(decision.backend(), b -> new AtomicInteger()).incrementAndGet();
        }

        @Override
        public void onBackendChange(Backend from, Backend to, String cause) {
            changes.incrementAndGet();
        }

        int of(Backend b) {
            AtomicInteger n = byBackend.get(b);
            return n == null ? 0 : n.get();
        }
    }

    private static SniperRuntime start(TestSettings settings, GuardListener listener) {
        return SniperRuntime.create(settings.build(), listener).start();
    }

    /** EVALSHA calls Redis has run so far (INFO commandstats). */
    private static long evalshaCalls(RedisServer redis) {
        try (RespConnection c = redis.connect()) {
            Matcher m = Pattern.compile("cmdstat_evalsha:calls=(\\d+)").matcher(String.valueOf(c.call("INFO", "commandstats")));
            return m.find() ? Long.parseLong(m.group(1)) : 0;
        }
    }

    /** Whether a client of {@code redis} has tracking on (CLIENT LIST's flag t). */
    private static boolean tracked(RedisServer redis) {
        try (RespConnection c = redis.connect()) {
            return String.valueOf(c.call("CLIENT", "LIST")).contains("flags=t");
        }
    }

    /** Tracking comes on once a block is held (the cache asked for it): the guard says so and Redis agrees. */
    private static void awaitTracking(DefaultSniperGuard guard, RedisServer redis) {
        Poll.until(Duration.ofSeconds(10), "the invalidation connection tracking", () ->
                guard.invalidationsLive() && tracked(redis));
    }

    /** Uses the cap up with ids a1..aN through {@code guard}; the next signal is blocked by Redis, then from memory. */
    private static void capUp(DefaultSniperGuard guard, int cap) {
        for (int i = 1; i <= cap; i++) {
            assertThat(guard.acquire(Signal.withId("a" + i, false)).allowed()).isTrue();
        }
        Decision byRedis = guard.acquire(Signal.of(false));
        assertThat(byRedis.reason()).isEqualTo(Reason.SNIPER_HOURLY_CAP);
        assertThat(byRedis.backend()).isEqualTo(Backend.REDIS);
        awaitCached(guard);
    }

    /**
     * The pushes for the admissions' own writes may come after the block's reply and drop it, and so does tracking
     * coming on (the first block is held under the heartbeat's bound until it does): Redis is asked again.
     */
    private static void awaitCached(DefaultSniperGuard guard) {
        long[] since = {0};
        Poll.until(Duration.ofSeconds(5), "blocks from memory, with tracking on, for 100 ms in a row", () -> {
            Decision d = guard.acquire(Signal.of(false));
            assertThat(d.allowed()).isFalse();
            if (d.backend() != Backend.CACHE || !guard.invalidationsLive()) {
                since[0] = 0;
                return false;
            }
            if (since[0] == 0) {
                since[0] = System.nanoTime();
            }
            return System.nanoTime() - since[0] > 100_000_000L;
        });
    }

    @WithinOneHour
    @Test
    void aCappedHourCostsRedisNothingAndNeverAdmits(RedisFleet fleet) {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest());
        Recorder rec = new Recorder();
        // Heartbeats (EVALSHA too) far apart: every EVALSHA counted below is a decision's.
        try (SniperRuntime rt = start(TestSettings.on(redis).namespace(NS).caps(2, 6).heartbeat(Duration.ofSeconds(30)), rec)) {
            DefaultSniperGuard guard = rt.guard();
            capUp(guard, 2);
            awaitTracking(guard, redis);
            long before = evalshaCalls(redis);
            int asked = 0;
            String fromMemoryId = null;
            for (int i = 0; i < 500; i++) {
                String id = i % 2 == 0 ? null : "b" + i;
                Decision d = guard.acquire(new Signal(id, false));
                assertThat(d.allowed()).isFalse();
                assertThat(d.reason()).isEqualTo(Reason.SNIPER_HOURLY_CAP);
                assertThat(d.retryAfterMillis()).isBetween(1L, 3_600_000L);
                assertThat(d.hourCount()).isEqualTo(2);
                if (d.backend() == Backend.CACHE) {
                    fromMemoryId = fromMemoryId == null && id != null ? id : fromMemoryId;
                } else {
                    assertThat(d.backend()).isEqualTo(Backend.REDIS);
                    asked++;
                }
            }
            // A late push of the cap's own writes may end the entry once more (the next signal asks Redis).
            assertThat(asked).as("blocked signals that went to Redis").isLessThanOrEqualTo(2);
            assertThat(evalshaCalls(redis) - before).as("scripts run for 500 blocked signals").isEqualTo(asked);
            assertThat(rec.changes.get()).as("a block from memory is no change of backend").isZero();
            assertThat(guard.currentBackend()).isEqualTo(Backend.REDIS);
            try (RespConnection c = redis.connect()) {
                assertThat(c.call("EXISTS", NS + ":op:" + fromMemoryId)).as("a block from memory is not stored in Redis")
                        .isEqualTo(0L);
            }
        }
    }

    @WithinOneHour
    @Test
    void aReleaseAtAnotherGuardEndsTheCachedBlockWithinTheBound(RedisFleet fleet) {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest());
        TestSettings settings = TestSettings.on(redis).namespace(NS).caps(2, 0);
        try (SniperRuntime a = start(settings, GuardListener.NONE); SniperRuntime b = start(settings, GuardListener.NONE)) {
            capUp(a.guard(), 2);
            awaitTracking(a.guard(), redis);
            assertThat(a.guard().acquire(Signal.of(false)).backend()).isEqualTo(Backend.CACHE);
            long released = System.nanoTime();
            assertThat(b.guard().release("a1").released()).isTrue();
            Poll.until(BOUND, "the cached block dropped after a release elsewhere", () -> a.guard().cachedBlocks() == 0);
            Decision next = a.guard().acquire(Signal.withId("next", false));
            long tookMs = (System.nanoTime() - released) / 1_000_000;
            assertThat(next.allowed()).as("the freed slot, " + tookMs + " ms after the release").isTrue();
            assertThat(next.backend()).isEqualTo(Backend.REDIS);
            Decision full = a.guard().acquire(Signal.of(false));
            assertThat(full.backend()).isEqualTo(Backend.REDIS);
            assertThat(full.allowed()).isFalse();
            awaitCached(a.guard());
        }
    }

    @WithinOneHour
    @Test
    void aCappedScopeIsBlockedFromMemoryWhileOtherSignalsStillGoToRedis(RedisFleet fleet) {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest());
        TestSettings settings = TestSettings.on(redis).namespace(NS).caps(100, 0)
                .scopes(Map.of("symbol", ScopeSettings.of(1, 0)));
        try (SniperRuntime a = start(settings, GuardListener.NONE); SniperRuntime b = start(settings, GuardListener.NONE)) {
            Signal btc = Signal.withId("btc-1", false).scope("symbol", "BTCUSDT");
            assertThat(a.guard().acquire(btc).allowed()).isTrue();
            Poll.until(Duration.ofSeconds(5), "the scope's block from memory, with tracking on", () -> {
                Decision d = a.guard().acquire(Signal.of(false).scope("symbol", "BTCUSDT"));
                assertThat(d.allowed()).isFalse();
                assertThat(d.layer()).isEqualTo("symbol=BTCUSDT");
                return d.backend() == Backend.CACHE && a.guard().invalidationsLive();
            });
            awaitTracking(a.guard(), redis);
            Decision other = a.guard().acquire(Signal.of(false).scope("symbol", "ETHUSDT"));
            assertThat(other.backend()).as("another symbol").isEqualTo(Backend.REDIS);
            assertThat(other.allowed()).isTrue();
            Decision bare = a.guard().acquire(Signal.of(false));
            assertThat(bare.backend()).as("a signal without the scope").isEqualTo(Backend.REDIS);
            assertThat(bare.allowed()).isTrue();
            assertThat(b.guard().release("btc-1").released()).isTrue();
            Poll.until(BOUND, "the scope's cached block dropped after a release elsewhere", () -> a.guard().cachedBlocks() == 0);
            assertThat(a.guard().acquire(Signal.of(false).scope("symbol", "BTCUSDT")).allowed()).isTrue();
        }
    }

    @WithinOneHour
    @Test
    void aRawEvalshaReleaseEndsTheCachedBlockToo(RedisFleet fleet) throws Exception {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest());
        try (SniperRuntime a = start(TestSettings.on(redis).namespace(NS).caps(2, 0), GuardListener.NONE)) {
            capUp(a.guard(), 2);
            awaitTracking(a.guard(), redis);
            assertThat(a.guard().acquire(Signal.of(false)).backend()).isEqualTo(Backend.CACHE);
            try (RespConnection c = redis.connect()) {
                String sha = String.valueOf(c.call("SCRIPT", "LOAD", Files.readString(RepoRoot.resolve("lua/v1/release.lua"))));
                Object reply = c.call("EVALSHA", sha, "1", NS, "a2");
                assertThat(((List<?>) reply).get(0)).isEqualTo(1L);
            }
            Poll.until(BOUND, "the cached block dropped after a raw release", () -> a.guard().cachedBlocks() == 0);
            assertThat(a.guard().acquire(Signal.of(false)).allowed()).isTrue();
        }
    }

    @WithinOneHour
    @Test
    void aKilledRedisLeavesACappedLayerBlockedFromMemoryWithNoFallback(RedisFleet fleet) throws Exception {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest(), "--appendonly", "yes", "--appendfsync", "always");
        Recorder rec = new Recorder();
        // The heartbeat driven by hand: a beat Redis answers just before the kill, whose PING on the invalidation
        // connection then fails, rightly drops every entry (a push may have been missed), and would race the kill.
        try (SniperRuntime rt = SniperRuntime.onClock(TestSettings.on(redis).namespace(NS).caps(2, 6).build(), rec,
                new ClockOffset(Clock.SYSTEM))) {
            DefaultSniperGuard guard = rt.guard();
            RedisLink link = rt.link().orElseThrow();
            assertThat(link.start().awaitConnected(Duration.ofSeconds(5))).isTrue();
            guard.trackInvalidations(link);
            guard.beatNow();
            capUp(guard, 2);
            awaitTracking(guard, redis);
            redis.kill();
            guard.beatNow(); // not answered: entries stay, since nothing can free a slot on a Redis nobody reaches
            long end = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            int n = 0;
            while (System.nanoTime() < end) {
                Decision d = guard.acquire(n % 3 == 0 ? Signal.withId("k" + n, false) : Signal.of(true));
                assertThat(d.allowed()).as("decision " + n + " with Redis killed").isFalse();
                assertThat(d.backend()).as("decision " + n + " " + d).isEqualTo(Backend.CACHE);
                n++;
                if (n % 64 == 0) {
                    Thread.sleep(1);   // a runaway runner, not one past the ids a guard remembers (BlockCache.MAX_IDS)
                }
            }
            assertThat(n).isGreaterThan(10);
            assertThat(rec.of(Backend.LOCAL) + rec.of(Backend.DENY) + rec.of(Backend.ALLOW)).as("fallback decisions").isZero();
            assertThat(guard.pendingCredits()).as("nothing admitted locally").isZero();
            redis.restart();
            // Back: the invalidation connection starts tracking again and drops what it may have missed.
            Poll.until(Duration.ofSeconds(10), "the cache dropped after Redis came back", () -> guard.cachedBlocks() == 0);
            Poll.until(Duration.ofSeconds(10), "Redis deciding again", () -> {
                guard.beatNow();
                return guard.acquire(Signal.of(false)).backend() == Backend.REDIS;
            });
            assertThat(guard.acquire(Signal.of(false)).reason()).as("the AOF kept the hour's two").isEqualTo(Reason.SNIPER_HOURLY_CAP);
        }
    }

    @WithinOneHour
    @Test
    void anIdBlockedFromMemoryReplaysTheSameHereAndIsDecidedAfreshAtAnotherGuard(RedisFleet fleet) {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest());
        TestSettings settings = TestSettings.on(redis).namespace(NS).caps(2, 0);
        try (SniperRuntime a = start(settings, GuardListener.NONE); SniperRuntime b = start(settings, GuardListener.NONE)) {
            capUp(a.guard(), 2);
            awaitTracking(a.guard(), redis);
            Decision first = a.guard().acquire(Signal.withId("x", false));
            assertThat(first.backend()).isEqualTo(Backend.CACHE);
            Decision replay = a.guard().acquire(Signal.withId("x", false));
            assertThat(replay.replayed()).isTrue();
            assertThat(replay.allowed()).isFalse();
            assertThat(replay.retryAfterMillis()).isEqualTo(first.retryAfterMillis());
            // Another guard: Redis never stored x's block, so it decides x afresh: blocked while the hour is full...
            Decision elsewhere = b.guard().acquire(Signal.withId("x", false));
            assertThat(elsewhere.backend()).isEqualTo(Backend.REDIS);
            assertThat(elsewhere.replayed()).isFalse();
            assertThat(elsewhere.allowed()).isFalse();
            // ... and Redis replays its own stored block of x there from now on; a's memory says the same.
            assertThat(b.guard().acquire(Signal.withId("y", false)).allowed()).isFalse();
            a.guard().release("a1");
            Poll.until(BOUND, "a's cache dropped", () -> a.guard().cachedBlocks() == 0);
            assertThat(a.guard().acquire(Signal.withId("x", false)).allowed()).as("same answer at the same guard until T")
                    .isFalse();
            // An id admitted through a: never answered from memory, its stored admission replays.
            assertThat(a.guard().acquire(Signal.withId("z", false)).allowed()).isTrue();
            assertThat(a.guard().acquire(Signal.of(false)).allowed()).isFalse();
            Decision admittedReplay = a.guard().acquire(Signal.withId("z", false));
            assertThat(admittedReplay.allowed()).isTrue();
            assertThat(admittedReplay.replayed()).isTrue();
            assertThat(admittedReplay.backend()).isEqualTo(Backend.REDIS);
        }
    }

    @WithinOneHour
    @Test
    void admittedSignalsRunWithoutTrackingWhichComesOnWithABlockAndGoesWhenNothingIsHeld(RedisFleet fleet) {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest());
        TestSettings settings = TestSettings.on(redis).namespace(NS).caps(2, 0);
        try (SniperRuntime a = start(settings, GuardListener.NONE); SniperRuntime b = start(settings, GuardListener.NONE)) {
            assertThat(a.guard().acquire(Signal.withId("a1", false)).allowed()).isTrue();
            // Several checks of the invalidation connection (every 200 ms): nothing held, so no pushes for the writes.
            long end = System.nanoTime() + Duration.ofMillis(700).toNanos();
            while (System.nanoTime() < end) {
                assertThat(tracked(redis)).as("tracking with nothing cached").isFalse();
                assertThat(a.guard().invalidationsLive()).isFalse();
            }
            capUp2(a.guard());
            awaitTracking(a.guard(), redis);
            assertThat(b.guard().release("a1").released()).isTrue();
            Poll.until(BOUND, "the cached block dropped after a release elsewhere", () -> a.guard().cachedBlocks() == 0);
            // Nothing held for the idle time: tracking goes off (and Redis stops pushing).
            Poll.until(Duration.ofSeconds(10), "tracking off with nothing held", () ->
                    !a.guard().invalidationsLive() && !tracked(redis));
            assertThat(a.guard().acquire(Signal.withId("a3", false)).allowed()).as("the freed slot").isTrue();
            Decision full = a.guard().acquire(Signal.of(false));
            assertThat(full.backend()).isEqualTo(Backend.REDIS);
            awaitCached(a.guard());
            awaitTracking(a.guard(), redis);
        }
    }

    /** The second admission and the block after it, as {@link #capUp} does after its first. */
    private static void capUp2(DefaultSniperGuard guard) {
        assertThat(guard.acquire(Signal.withId("a2", false)).allowed()).isTrue();
        assertThat(guard.acquire(Signal.of(false)).reason()).isEqualTo(Reason.SNIPER_HOURLY_CAP);
        awaitCached(guard);
    }
}
