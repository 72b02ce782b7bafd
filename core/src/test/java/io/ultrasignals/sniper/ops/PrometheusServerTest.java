package io.ultrasignals.sniper.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.ultrasignals.sniper.ops.AlertExpressions.AlertRule;
import io.ultrasignals.sniper.ops.DashboardExpressions.PanelQuery;
import io.ultrasignals.sniper.ops.DashboardExpressions.Variables;
import io.ultrasignals.sniper.testkit.PrometheusClient;
import io.ultrasignals.sniper.testkit.PrometheusQueryException;
import io.ultrasignals.sniper.testkit.PrometheusResult;
import io.ultrasignals.sniper.testkit.PrometheusServer;
import io.ultrasignals.sniper.testkit.RepoRoot;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A real Prometheus scrapes a tiny exporter serving hand-written samples of every listed metric, then
 * evaluates every dashboard query and every alert expression through its HTTP API.
 */
class PrometheusServerTest {
    private static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String JOB = "sniper";

    private static HttpServer exporter;
    private static PrometheusServer prometheus;
    private static Variables variables;
    private static String target;

    @BeforeAll
    static void startExporterAndPrometheus() throws IOException {
        exporter = FakeSniperExporter.start();
        target = "127.0.0.1:" + exporter.getAddress().getPort();
        prometheus = PrometheusServer.builder().scrape(JOB, target).scrapeInterval(SCRAPE_INTERVAL)
                .ruleFile(RepoRoot.resolve(AlertExpressions.FILE)).start();
        // Rates need two samples inside $__rate_interval (4 scrapes); five scrapes leave a margin.
        prometheus.awaitScrapes(5, WAIT);
        variables = Variables.forScrapeInterval(JOB, target, SCRAPE_INTERVAL, Duration.ofMinutes(1));
    }

    @AfterAll
    static void stop() {
        if (prometheus != null) {
            prometheus.close();
        }
        if (exporter != null) {
            exporter.stop(0);
        }
    }

    static List<PanelQuery> panelQueries() {
        return DashboardExpressions.raw();
    }

    static List<AlertRule> alertRules() {
        return AlertExpressions.all();
    }

    @Test
    void theExporterServesEveryListedMetricSoTheQueriesBelowHaveSomethingToFind() {
        Set<String> scraped = prometheus.query("count by (__name__) ({job=\"" + JOB + "\"})").series().stream()
                .map(s -> s.labels().get("__name__")).collect(Collectors.toSet());
        assertThat(scraped).containsAll(MetricNames.names());
    }

    /** Sent the way Grafana sends it (range or instant); each must parse and, with every metric present, return data. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("panelQueries")
    void everyDashboardQueryParsesAndReturnsData(PanelQuery raw) {
        GrafanaQueries.assertReturnsData(prometheus, raw, variables, SCRAPE_INTERVAL);
    }

    /** Grafana's job and instance pickers offer the scraped job and target. */
    @Test
    void everyVariableQueryFindsTheScrapedJobAndInstance() {
        GrafanaQueries.assertPickersOffer(prometheus, variables, JOB, target);
    }

    /** The fake data trips no alert; what matters here is that Prometheus accepts each expression. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("alertRules")
    void everyAlertExpressionParses(AlertRule alert) {
        PrometheusResult result = prometheus.query(alert.expr());
        assertThat(result.resultType()).as("%s", alert).isEqualTo("vector");
    }

    @Test
    void prometheusLoadsAndEvaluatesEveryAlertRuleWithoutError() {
        List<PrometheusClient.Rule> rules = prometheus.awaitRuleEvaluations(WAIT);
        assertThat(rules).extracting(PrometheusClient.Rule::name)
                .containsExactlyInAnyOrderElementsOf(alertRules().stream().map(AlertRule::name).toList());
        for (PrometheusClient.Rule rule : rules) {
            assertThat(rule.health()).as("%s: %s", rule.name(), rule.lastError()).isEqualTo("ok");
        }
    }

    /** The checks above can fail: a broken expression is refused, an unknown metric has no data. */
    @Test
    void aBrokenExpressionIsRefusedAndAnUnknownMetricHasNoData() {
        assertThatThrownBy(() -> prometheus.query("sum(rate(sniper_decisions_total[1m])"))
                .isInstanceOf(PrometheusQueryException.class)
                .satisfies(e -> assertThat(((PrometheusQueryException) e).errorType()).isEqualTo("bad_data"));
        assertThat(prometheus.query("sniper_no_such_metric").isEmpty()).isTrue();
        assertThat(prometheus.query("sniper_cap_limit{window=\"day\"}").values()).containsExactly(6.0);
    }

