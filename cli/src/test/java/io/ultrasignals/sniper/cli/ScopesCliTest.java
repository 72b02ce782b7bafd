package io.ultrasignals.sniper.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.cli.CliTest.Result;
import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisClusterTopology;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.WithinOneHour;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * check --scope and status: the layer that blocked, each scope's counts and caps, and without --scope every value of a
 * declared dimension (SCAN; under Cluster on the node owning the namespace's slot).
 */
@ExtendWith(RedisExtension.class)
class ScopesCliTest {
    @TempDir
    Path dir;

    private Path settings(int port) throws Exception {
        Path file = dir.resolve("settings.yaml");
        Files.writeString(file, String.join("\n",
                "redis: {enabled: true, host: 127.0.0.1, port: " + port + ", timeout: 2, namespace: cli-scopes}",
                "runtime:",
                "  sniper_mode:",
                "    enabled: true",
                "    max_signals_per_hour: 6",
                "    daily_signal_cap: 0",
                "    scopes:",
                "      symbol: {max_signals_per_hour: 1, values: {BTCUSDT: {max_signals_per_hour: 2}}}",
                ""));
        return file;
    }

    @WithinOneHour
    @Test
    void checkNamesTheBlockingLayerAndStatusShowsEachScope(RedisServer redis) throws Exception {
        String config = settings(redis.port()).toString();
        assertThat(CliTest.run("check", "--config", config, "--scope", "symbol=ETHUSDT", "--scope", "strategy=momentum").exit())
                .isZero();
        Result blocked = CliTest.run("check", "--config", config, "--scope", "symbol=ETHUSDT", "--json");
        assertThat(blocked.exit()).isEqualTo(1);
        assertThat(blocked.json().get("reason").asText()).isEqualTo("SNIPER_HOURLY_CAP");
        assertThat(blocked.json().get("layer").asText()).isEqualTo("symbol=ETHUSDT");
        assertThat(blocked.json().get("hour_count").asLong()).as("the fleet's").isEqualTo(1);
        Result text = CliTest.run("check", "--config", config, "--scope", "symbol=ETHUSDT");
        assertThat(text.out()).contains("BLOCKED  SNIPER_HOURLY_CAP [symbol=ETHUSDT]");

        Result status = CliTest.run("status", "--config", config, "--json", "--scope", "symbol=ETHUSDT", "--scope",
                "symbol=BTCUSDT", "--scope", "strategy=momentum");
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.json().get("hour_count").asLong()).isEqualTo(1);
        var scopes = status.json().get("scopes");
        assertThat(scopes.get(0).get("scope").asText()).isEqualTo("symbol=ETHUSDT");
        assertThat(scopes.get(0).get("hour_count").asLong()).isEqualTo(1);
        assertThat(scopes.get(0).get("hourly_cap").asLong()).isEqualTo(1);
        assertThat(scopes.get(1).get("hourly_cap").asLong()).as("BTCUSDT's own cap").isEqualTo(2);
        assertThat(scopes.get(1).get("hour_count").asLong()).isZero();
        assertThat(scopes.get(2).get("hour_count").asLong()).as("an undeclared dimension is counted").isEqualTo(1);
        assertThat(scopes.get(2).get("hourly_cap").asLong()).isZero();
        assertThat(CliTest.run("status", "--config", config, "--scope", "symbol=ETHUSDT").out())
                .contains("symbol=ETHUSDT hour 1 of 1, day 1 (no cap)");
    }

    @WithinOneHour
    @Test
    void statusWithoutScopeListsEveryValueOfADeclaredDimensionCutAtMaxValues(RedisServer redis) throws Exception {
        String config = settings(redis.port()).toString();
        for (String symbol : List.of("ETHUSDT", "BTCUSDT", "SOLUSDT", "ADAUSDT")) {
            assertThat(CliTest.run("check", "--config", config, "--scope", "symbol=" + symbol).exit()).isZero();
        }
        assertThat(CliTest.run("check", "--config", config, "--scope", "strategy=momentum").exit()).isZero();
        Result all = CliTest.run("status", "--config", config, "--json");
        assertThat(all.exit()).as(all.err()).isZero();
        assertThat(all.json().get("scopes")).as(all.out()).isNotNull();
        assertThat(all.json().get("scopes").findValuesAsText("scope")).as("the declared dimension's values, not strategy's")
                .containsExactly("symbol=ADAUSDT", "symbol=BTCUSDT", "symbol=ETHUSDT", "symbol=SOLUSDT");
        assertThat(all.json().get("scopes").get(1).get("hourly_cap").asLong()).as("BTCUSDT's own cap").isEqualTo(2);
        assertThat(all.json().get("scopes").get(2).get("hour_count").asLong()).isEqualTo(1);
        assertThat(all.json().get("scopes_cut")).isEmpty();

        Result cut = CliTest.run("status", "--config", config, "--json", "--max-values", "3");
        assertThat(cut.json().get("scopes")).hasSize(3);
        assertThat(cut.json().get("scopes_cut").get(0).asText()).isEqualTo("symbol");
        assertThat(CliTest.run("status", "--config", config, "--max-values", "3").out())
                .contains("symbol=ADAUSDT hour 1 of 1, day 1 (no cap)")
                .contains("symbol       listing cut at 3 values: more were counted today");
        assertThat(CliTest.run("status", "--config", config, "--max-values", "0").exit()).isEqualTo(2);
    }

    @Test
    void underClusterTheValuesAreFoundOnTheNodeOwningTheNamespacesSlot() throws Exception {
        try (RedisClusterTopology cluster = RedisClusterTopology.start(RedisBinaries.newest())) {
            Path file = dir.resolve("cluster.yaml");
            String nodes = String.join(", ", cluster.seedAddresses().stream().map(a -> "\"" + a.host() + ":" + a.port() + "\"").toList());
            Files.writeString(file, String.join("\n",
                    "redis: {enabled: true, timeout: 2, namespace: cli-scopes, cluster: {nodes: [" + nodes + "]}}",
                    "runtime:",
                    "  sniper_mode:",
                    "    enabled: true",
                    "    max_signals_per_hour: 6",
                    "    scopes:",
                    "      symbol: {max_signals_per_hour: 1}",
                    ""));
            String config = file.toString();
            for (String symbol : List.of("ETHUSDT", "BTCUSDT")) {
                Result check = CliTest.run("check", "--config", config, "--scope", "symbol=" + symbol);
                assertThat(check.exit()).as(check.out() + check.err()).isZero();
            }
            Result status = CliTest.run("status", "--config", config, "--json");
            assertThat(status.exit()).as(status.err()).isZero();
            assertThat(status.json().get("namespace").asText()).isEqualTo("{cli-scopes}");
            assertThat(status.json().get("scopes").findValuesAsText("scope")).containsExactly("symbol=BTCUSDT", "symbol=ETHUSDT");
            assertThat(status.json().get("scopes").findValues("hour_count")).allMatch(n -> n.asLong() == 1);
        }
    }

    @Test
    void aBadScopeIsAUsageErrorInOneLine(RedisServer redis) throws Exception {
        String config = settings(redis.port()).toString();
        Result r = CliTest.run("check", "--config", config, "--scope", "symbol");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("sniper: --scope: expected DIMENSION=VALUE (e.g. symbol=BTCUSDT), got \"symbol\"");
        Result twice = CliTest.run("check", "--config", config, "--scope", "symbol=A", "--scope", "symbol=B");
        assertThat(twice.err().strip()).isEqualTo("sniper: --scope: symbol is given twice: one value per dimension");
        Result value = CliTest.run("status", "--config", config, "--scope", "symbol=BTC USDT");
        assertThat(value.exit()).isEqualTo(2);
        assertThat(value.err().strip()).startsWith("sniper: --scope: scope must be <dimension>=<value>");
    }
}
