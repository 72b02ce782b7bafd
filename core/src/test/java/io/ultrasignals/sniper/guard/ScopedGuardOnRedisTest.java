package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.SniperGuards;
import io.ultrasignals.sniper.config.ScopeSettings;
import io.ultrasignals.sniper.script.Buckets;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.RespConnection;
import io.ultrasignals.sniper.testkit.WithinOneHour;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Layered caps through the guard on a real Redis: the settings' scopes, the blocking layer, the books per layer. */
@ExtendWith(RedisExtension.class)
class ScopedGuardOnRedisTest {

    private static Map<String, ScopeSettings> strategyAndSymbol() {
        Map<String, ScopeSettings> scopes = new LinkedHashMap<>();
        scopes.put("strategy", ScopeSettings.of(2, 0));
        scopes.put("symbol", new ScopeSettings(1, 0, Map.of("BTCUSDT", new ScopeSettings.ValueCaps(2L, null))));
        return scopes;
    }

    @WithinOneHour
    @Test
    void aScopeAtItsCapBlocksWhileTheFleetHasRoomAndNamesItsLayer(RedisServer redis) {
        TestSettings settings = TestSettings.on(redis).caps(6, 0).scopes(strategyAndSymbol());
        try (SniperGuard guard = SniperGuards.start(settings.build()); RespConnection books = redis.connect()) {
            Decision first = guard.acquire(Signal.of(true).scope("strategy", "momentum").scope("symbol", "ETHUSDT"));
            assertThat(first.allowed()).isTrue();
            assertThat(first.backend()).isEqualTo(Backend.REDIS);
            assertThat(first.layer()).isNull();

            Decision eth = guard.acquire(Signal.of(true).scope("symbol", "ETHUSDT").scope("strategy", "meanrev"));
            assertThat(eth.allowed()).as("symbol=ETHUSDT has its cap of 1").isFalse();
            assertThat(eth.reason()).isEqualTo(Reason.SNIPER_HOURLY_CAP);
            assertThat(eth.layer()).isEqualTo("symbol=ETHUSDT");
            assertThat(eth.hourCount()).as("the fleet's count").isEqualTo(1);
            assertThat(eth.retryAfterMillis()).isPositive();

            // BTCUSDT's own cap is 2; the strategy's cap of 2 blocks the third momentum signal first.
            assertThat(guard.acquire(Signal.of(true).scope("symbol", "BTCUSDT").scope("strategy", "momentum")).allowed()).isTrue();
            Decision third = guard.acquire(Signal.of(true).scope("symbol", "BTCUSDT").scope("strategy", "momentum"));
            assertThat(third.layer()).as("declared order: strategy before symbol").isEqualTo("strategy=momentum");
            assertThat(guard.acquire(Signal.of(true).scope("symbol", "BTCUSDT")).allowed()).as("BTCUSDT's override").isTrue();
            assertThat(guard.acquire(Signal.of(true).scope("symbol", "BTCUSDT")).layer()).isEqualTo("symbol=BTCUSDT");

            String ns = settings.namespace();
            long hour = Buckets.hour(System.currentTimeMillis());
            assertThat(books.call("GET", ns + ":hour:" + hour)).isEqualTo("3");
            assertThat(books.call("GET", ns + ":scope:strategy=momentum:hour:" + hour)).isEqualTo("2");
            assertThat(books.call("GET", ns + ":scope:symbol=BTCUSDT:hour:" + hour)).isEqualTo("2");
            assertThat(books.call("GET", ns + ":scope:symbol=ETHUSDT:hour:" + hour)).isEqualTo("1");
            assertThat(books.call("EXISTS", ns + ":scope:strategy=meanrev:hour:" + hour)).as("a block counts nothing").isEqualTo(0L);
        }
    }

    @WithinOneHour
    @Test
    void theFleetAtItsCapBlocksEveryScopeAndASignalWithoutScopesIsDecidedByTheFleet(RedisServer redis) {
        TestSettings settings = TestSettings.on(redis).caps(2, 0).scopes(strategyAndSymbol());
        try (SniperGuard guard = SniperGuards.start(settings.build())) {
            assertThat(guard.acquire(Signal.of(true)).allowed()).isTrue();
            assertThat(guard.acquire(Signal.of(true).scope("account", "A1")).allowed()).as("an undeclared dimension: no cap").isTrue();
            Decision blocked = guard.acquire(Signal.of(true).scope("strategy", "momentum"));
            assertThat(blocked.layer()).isEqualTo(Decision.FLEET);
            Decision plain = guard.acquire(Signal.of(true));
            assertThat(plain.layer()).as("no scopes: the fleet is the only layer").isEqualTo(Decision.FLEET);
        }
    }

    @WithinOneHour
    @Test
    void withRoomKeptForUnseenRunnersTheScopesStillCountAndOnlyTheFleetsBlockSaysSo(RedisServer redis) {
        // fleet_size 3, one guard seen: the call on Redis carries the fleet cap less 2 x 10; its scopes go with it.
        TestSettings settings = TestSettings.on(redis).caps(30, 0).fleetSize(3).scopes(strategyAndSymbol());
        try (SniperGuard guard = SniperGuards.start(settings.build()); RespConnection books = redis.connect()) {
            assertThat(guard.acquire(Signal.of(true).scope("symbol", "ETHUSDT")).allowed()).isTrue();
            Decision eth = guard.acquire(Signal.of(true).scope("symbol", "ETHUSDT"));
            assertThat(eth.allowed()).as("symbol=ETHUSDT has its cap of 1").isFalse();
            assertThat(eth.layer()).isEqualTo("symbol=ETHUSDT");
            assertThat(eth.detail()).as("the scope's own cap, not the room kept").isNull();
            long hour = Buckets.hour(System.currentTimeMillis());
            assertThat(books.call("GET", settings.namespace() + ":scope:symbol=ETHUSDT:hour:" + hour)).isEqualTo("1");

            Decision fleet = null;
            for (int i = 0; i < 10 && (fleet == null || fleet.allowed()); i++) {
                fleet = guard.acquire(Signal.of(true).scope("account", "A" + i));
            }
            assertThat(fleet.allowed()).as("30 less the room kept for 2 unseen runners").isFalse();
            assertThat(fleet.hourCount()).isEqualTo(10);
            assertThat(fleet.layer()).isEqualTo(Decision.FLEET);
            assertThat(fleet.detail()).isEqualTo("the hourly cap less the room kept (20) for 2 runners of the stated fleet not yet seen"
                    + " on Redis (fleet_size)");
        }
    }

    @WithinOneHour
    @Test
    void releaseGivesBackEveryLayer(RedisServer redis) {
        TestSettings settings = TestSettings.on(redis).caps(6, 0).scopes(strategyAndSymbol());
        try (SniperGuard guard = SniperGuards.start(settings.build()); RespConnection books = redis.connect()) {
            assertThat(guard.acquire(Signal.withId("o-1", true).scope("symbol", "ETHUSDT")).allowed()).isTrue();
            assertThat(guard.acquire(Signal.withId("o-2", true).scope("symbol", "ETHUSDT")).layer()).isEqualTo("symbol=ETHUSDT");
            assertThat(guard.release("o-1").released()).isTrue();
            long hour = Buckets.hour(System.currentTimeMillis());
            assertThat(books.call("GET", settings.namespace() + ":scope:symbol=ETHUSDT:hour:" + hour)).isEqualTo("0");
            assertThat(guard.acquire(Signal.withId("o-3", true).scope("symbol", "ETHUSDT")).allowed()).isTrue();
        }
    }
}
