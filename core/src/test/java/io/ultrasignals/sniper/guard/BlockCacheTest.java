package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.ScopeCap;
import io.ultrasignals.sniper.script.WindowMode;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The cache of cap blocks on hand-given Redis times: when it answers, when it asks Redis, and that it never admits. */
class BlockCacheTest {
    private static final String NS = "ns";
    private static final long T0 = 1_000_000L;
    private static final long RETRY = 60_000L;
    private static final long T = T0 + RETRY;

    private final BlockCache cache = new BlockCache(true, NS);

    private static AcquireArgs signal(String id) {
        return new AcquireArgs(2, 6, false, false, id, null, WindowMode.FIXED);
    }

    private static Decision redisBlock(long at, long retry) {
        return Decision.blockedByCap(Reason.SNIPER_HOURLY_CAP, Backend.REDIS, 2, 2, retry, at, false);
    }

    private void learnBlock() {
        cache.learn(signal(null), redisBlock(T0, RETRY), cache.generation());
    }

    @Test
    void aCapBlockIsAnsweredFromMemoryUntilJustBeforeItsBucketEnds() {
        assertThat(cache.answer(signal(null), T0)).as("nothing learnt yet").isNull();
        learnBlock();
        Decision d = cache.answer(signal(null), T0 + 10);
        assertThat(d.allowed()).isFalse();
        assertThat(d.reason()).isEqualTo(Reason.SNIPER_HOURLY_CAP);
        assertThat(d.backend()).isEqualTo(Backend.CACHE);
        assertThat(d.retryAfterMillis()).as("what Redis would say: until T").isEqualTo(T - (T0 + 10));
        assertThat(d.hourCount()).isEqualTo(2);
        assertThat(cache.answer(signal(null), T - BlockCache.EARLY_MS - 1)).isNotNull();
        assertThat(cache.answer(signal(null), T - BlockCache.EARLY_MS)).as("the new bucket: Redis decides").isNull();
        assertThat(cache.size()).isZero();
    }

    @Test
    void onlyCapBlocksOfRedisOnAFixedWindowAreKept() {
        long g = cache.generation();
        cache.learn(signal(null), Decision.admittedBy(Backend.REDIS, 1, 1, T0, false), g);
        cache.learn(signal(null), Decision.blockedByMtf(Backend.REDIS, 1, 1, T0, false), g);
        cache.learn(signal(null), Decision.blockedByCap(Reason.SNIPER_HOURLY_CAP, Backend.LOCAL, 2, 2, RETRY, T0, false), g);
        cache.learn(signal(null), Decision.blockedByCap(Reason.SNIPER_HOURLY_CAP, Backend.REDIS, 2, 2, RETRY, T0, true), g);
        assertThat(cache.size()).isZero();
        BlockCache sliding = BlockCache.forPolicy(WindowMode.SLIDING, true, NS);
        sliding.learn(signal(null), redisBlock(T0, RETRY), sliding.generation());
        assertThat(sliding.answer(signal(null), T0)).as("a sliding estimate falls with no write: never cached").isNull();
    }

    @Test
    void anMtfCheckStillGoesToRedis() {
        learnBlock();
        AcquireArgs unconfirmed = new AcquireArgs(2, 6, true, false, null, null, WindowMode.FIXED);
        assertThat(cache.answer(unconfirmed, T0)).as("Redis answers MTF before the caps").isNull();
        AcquireArgs confirmed = new AcquireArgs(2, 6, true, true, null, null, WindowMode.FIXED);
        assertThat(cache.answer(confirmed, T0)).isNotNull();
    }

    @Test
    void aWriteThatMayFreeASlotDropsTheLayer() {
        learnBlock();
        cache.invalidateKey(NS + ":op:x");   // not tracked, but even if it were: frees nothing, drops everything (safe)
        assertThat(cache.size()).isZero();
        learnBlock();
        cache.invalidateKey(NS + ":scope:symbol=BTC:USDT:hour:5");
        assertThat(cache.size()).as("another layer's write").isEqualTo(1);
        cache.invalidateKey(NS + ":hour:277");
        assertThat(cache.answer(signal(null), T0)).isNull();
        for (String key : new String[] {NS + ":day:11", NS + ":held", NS + ":policy", NS + ":halt", null}) {
            learnBlock();
            cache.invalidateKey(key);
            assertThat(cache.size()).as("after a write to " + key).isZero();
        }
    }

    @Test
    void scopeKeysNameTheirLayerEvenWithColonsInTheValue() {
        assertThat(cache.layerOfKey(NS + ":scope:symbol=BTC:USDT:hour:5")).isEqualTo("symbol=BTC:USDT");
        assertThat(cache.layerOfKey(NS + ":scope:strategy=m:day:20000")).isEqualTo("strategy=m");
        assertThat(cache.layerOfKey(NS + ":hour:5")).isEqualTo(BlockCache.FLEET);
        assertThat(cache.layerOfKey(NS + ":held")).isNull();
        assertThat(BlockCache.trackedPrefixes(NS)).containsExactly("ns:hour:", "ns:day:", "ns:scope:", "ns:held",
                "ns:policy", "ns:halt");
    }

