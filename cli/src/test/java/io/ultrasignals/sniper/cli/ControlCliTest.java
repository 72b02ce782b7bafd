package io.ultrasignals.sniper.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ultrasignals.sniper.cli.CliTest.Result;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.RespConnection;
import io.ultrasignals.sniper.testkit.WithinOneHour;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** policy show/set/clear, halt, resume and audit: what an operator types, against a real Redis. */
@ExtendWith(RedisExtension.class)
class ControlCliTest {
    @TempDir
    Path dir;

    private String settings(int port, String namespace) throws Exception {
        Path file = dir.resolve(namespace + ".yaml");
        Files.writeString(file, String.join("\n",
                // These tests are about the fleet's control, not timeouts: a loaded machine must not send a check
                // to the fallback (once seen at load 15: a check after "policy clear" blocked by the fallback).
                "redis: {enabled: true, host: 127.0.0.1, port: " + port + ", timeout: 2, decision_timeout_ms: 1000, namespace: "
                        + namespace + "}",
                "runtime:",
                "  sniper_mode:",
                "    enabled: true",
                "    max_signals_per_hour: 5",
                "    daily_signal_cap: 0",
                ""));
        return file.toString();
    }

    @WithinOneHour
    @Test
    void aStoredPolicyOverridesACheckWhoseSettingsSayMoreAndClearGivesTheSettingsBack(RedisServer redis) throws Exception {
        String config = settings(redis.port(), "cli-policy");
        Result none = CliTest.run("policy", "show", "--config", config, "--json");
        assertThat(none.exit()).as(none.err()).isZero();
        assertThat(none.json().get("source").asText()).isEqualTo("settings");

        Result set = CliTest.run("policy", "set", "--config", config, "--max-signals-per-hour", "1", "--daily-signal-cap", "0",
                "--scope-cap", "symbol,1,0", "--scope-cap", "symbol=BTCUSDT,2,0", "--who", "alice", "--json");
        assertThat(set.exit()).as(set.err()).isZero();
        assertThat(set.json().get("version").asLong()).isEqualTo(1);
        JsonNode shown = CliTest.run("policy", "show", "--config", config, "--json").json();
        assertThat(shown.get("source").asText()).isEqualTo("redis");
        assertThat(shown.get("max_signals_per_hour").asLong()).isEqualTo(1);
        assertThat(shown.get("scopes").get(1).get("scope").asText()).isEqualTo("symbol=BTCUSDT");
        assertThat(CliTest.run("policy", "show", "--config", config).out()).contains("policy version 1: 1 per hour, 0 per day");

        assertThat(CliTest.run("check", "--config", config).exit()).isZero();
        Result second = CliTest.run("check", "--config", config, "--json");
        assertThat(second.exit()).as("the settings say 5, the policy 1").isEqualTo(1);
        assertThat(second.json().get("reason").asText()).isEqualTo("SNIPER_HOURLY_CAP");

        assertThat(CliTest.run("policy", "clear", "--config", config, "--json").json().get("version").asLong()).isEqualTo(2);
        Result again = CliTest.run("check", "--config", config);
        assertThat(again.exit()).as("settings again: " + again.out() + again.err()).isZero();
    }

    @Test
    void aChangeTrimsTheAuditToTheBoundInTheCliSettings(RedisServer redis) throws Exception {
        String namespace = "cli-bound";
        Path file = Path.of(settings(redis.port(), namespace));
        Files.writeString(file, Files.readString(file) + "    audit: {max_entries: 200}\n");
        try (RespConnection raw = redis.connect()) {
            for (int i = 0; i < 1000; i++) {
                raw.call("XADD", namespace + ":audit", "*", "event", "filler");
            }
            Result halt = CliTest.run("halt", "--config", file.toString(), "--reason", "drill");
            assertThat(halt.exit()).as(halt.err()).isZero();
            long kept = (Long) raw.call("XLEN", namespace + ":audit");
            // MAXLEN ~ trims whole stream nodes (100 entries each): at least the bound, at most a node more.
            assertThat(kept).as("trimmed to the settings' 200, not a fixed 100000").isBetween(200L, 300L);
            assertThat(CliTest.run("resume", "--config", file.toString()).exit()).isZero();
        }
    }