    /** Serves Prometheus text with the listed names; counters grow on every scrape so rates are non-zero. */
    static final class FakeSniperExporter {
        private static final String TEMPLATE = """
                # TYPE sniper_hourly_cap_total counter
                sniper_hourly_cap_total {n}
                # TYPE sniper_daily_cap_total counter
                sniper_daily_cap_total {n}
                # TYPE sniper_mtf_required_total counter
                sniper_mtf_required_total {n}
                # TYPE sniper_fallback_share_total counter
                sniper_fallback_share_total {n}
                # TYPE sniper_signals_admitted_total counter
                sniper_signals_admitted_total{backend="redis"} {2n}
                # TYPE sniper_cap_blocks_total counter
                sniper_cap_blocks_total{layer="fleet",window="hour"} {n}
                sniper_cap_blocks_total{layer="symbol",window="hour"} {n}
                # TYPE sniper_decisions_total counter
                sniper_decisions_total{backend="redis",outcome="allowed",reason="OK"} {2n}
                sniper_decisions_total{backend="redis",outcome="blocked",reason="SNIPER_HOURLY_CAP"} {n}
                sniper_decisions_total{backend="redis",outcome="blocked",reason="SNIPER_DAILY_CAP"} {n}
                sniper_decisions_total{backend="redis",outcome="blocked",reason="SNIPER_MTF_REQUIRED"} {n}
                sniper_decisions_total{backend="redis",outcome="error",reason="SNIPER_REDIS_DATA"} {n}
                sniper_decisions_total{backend="local",outcome="error",reason="SNIPER_FALLBACK_SHARE"} {n}
                # TYPE sniper_script_reloads_total counter
                sniper_script_reloads_total {n}
                # TYPE sniper_reconciled_admissions_total counter
                sniper_reconciled_admissions_total {n}
                # TYPE sniper_redis_data_losses_total counter
                sniper_redis_data_losses_total {n}
                # TYPE sniper_redis_restored_admissions_total counter
                sniper_redis_restored_admissions_total{window="hour"} {n}
                sniper_redis_restored_admissions_total{window="day"} {n}
                # TYPE sniper_redis_errors_total counter
                sniper_redis_errors_total{kind="timeout"} {n}
                # TYPE sniper_decision_latency_seconds histogram
                sniper_decision_latency_seconds_bucket{le="5.0E-5"} 0
                sniper_decision_latency_seconds_bucket{le="0.001"} {2n}
                sniper_decision_latency_seconds_bucket{le="0.01"} {3n}
                sniper_decision_latency_seconds_bucket{le="1.0"} {3n}
                sniper_decision_latency_seconds_bucket{le="+Inf"} {3n}
                sniper_decision_latency_seconds_count {3n}
                sniper_decision_latency_seconds_sum {n}e-3
                # TYPE sniper_decision_latency_seconds_max gauge
                sniper_decision_latency_seconds_max 0.004
                # TYPE sniper_window_count gauge
                sniper_window_count{window="hour"} 1
                sniper_window_count{window="day"} 3
                # TYPE sniper_cap_limit gauge
                sniper_cap_limit{window="hour"} 2
                sniper_cap_limit{window="day"} 6
                # TYPE sniper_fallback_active gauge
                sniper_fallback_active 0
                # TYPE sniper_fallback_budget gauge
                sniper_fallback_budget{window="hour"} 1
                sniper_fallback_budget{window="day"} 3
                # TYPE sniper_fallback_held gauge
                sniper_fallback_held{window="hour"} 0
                sniper_fallback_held{window="day"} 0
                # TYPE sniper_clock_offset_seconds gauge
                sniper_clock_offset_seconds 0.002
                # TYPE sniper_halted gauge
                sniper_halted 0
                # TYPE sniper_policy_version gauge
                sniper_policy_version 3
                # TYPE sniper_policy_differs gauge
                sniper_policy_differs 1
                # TYPE resilience4j_circuitbreaker_state gauge
                resilience4j_circuitbreaker_state{name="sniper-redis",state="closed"} 1
                resilience4j_circuitbreaker_state{name="sniper-redis",state="open"} 0
                # TYPE resilience4j_circuitbreaker_calls_seconds summary
                resilience4j_circuitbreaker_calls_seconds_count{kind="successful",name="sniper-redis"} {2n}
                resilience4j_circuitbreaker_calls_seconds_count{kind="failed",name="sniper-redis"} {n}
                # TYPE resilience4j_circuitbreaker_failure_rate gauge
                resilience4j_circuitbreaker_failure_rate{name="sniper-redis"} 33.3
                """;

        static HttpServer start() throws IOException {
            AtomicInteger scrapes = new AtomicInteger();
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/metrics", exchange -> {
                int n = scrapes.incrementAndGet();
                byte[] body = TEMPLATE.replace("{2n}", Integer.toString(2 * n)).replace("{3n}", Integer.toString(3 * n))
                        .replace("{n}", Integer.toString(n)).getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
            return server;
        }
    }
}