    @Test
    void aReplyRacingAnInvalidationIsNotKept() {
        long sent = cache.generation();
        cache.invalidateKey(NS + ":hour:277");   // a release ran after the script; its push came before the reply
        cache.learn(signal(null), redisBlock(T0, RETRY), sent);
        assertThat(cache.size()).isZero();
        cache.learn(signal(null), redisBlock(T0, RETRY), cache.generation());
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void aWriteToAnotherLayerDoesNotSpoilAReplyInFlight() {
        AcquireArgs btc = signal(null).withScopes(List.of(new ScopeCap("symbol=BTCUSDT", 1, 0)));
        long sent = cache.generation();
        cache.invalidateKey(NS + ":hour:277");   // an open signal admitted meanwhile: the fleet's count moved
        cache.learn(btc, redisBlock(T0, RETRY).withLayer("symbol=BTCUSDT"), sent);
        assertThat(cache.size()).as("the scope's block: its keys did not move").isEqualTo(1);
        cache.learn(signal(null), redisBlock(T0, RETRY), sent);
        assertThat(cache.size()).as("the fleet's block: its keys moved").isEqualTo(1);
        long later = cache.generation();
        cache.invalidateKey(NS + ":scope:symbol=BTCUSDT:hour:277");
        cache.learn(btc, redisBlock(T0, RETRY).withLayer("symbol=BTCUSDT"), later);
        assertThat(cache.size()).isZero();
        cache.learn(btc, redisBlock(T0, RETRY).withLayer("symbol=BTCUSDT"), cache.generation());
        cache.invalidateKey(NS + ":held");   // every layer
        cache.learn(btc, redisBlock(T0, RETRY).withLayer("symbol=BTCUSDT"), cache.generation() - 1);
        assertThat(cache.size()).isZero();
    }

    @Test
    void anAnsweredHeartbeatDropsEverythingUnlessTrackingProvedCurrentRightAfterIt() {
        learnBlock();
        cache.heartbeatAnswered(true);
        assertThat(cache.size()).as("tracking answered a PING after the beat").isEqualTo(1);
        cache.heartbeatAnswered(false);
        assertThat(cache.size()).as("tracking down, refused or silent: the heartbeat bounds the cache").isZero();
        long sent = cache.generation();
        cache.heartbeatAnswered(false);
        cache.learn(signal(null), redisBlock(T0, RETRY), sent);
        assertThat(cache.size()).as("a reply sent before an unproven beat").isZero();
    }

    @Test
    void trackingStartingAgainDropsEverything() {
        learnBlock();
        assertThat(cache.answer(signal(null), T0 + 1000)).as("Redis away: nothing drops it").isNotNull();
        cache.trackingChanged(true);   // back: writes may have gone unseen
        assertThat(cache.size()).isZero();
    }

    @Test
    void trackingIsWantedWhileAnEntryIsHeldOrABlockCameWhileItWasOff() {
        assertThat(cache.wanted()).as("nothing cached: admitted signals' writes need no pushes").isFalse();
        learnBlock();
        assertThat(cache.wanted()).isTrue();
        cache.invalidateKey(NS + ":hour:277");
        assertThat(cache.wanted()).isFalse();
        learnBlock();
        cache.trackingChanged(false);   // off: writes from now go unseen, so the entry goes
        assertThat(cache.size()).isZero();
        assertThat(cache.wanted()).isFalse();
        learnBlock();
        assertThat(cache.size()).as("tracking off: Redis answers blocks until it is on").isZero();
        assertThat(cache.wanted()).as("a block came: tracking asked for").isTrue();
        assertThat(cache.wanted()).as("asked once").isFalse();
        cache.trackingChanged(true);
        learnBlock();
        assertThat(cache.size()).isEqualTo(1);
        cache.trackingLost();
        assertThat(cache.size()).as("Redis may be away: the entry stays, bounded by the heartbeat").isEqualTo(1);
        cache.invalidateKey(NS + ":hour:277");
        learnBlock();
        assertThat(cache.size()).as("no tracking to be had: kept under the heartbeat's bound").isEqualTo(1);
    }

    @Test
    void anIdBlockedFromMemoryIsReplayedTheSameAtThisGuard() {
        learnBlock();
        Decision first = cache.answer(signal("a"), T0 + 100);
        Decision replay = cache.answer(signal("a"), T0 + 5000);
        assertThat(replay.replayed()).isTrue();
        assertThat(replay.reason()).isEqualTo(first.reason());
        assertThat(replay.retryAfterMillis()).isEqualTo(first.retryAfterMillis());
        assertThat(replay.serverTimeMillis()).isEqualTo(first.serverTimeMillis());
        cache.invalidateKey(NS + ":hour:277");   // a slot freed: new signals ask Redis, the id keeps its answer
        assertThat(cache.answer(signal(null), T0 + 6000)).isNull();
        assertThat(cache.answer(signal("a"), T0 + 6000).allowed()).isFalse();
        assertThat(cache.answer(signal("a"), T - BlockCache.EARLY_MS)).as("as Redis: stored until T").isNull();
    }

    @Test
    void anIdRedisBlockedIsReplayedAsRedisWouldAndAnAdmittedIdAlwaysGoesToRedis() {
        long g = cache.generation();
        cache.learn(signal("blocked"), redisBlock(T0, RETRY), g);
        Decision replay = cache.answer(signal("blocked"), T0 + 10);
        assertThat(replay.replayed()).isTrue();
        assertThat(replay.retryAfterMillis()).as("the stored retry, as Redis replays it").isEqualTo(RETRY);
        cache.learn(signal("admitted"), Decision.admittedBy(Backend.REDIS, 2, 2, T0 - 5, false), g);
        assertThat(cache.answer(signal("admitted"), T0 + 10)).as("its stored admission is Redis's to replay").isNull();
        cache.decidedElsewhere("local", T0);
        assertThat(cache.answer(signal("local"), T0 + 10)).isNull();
        assertThat(cache.answer(signal("new"), T0 + 10).allowed()).isFalse();
    }

    @Test
    void pastTheIdsItCanRememberAnIdGoesToRedisUntilExpiredOnesAreDropped() {
        learnBlock();
        for (int i = 0; i < BlockCache.MAX_IDS; i++) {
            assertThat(cache.answer(signal("id-" + i), T0)).isNotNull();
        }
        assertThat(cache.answer(signal("one-more"), T0 + 1)).as("full: Redis keeps this id's block").isNull();
        assertThat(cache.answer(signal("id-7"), T0 + 2).replayed()).as("a remembered one still replays").isTrue();
        assertThat(cache.answer(signal(null), T0 + 3)).as("signals without an id need no memory").isNotNull();
        cache.learn(signal(null), redisBlock(T, RETRY), cache.generation());   // the next bucket, blocked again
        assertThat(cache.answer(signal("one-more"), T + 10)).as("the old bucket's ids dropped").isNotNull();
    }

    @Test
    void aScopesBlockAnswersOnlySignalsOfThatScopeAndNamesIt() {
        AcquireArgs btc = signal(null).withScopes(List.of(new ScopeCap("symbol=BTCUSDT", 1, 0)));
        AcquireArgs eth = signal(null).withScopes(List.of(new ScopeCap("symbol=ETHUSDT", 1, 0)));
        cache.learn(btc, redisBlock(T0, RETRY).withLayer("symbol=BTCUSDT"), cache.generation());
        Decision d = cache.answer(btc, T0 + 1);
        assertThat(d.layer()).isEqualTo("symbol=BTCUSDT");
        assertThat(d.backend()).isEqualTo(Backend.CACHE);
        assertThat(cache.answer(eth, T0 + 1)).as("another value of the dimension").isNull();
        assertThat(cache.answer(signal(null), T0 + 1)).as("a signal without the scope").isNull();
        cache.invalidateKey(NS + ":hour:277");
        assertThat(cache.answer(btc, T0 + 2)).as("a fleet write leaves the scope's block").isNotNull();
        cache.invalidateKey(NS + ":scope:symbol=BTCUSDT:hour:277");
        assertThat(cache.answer(btc, T0 + 3)).isNull();
        learnBlock();
        assertThat(cache.answer(eth, T0 + 4).layer()).as("the fleet's block covers every scope").isEqualTo("fleet");
    }

    @Test
    void neverAdmitsWhateverHappensInWhateverOrder() {
        Random random = new Random(24);
        long now = T0;
        for (int step = 0; step < 20_000; step++) {
            now += random.nextInt(2000);
            switch (random.nextInt(7)) {
                case 0 -> cache.learn(signal(random.nextBoolean() ? null : "id" + random.nextInt(50)),
                        redisBlock(now, 1 + random.nextInt(120_000)), cache.generation() - random.nextInt(2));
                case 1 -> cache.learn(signal("id" + random.nextInt(50)), Decision.admittedBy(Backend.REDIS, 1, 1, now, false),
                        cache.generation());
                case 2 -> cache.invalidateKey(random.nextBoolean() ? NS + ":hour:1" : NS + ":held");
                case 3 -> cache.heartbeatAnswered(random.nextBoolean());
                case 4 -> cache.trackingChanged(random.nextBoolean());
                default -> {
                    Decision d = cache.answer(signal(random.nextBoolean() ? null : "id" + random.nextInt(50)), now);
                    if (d != null) {
                        assertThat(d.allowed()).isFalse();
                        assertThat(d.admitted()).isFalse();
                        assertThat(d.backend()).isEqualTo(Backend.CACHE);
                        assertThat(d.reason()).isIn(Reason.SNIPER_HOURLY_CAP, Reason.SNIPER_DAILY_CAP);
                    }
                }
            }
        }
    }
}
