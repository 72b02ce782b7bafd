package io.ultrasignals.sniper.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ultrasignals.sniper.testkit.RepoRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * README's main command, as written: the line marked {@code # main job}. Its build step is what this very
 * build just did, so the test runs what follows the {@code &&} (the packaged jar's demo) from the repository root,
 * with {@code --json} added so that it can read the audit: the bundled Redis, a fleet, an outage, the books.
 */
class ReadmeMainCommandIT {
    @Test
    void theMainJobRunsAsWritten() throws Exception {
        Path root = RepoRoot.path();
        String line = Files.readAllLines(root.resolve("README.md")).stream()
                .filter(l -> l.contains("# main job")).findFirst()
                .orElseThrow(() -> new AssertionError("README.md has no line marked '# main job'"));
        String command = line.substring(0, line.indexOf("# main job")).trim();
        assertThat(command).as("README main command").contains("&&");
        String run = command.substring(command.indexOf("&&") + 2).trim();
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", run + " --json").directory(root.toFile());
        pb.environment().keySet().removeIf(name -> name.startsWith("ULTRA_SIGNALS_") || name.equals("SNIPER_REDIS_SERVER"));
        Path err = Files.createTempFile("sniper-demo", ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("finished").isTrue();
        String progress = Files.readString(err);
        Files.delete(err);
        assertThat(p.exitValue()).as(run + "\n" + out + progress).isZero();
        assertThat(progress).contains("bundled Redis 7.0.15").contains("SIGKILLed").contains("restarted from its AOF")
                .contains("every runner decides on Redis again");
        String[] lines = out.strip().split("\n");
        JsonNode audit = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertThat(audit.get("redis").get("source").asText()).isEqualTo("bundled");
        assertThat(audit.get("redis").get("version").asText()).isEqualTo("7.0.15");
        assertThat(audit.get("runners").asInt()).isGreaterThan(1);
        assertThat(audit.get("books_match").asBoolean()).as(audit.toString()).isTrue();
        // Redis counts the admissions less the slots given back (the orders the exchange refused, released).
        long counted = audit.get("admitted").asLong() - audit.get("released").asLong();
        assertThat(audit.get("released").asLong()).as(audit.toString()).isPositive();
        assertThat(audit.get("redis_hour_count").asLong()).isEqualTo(counted);
        assertThat(counted).as(audit.toString()).isLessThanOrEqualTo(audit.get("admitted_bound").asLong());
        // The cap did its job on Redis before the outage, and the outage line explains the gate.
        assertThat(audit.get("blocked").path("SNIPER_HOURLY_CAP").asLong()).as(audit.toString()).isPositive();
        assertThat(progress).containsPattern("the hourly cap blocked [1-9][0-9]* signals on Redis")
                .contains("local admissions wait until Redis")
                .doesNotContain("\r");
        // A layered cap blocks while the fleet has room: the demo's scoped strategy fills its own cap first.
        assertThat(audit.get("blocked_by_layer").path("fleet").asLong()).as(audit.toString()).isPositive();
        assertThat(audit.get("blocked_by_layer").path(DemoCommand.SCOPE_LAYER).asLong()).as(audit.toString())
                .isPositive();
        assertThat(audit.get("fleet_count_at_first_scope_block").asLong()).as(audit.toString())
                .isLessThan(audit.get("hourly_cap").asLong());
        assertThat(progress).contains("layer " + DemoCommand.SCOPE_LAYER);
        // The operator halts the fleet after the outage, then resumes it; the audit stream journals both.
        assertThat(audit.get("halted").asLong()).as(audit.toString()).isPositive();
        assertThat(progress).contains("the operator halts the fleet").contains("resume: decisions on Redis again");
        JsonNode tail = audit.get("audit_tail");
        assertThat(tail.size()).as(audit.toString()).isBetween(2, 5);
        java.util.List<String> events = new java.util.ArrayList<>();
        tail.forEach(e -> events.add(e.path("event").asText()));
        assertThat(events).as(audit.toString()).contains("halt", "resume");
        assertThat(audit.get("outage_admitted").asLong()).as(audit.toString())
                .isPositive().isLessThanOrEqualTo(audit.get("outage_bound").asLong());
        assertThat(audit.get("backend_counts").get("redis").asLong()).isPositive();
        assertThat(audit.get("backend_counts").get("local").asLong()).isPositive();
        for (String field : new String[] {"hourly_cap", "daily_cap", "redis_hour_count", "outage_admitted", "outage_bound"}) {
            assertThat(audit.has(field)).as(field).isTrue();
        }
    }
}