    @Test
    void haltBlocksTheNextCheckWithItsReasonAndResumeLiftsIt(RedisServer redis) throws Exception {
        String config = settings(redis.port(), "cli-halt");
        Result halt = CliTest.run("halt", "--config", config, "--reason", "exchange outage", "--ttl", "30m", "--json");
        assertThat(halt.exit()).as(halt.err()).isZero();
        assertThat(halt.json().get("ttl_ms").asLong()).isEqualTo(1_800_000);
        Result blocked = CliTest.run("check", "--config", config, "--json");
        assertThat(blocked.exit()).isEqualTo(1);
        assertThat(blocked.json().get("reason").asText()).isEqualTo("SNIPER_HALTED");
        assertThat(blocked.json().get("halt_reason").asText()).isEqualTo("exchange outage");
        assertThat(blocked.json().get("retry_after_ms").asLong()).isBetween(1_700_000L, 1_800_000L);
        assertThat(CliTest.run("check", "--config", config).out()).contains("BLOCKED  SNIPER_HALTED \"exchange outage\"");
        JsonNode shown = CliTest.run("policy", "show", "--config", config, "--json").json();
        assertThat(shown.get("halted").asBoolean()).isTrue();
        assertThat(shown.get("halt_reason").asText()).isEqualTo("exchange outage");

        assertThat(CliTest.run("resume", "--config", config, "--json").json().get("was_halted").asBoolean()).isTrue();
        assertThat(CliTest.run("check", "--config", config).exit()).isZero();
        assertThat(CliTest.run("resume", "--config", config).out()).contains("not halted");
    }

    @Test
    void auditListsEveryChangeAndAdmissionWithItsIdentity(RedisServer redis) throws Exception {
        String config = settings(redis.port(), "cli-audit");
        CliTest.run("check", "--config", config, "--id", "sig-1");
        CliTest.run("halt", "--config", config, "--reason", "stop", "--who", "bob");
        CliTest.run("check", "--config", config, "--id", "sig-2");
        CliTest.run("resume", "--config", config, "--who", "bob");
        CliTest.run("release", "--config", config, "--id", "sig-1");
        Result audit = CliTest.run("audit", "--config", config, "--since", "1h", "--json");
        assertThat(audit.exit()).as(audit.err()).isZero();
        List<String> events = new ArrayList<>();
        for (String line : audit.out().strip().split("\n")) {
            JsonNode e = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
            events.add(e.get("event").asText() + ":" + e.get("signal").asText() + ":" + e.get("runner").asText());
            assertThat(e.get("time").asLong()).isPositive();
        }
        assertThat(events).hasSize(4);
        assertThat(events.get(0)).startsWith("admit:sig-1:");
        assertThat(events.get(1)).isEqualTo("halt::bob");
        assertThat(events.get(2)).isEqualTo("resume::bob");
        assertThat(events.get(3)).startsWith("release:sig-1:");
        assertThat(CliTest.run("audit", "--config", config).out()).contains("halt", "\"stop\"", "signal sig-1");
        try (RespConnection c = redis.connect()) {
            assertThat(c.call("XLEN", "cli-audit:audit")).as("XRANGE reads the same stream").isEqualTo(4L);
        }
    }

    @Test
    void badValuesAreRefusedInOneLineBeforeRedisIsAsked(RedisServer redis) throws Exception {
        String config = settings(redis.port(), "cli-bad");
        assertOneLine(CliTest.run("policy", "set", "--config", config, "--max-signals-per-hour", "-1", "--daily-signal-cap", "0"),
                "sniper: --max-signals-per-hour must be an integer 0..1000000000 (0 = no cap), got \"-1\"");
        assertOneLine(CliTest.run("policy", "set", "--config", config, "--max-signals-per-hour", "2", "--daily-signal-cap",
                "1e3"), "sniper: --daily-signal-cap must be an integer 0..1000000000 (0 = no cap), got \"1e3\"");
        assertOneLine(CliTest.run("policy", "set", "--config", config, "--max-signals-per-hour", "2", "--daily-signal-cap", "0",
                "--scope-cap", "Symbol=BTC:1"), "sniper: --scope-cap must be NAME,HOURLY,DAILY with NAME a dimension (symbol) "
                + "or one value (symbol=BTCUSDT), e.g. symbol,1,0; got \"Symbol=BTC:1\"");
        assertOneLine(CliTest.run("halt", "--config", config, "--reason", "x", "--ttl", "30x"),
                "sniper: --ttl must be a duration such as 90s, 30m, 1h or 2d, got \"30x\"");
        assertOneLine(CliTest.run("halt", "--config", config, "--reason", " "), "sniper: --reason must be 1..256 bytes saying why, got 0");
        assertOneLine(CliTest.run("halt", "--config", config, "--reason", "x", "--ttl", "31d"),
                "sniper: --ttl must be between 1ms and 30d, got \"31d\"");
        assertOneLine(CliTest.run("audit", "--config", config, "--since", "yesterday"),
                "sniper: --since must be a duration such as 90s, 30m, 1h or 2d, got \"yesterday\"");
        try (RespConnection c = redis.connect()) {
            assertThat(c.call("EXISTS", "cli-bad:policy", "cli-bad:halt", "cli-bad:audit")).as("nothing written").isEqualTo(0L);
        }
    }

    private static void assertOneLine(Result r, String line) {
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo(line);
    }
}
