package io.ultrasignals.sniper.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.SniperGuards;
import io.ultrasignals.sniper.config.SettingsLoader;
import io.ultrasignals.sniper.script.ScriptCatalog;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.WithinOneHour;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command-line tool, run in-process against a real Redis: outputs and exit codes. */
@ExtendWith(RedisExtension.class)
class CliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {
        JsonNode json() throws Exception {
            return JSON.readTree(out);
        }
    }

    static synchronized Result run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true));
            System.setErr(new PrintStream(e, true));
            int code = SniperCli.run(args);
            return new Result(code, o.toString(), e.toString());
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private Path settings(int port, String namespace, long hourlyCap) throws Exception {
        Path file = dir.resolve("settings.yaml");
        Files.writeString(file, String.join("\n",
                "features: {unrelated: true}",
                "redis:",
                "  enabled: true",
                "  host: 127.0.0.1",
                "  port: " + port,
                "  timeout: 2",
                "  namespace: " + namespace,
                "runtime:",
                "  sniper_mode:",
                "    enabled: true",
                "    mtf_confirm: true",
                "    max_signals_per_hour: " + hourlyCap,
                "    daily_signal_cap: 0",
                ""));
        return file;
    }

    @Test
    void scriptsListsTheManifestShas() throws Exception {
        Result r = run("scripts", "--json");
        assertThat(r.exit()).isZero();
        JsonNode scripts = r.json().get("scripts");
        assertThat(scripts).hasSize(ScriptCatalog.load().all().size());
        assertThat(scripts.get(0).get("sha1").asText()).isEqualTo(ScriptCatalog.load().all().get(0).sha1());
    }

    @WithinOneHour
    @Test
    void checkReleaseStatusAgainstRedis(RedisServer redis) throws Exception {
        Path config = settings(redis.port(), "cli", 1);
        Result first = run("check", "--config", config.toString(), "--id", "a", "--mtf", "--json");
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.json().get("backend").asText()).isEqualTo("redis");
        Result unconfirmed = run("check", "--config", config.toString(), "--json");
        assertThat(unconfirmed.exit()).isEqualTo(1);
        assertThat(unconfirmed.json().get("reason").asText()).isEqualTo("SNIPER_MTF_REQUIRED");
        Result capped = run("check", "--config", config.toString(), "--id", "b", "--mtf");
        assertThat(capped.exit()).isEqualTo(1);
        assertThat(capped.out()).contains("BLOCKED").contains("SNIPER_HOURLY_CAP");
        Result release = run("release", "--config", config.toString(), "--id", "a", "--json");
        assertThat(release.json().get("released").asBoolean()).isTrue();
        Result status = run("status", "--config", config.toString(), "--json");
        assertThat(status.json().get("hour_count").asLong()).isZero();
        assertThat(status.json().get("hourly_cap").asLong()).isEqualTo(1);
        assertThat(status.json().get("namespace").asText()).isEqualTo("cli");
    }

    @Test
    void loadScriptsPutsEveryScriptOnTheServer(RedisServer redis) throws Exception {
        redis.call("SCRIPT", "FLUSH");
        Result r = run("load-scripts", "--config", settings(redis.port(), "cli", 1).toString(), "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.json().get("ok").asBoolean()).isTrue();
        for (var script : ScriptCatalog.load().all()) {
            assertThat(redis.call("SCRIPT", "EXISTS", script.sha1())).isEqualTo(List.of(1L));
        }
    }

    @Test
    void unreachableRedisExitsThree() throws Exception {
        Result r = run("check", "--config", settings(1, "cli", 1).toString());
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.err()).contains("sniper: cannot reach redis 127.0.0.1:1");
    }

    @Test
    void usageAndSettingsErrorsExitTwoWithOneLine() throws Exception {
        Result bogus = run("check", "--bogus");
        assertThat(bogus.exit()).isEqualTo(2);
        assertThat(bogus.err().strip()).isEqualTo("sniper: Unknown option: '--bogus' (see: sniper-cli check --help)");
        assertThat(run("nonsense").exit()).isEqualTo(2);
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "runtime:\n  sniper_mode:\n    max_signals_per_hour: two\n");
        Result r = run("status", "--config", bad.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("sniper: ").contains("max_signals_per_hour").doesNotContain("\n");
    }

    @Test
    void demoOnAConfiguredRedisUsesItsDemoNamespaceAndKeepsTheBooks(RedisServer redis) throws Exception {
        Result r = run("demo", "--json", "--config", settings(redis.port(), "cli", 1).toString(), "--runners", "2",
                "--interval-ms", "40", "--hourly-cap", "12", "--daily-cap", "50", "--redis-seconds", "0",
                "--outage-seconds", "1", "--recovery-seconds", "1");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode out = r.json();
        assertThat(out.get("redis").get("source").asText()).isEqualTo("configured");
        assertThat(out.get("redis").get("address").asText()).isEqualTo("127.0.0.1:" + redis.port());
        assertThat(out.get("books_match").asBoolean()).as(out.toString()).isTrue();
        assertThat(out.get("admitted").asLong()).isEqualTo(out.get("redis_hour_count").asLong()
                - out.get("redis_hour_count_before").asLong());
        assertThat(out.get("admitted").asLong()).isPositive().isLessThanOrEqualTo(out.get("admitted_bound").asLong());
        // Redis decided every signal: itself, or by its cap block repeated from a runner's memory.
        JsonNode cache = out.get("backend_counts").get("cache");
        assertThat(out.get("backend_counts").get("redis").asLong() + (cache == null ? 0 : cache.asLong()))
                .isEqualTo(out.get("signals").asLong());
        assertThat(out.get("outage_admitted").asLong()).isZero();
        long hour = System.currentTimeMillis() / 3_600_000L;
        assertThat(redis.call("GET", "cli:hour:" + hour)).as("the real namespace is untouched").isNull();
    }

    @Test
    void demoRejectsImpossibleOptionsInOneLine() {
        Result r = run("demo", "--runners", "0");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("sniper: demo:").contains("--runners").doesNotContain("\n");
    }

    @Test
    void benchMeasuresAgainstRedisInItsOwnNamespace(RedisServer redis) throws Exception {
        Result r = run("bench", "--config", settings(redis.port(), "cli", 1).toString(), "--seconds", "1", "--threads", "2",
                "--json");
        // A loaded machine can time a decision out (then the fallback decides and bench says so with exit 4).
        assertThat(r.exit()).as(r.err()).isIn(SniperCli.OK, SniperCli.FALLBACK_DECIDED);
        assertThat(r.json().get("measured_fallback").asBoolean()).isEqualTo(r.exit() == SniperCli.FALLBACK_DECIDED);
        assertThat(r.json().get("decisions").asLong()).isPositive();
        assertThat(r.json().get("ping_p50_us").asDouble()).isPositive();
        assertThat(r.json().get("ping_per_second").asLong()).isPositive();
        assertThat(r.json().get("throughput_vs_ping").asDouble()).isPositive();
        long hour = System.currentTimeMillis() / 3_600_000L;
        assertThat(redis.call("GET", "cli:hour:" + hour)).as("the real namespace is untouched").isNull();
        assertThat(keys(redis, "cli*")).as("the throwaway namespace is deleted").isEmpty();
    }

    @Test
    void benchCappedUsesTheCapUpAndBlocksFromMemory(RedisServer redis) throws Exception {
        Result r = run("bench", "--config", settings(redis.port(), "cli", 1).toString(), "--seconds", "1", "--threads", "2",
                "--capped", "--json");
        assertThat(r.exit()).as(r.err()).isIn(SniperCli.OK, SniperCli.FALLBACK_DECIDED);
        assertThat(r.json().get("admitted_while_capped").asLong()).isZero();
        assertThat(r.json().get("decisions").asLong()).isPositive();
        // Not a speed figure: fewer Redis commands than decisions is only possible if blocks come from memory.
        assertThat(r.json().get("redis_commands_per_decision").asDouble()).isLessThan(1.0);
        assertThat(keys(redis, "cli*")).as("the throwaway namespace is deleted").isEmpty();
    }

    @Test
    void benchCappedLongerThanAnHourIsAUsageError(RedisServer redis) throws Exception {
        Result r = run("bench", "--config", settings(redis.port(), "cli", 1).toString(), "--seconds", "4000", "--capped");
        assertThat(r.exit()).isEqualTo(SniperCli.USAGE);
        assertThat(r.err()).contains("--capped runs within one hour: --seconds must be at most 1700, got 4000");
        assertThat(keys(redis, "cli*")).as("nothing written").isEmpty();
    }

    @Test
    void benchSaysSoAndExitsNonZeroWhenTheFallbackDecided(RedisServer redis) throws Exception {
        // Redis refuses every write (OOM under noeviction): every admission falls back, and bench says so.
        Object before = redis.call("CONFIG", "GET", "maxmemory");
        redis.call("CONFIG", "SET", "maxmemory", "1");
        try {
            Result r = run("bench", "--config", settings(redis.port(), "cli", 1).toString(), "--seconds", "1",
                    "--threads", "2", "--ids", "--json");
            assertThat(r.exit()).as(r.err()).isEqualTo(SniperCli.FALLBACK_DECIDED);
            assertThat(r.json().get("measured_fallback").asBoolean()).isTrue();
            assertThat(r.json().get("not_decided_by_redis").asLong()).isPositive();
            assertThat(r.json().get("not_decided_by_redis_by_cause").size()).isPositive();
        } finally {
            redis.call("CONFIG", "SET", "maxmemory", String.valueOf(((List<?>) before).get(1)));
        }
        assertThat(keys(redis, "cli*")).as("the throwaway namespace is deleted").isEmpty();
    }

    @Test
    void everyCommandTakesConfigAndJson() throws Exception {
        CommandLine cli = new CommandLine(new SniperCli());
        assertThat(cli.getSubcommands()).isNotEmpty();
        cli.getSubcommands().forEach((name, sub) -> {
            assertThat(sub.getCommandSpec().findOption("--config")).as(name + " --config").isNotNull();
            assertThat(sub.getCommandSpec().findOption("--json")).as(name + " --json").isNotNull();
        });
        Path config = dir.resolve("local.yaml");
        Files.writeString(config, "runtime:\n  sniper_mode:\n    enabled: true\n");
        Result scripts = run("scripts", "--config", config.toString(), "--json");
        assertThat(scripts.exit()).as(scripts.err()).isZero();
        assertThat(scripts.json().get("scripts").size()).isPositive();
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "runtime:\n  sniper_mode:\n    max_signals_per_hour: two\n");
        assertThat(run("scripts", "--config", bad.toString()).exit()).as("a bad file given to scripts").isEqualTo(2);
    }

    @Test
    void releaseOfNothingExitsOneAndShowsTheCurrentCounts(RedisServer redis) throws Exception {
        Path config = settings(redis.port(), "cli-release", 5);
        assertThat(run("check", "--config", config.toString(), "--id", "kept", "--mtf").exit()).isZero();
        Result unknown = run("release", "--config", config.toString(), "--id", "nosuch");
        assertThat(unknown.exit()).as(unknown.out() + unknown.err()).isEqualTo(1);
        assertThat(unknown.out()).contains("NOT RELEASED").contains("hour=1 day=1");
        Result json = run("release", "--config", config.toString(), "--id", "nosuch", "--json");
        assertThat(json.exit()).isEqualTo(1);
        assertThat(json.json().get("released").asBoolean()).isFalse();
        assertThat(json.json().get("hour_count").asLong()).isEqualTo(1);
        Result released = run("release", "--config", config.toString(), "--id", "kept");
        assertThat(released.exit()).isZero();
        assertThat(released.out()).startsWith("RELEASED").contains("hour=0 day=0");
        Result again = run("release", "--config", config.toString(), "--id", "kept");
        assertThat(again.exit()).as("released before").isEqualTo(1);
    }

    @Test
    void statusShowsTimeToResetAndLiveGuards(RedisServer redis) throws Exception {
        Path config = settings(redis.port(), "cli-status", 5);
        assertThat(run("check", "--config", config.toString(), "--mtf").exit()).isZero();
        Result none = run("status", "--config", config.toString(), "--json");
        assertThat(none.exit()).as(none.err()).isZero();
        JsonNode s = none.json();
        long redisNow = Long.parseLong(String.valueOf(((List<?>) redis.call("TIME")).get(0))) * 1000;
        long hourLeft = 3_600_000L - redisNow % 3_600_000L;
        // Time to the window's end (not the key's TTL, which is two windows): within a few seconds of Redis's own.
        assertThat(s.get("hour_resets_in_ms").asLong()).isBetween(hourLeft - 10_000, hourLeft + 1_000);
        assertThat(s.get("day_resets_in_ms").asLong()).isBetween(1L, 86_400_000L)
                .isGreaterThanOrEqualTo(s.get("hour_resets_in_ms").asLong() - 1_000);
        assertThat(s.has("hour_ttl_ms")).isFalse();
        assertThat(s.get("live_guards").asLong()).as("this command is not counted").isZero();
        assertThat(s.get("hour_count").asLong()).isEqualTo(1);
        try (SniperGuard runner = SniperGuards.start(
                new SettingsLoader(Map.of()).load(config))) {
            Result one = run("status", "--config", config.toString());
            assertThat(one.exit()).as(one.err()).isZero();
            // Neither a key's TTL nor Redis's -2 for a missing key (the clock offset line may well read "-2 ms").
            assertThat(one.out()).contains("hour         1 of 5  resets in ").contains("live guards  1 ")
                    .doesNotContain("ttl").doesNotContain("resets in -");
        }
    }

    @Test
    void aReplayedCheckSaysSoInItsHumanOutput(RedisServer redis) throws Exception {
        Path config = settings(redis.port(), "cli-replay", 5);
        Result first = run("check", "--config", config.toString(), "--id", "r1", "--mtf");
        assertThat(first.out()).doesNotContain("decided before");
        assertThat(run("check", "--config", config.toString(), "--id", "other", "--mtf").exit()).isZero();
        Result replay = run("check", "--config", config.toString(), "--id", "r1", "--mtf");
        assertThat(replay.exit()).isZero();
        assertThat(replay.out()).contains("replayed").contains("id r1 was decided before")
                .contains("counts as they were then").contains("hour=1 day=1");
    }

    @Test
    void unreachableRedisIsOneLineWithinTheConnectTimeoutAndNoFallback() throws Exception {
        // A refused connection is known at once: the command must not wait redis.timeout out (5 s here; the
        // margin is for starting the guard on a loaded machine), nor print the guard's fallback warning first.
        Path config = settings(1, "cli", 1);
        Files.writeString(config, Files.readString(config).replace("  timeout: 2", "  timeout: 5"));
        long start = System.nanoTime();
        Result r = run("check", "--config", config.toString());
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.exit()).isEqualTo(SniperCli.UNREACHABLE);
        assertThat(r.err().strip()).startsWith("sniper: cannot reach redis 127.0.0.1:1").doesNotContain("\n")
                .doesNotContainIgnoringCase("fallback");
        assertThat(r.out()).isEmpty();
        assertThat(millis).as("within redis.timeout").isLessThan(5_000);
    }

    /** Keys matching {@code pattern}, by SCAN. */
    private static List<String> keys(RedisServer redis, String pattern) {
        List<String> found = new ArrayList<>();
        String cursor = "0";
        do {
            List<?> page = (List<?>) redis.call("SCAN", cursor, "MATCH", pattern, "COUNT", "1000");
            cursor = String.valueOf(page.get(0));
            ((List<?>) page.get(1)).forEach(k -> found.add(String.valueOf(k)));
        } while (!cursor.equals("0"));
        return found;
    }
}
