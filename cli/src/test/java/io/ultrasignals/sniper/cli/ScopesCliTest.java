package io.ultrasignals.sniper.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.cli.CliTest.Result;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** check --scope and status --scope: the layer that blocked, and each scope's counts and caps. */
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
