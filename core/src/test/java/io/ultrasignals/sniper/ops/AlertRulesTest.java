package io.ultrasignals.sniper.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.ops.AlertExpressions.AlertRule;
import io.ultrasignals.sniper.ops.PromQlSelectors.LabelMatcher;
import io.ultrasignals.sniper.ops.PromQlSelectors.Selector;
import io.ultrasignals.sniper.testkit.RepoRoot;
import io.ultrasignals.sniper.testkit.Tools;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** The alert rules and the scrape config: valid for promtool, unit-tested, and built on the listed metrics. */
class AlertRulesTest {
    private static final Path PROMETHEUS_DIR = RepoRoot.resolve("ops/prometheus");

    private final List<AlertRule> alerts = AlertExpressions.all();

    @Test
    void promtoolAcceptsTheRules() throws Exception {
        assertThat(promtool("check", "rules", "alerts.yml")).contains("SUCCESS: " + alerts.size() + " rules found");
    }

    @Test
    void promtoolUnitTestsOfTheRulesPass() throws Exception {
        assertThat(promtool("test", "rules", "alerts.test.yml")).contains("SUCCESS");
    }

    @Test
    void promtoolAcceptsTheScrapeConfigAndItsRuleFile() throws Exception {
        assertThat(promtool("check", "config", "prometheus.yml"))
                .contains("SUCCESS: 1 rule files found").contains("SUCCESS: " + alerts.size() + " rules found");
    }

    @Test
    void promtoolAcceptsTheFileDiscoveryConfigAndItsTargets() throws Exception {
        assertThat(promtool("check", "config", "prometheus-file-sd.yml"))
                .contains("SUCCESS: 1 rule files found").doesNotContain("FAILED");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theFileDiscoveryExampleListsOneTargetPerRunnerUnderJobSniper() throws IOException {
        Map<String, Object> config = yaml(PROMETHEUS_DIR.resolve("prometheus-file-sd.yml"));
        Map<String, Object> sniper = ((List<Map<String, Object>>) config.get("scrape_configs")).stream()
                .filter(s -> "sniper".equals(s.get("job_name"))).findFirst().orElseThrow();
        List<Map<String, Object>> fileSd = (List<Map<String, Object>>) sniper.get("file_sd_configs");
        assertThat((List<String>) fileSd.get(0).get("files")).containsExactly("targets/*.json");
        // JSON is YAML: the example targets file, one entry per runner, each with its own port and a runner label.
        List<Map<String, Object>> groups = new Yaml().load(
                Files.readString(PROMETHEUS_DIR.resolve("targets/sniper-runners.json")));
        assertThat(groups).hasSizeGreaterThan(1);
        Set<String> targets = new HashSet<>();
        Set<Object> runners = new HashSet<>();
        for (Map<String, Object> group : groups) {
            targets.addAll((List<String>) group.get("targets"));
            runners.add(((Map<String, Object>) group.get("labels")).get("runner"));
        }
        assertThat(targets).hasSize(groups.size()).allMatch(t -> t.matches("127\\.0\\.0\\.1:94[0-9]{2}"));
        assertThat(runners).hasSize(groups.size());
    }

    @Test
    @SuppressWarnings("unchecked")
    void scrapeConfigScrapesTheAgentsDefaultEndpointAsJobSniper() throws IOException {
        Map<String, Object> config = yaml(PROMETHEUS_DIR.resolve("prometheus.yml"));
        assertThat((List<String>) config.get("rule_files")).containsExactly("alerts.yml");
        List<Map<String, Object>> scrapes = (List<Map<String, Object>>) config.get("scrape_configs");
        Map<String, Object> sniper = scrapes.stream().filter(s -> "sniper".equals(s.get("job_name"))).findFirst().orElseThrow();
        assertThat(sniper.get("metrics_path")).isEqualTo("/metrics");
        List<Map<String, Object>> statics = (List<Map<String, Object>>) sniper.get("static_configs");
        assertThat((List<String>) statics.get(0).get("targets")).containsExactly("127.0.0.1:9464");
    }

    @Test
    void everyAlertHasSeveritySummaryAndDescription() {
        assertThat(alerts).extracting(AlertRule::name).containsExactlyInAnyOrder("SniperFallbackActive", "SniperHaltLeftOn",
                "SniperFallbackShareUsedUp",
                "SniperHourlyCapExhaustedEarly", "SniperDailyCapExhaustedEarly", "SniperDecisionLatencyHigh",
                "SniperTargetDown", "SniperClockOffsetLarge");
        for (AlertRule alert : alerts) {
            assertThat(alert.labels()).as("labels of %s", alert.name()).containsKey("severity");
            assertThat(alert.annotations()).as("annotations of %s", alert.name()).containsKeys("summary", "description");
            assertThat(alert.annotations().values()).as("annotations of %s", alert.name()).allMatch(a -> !a.isBlank());
        }
    }

    @Test
    void everyMetricIsListedAndUpIsFilteredToTheSniperJob() {
        Set<String> listed = MetricNames.names();
        for (AlertRule alert : alerts) {
            List<Selector> selectors = PromQlSelectors.of(alert.expr());
            assertThat(selectors).as("%s", alert).isNotEmpty();
            for (Selector selector : selectors) {
                assertThat(listed).as("metric '%s' of %s is listed in %s", selector.metric(), alert.name(), MetricNames.FILE)
                        .contains(selector.metric());
                if (selector.metric().equals("up")) {
                    // up exists for every target Prometheus scrapes; unfiltered, any down target would page here.
                    assertThat(selector.matcher("job")).as("%s", alert).contains(new LabelMatcher("job", "=", "sniper"));
                }
            }
        }
    }

    /** promtool runs only the cases written down, so each alert needs a case where it fires and one where it must not. */
    @Test
    @SuppressWarnings("unchecked")
    void unitTestsCoverEachAlertFiringAndNotFiring() throws IOException {
        Map<String, Object> tests = yaml(PROMETHEUS_DIR.resolve("alerts.test.yml"));
        assertThat((List<String>) tests.get("rule_files")).containsExactly("alerts.yml");
        List<String> fires = new ArrayList<>();
        List<String> silent = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) tests.get("tests")) {
            for (Map<String, Object> c : (List<Map<String, Object>>) group.getOrDefault("alert_rule_test", List.of())) {
                List<Object> expected = (List<Object>) c.get("exp_alerts");
                (expected == null || expected.isEmpty() ? silent : fires).add(String.valueOf(c.get("alertname")));
            }
        }
        for (AlertRule alert : alerts) {
            assertThat(fires).as("a case where %s fires", alert.name()).contains(alert.name());
            assertThat(silent).as("a case where %s does not fire", alert.name()).contains(alert.name());
        }
    }

    private static String promtool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Tools.requireOrSkip("promtool").toString());
        command.addAll(List.of(args));
        // Output to a file, so a hung promtool cannot block the read and the timeout below still applies.
        Path log = Files.createTempFile("promtool-", ".log");
        try {
            Process process = new ProcessBuilder(command).directory(PROMETHEUS_DIR.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("promtool " + String.join(" ", args) + " did not finish in 2 minutes: "
                        + Files.readString(log));
            }
            String output = Files.readString(log);
            assertThat(process.exitValue()).as("promtool %s exit code; output:%n%s", String.join(" ", args), output).isZero();
            return output;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static Map<String, Object> yaml(Path file) throws IOException {
        try (Reader in = Files.newBufferedReader(file)) {
            return new Yaml().load(in);
        }
    }
}
