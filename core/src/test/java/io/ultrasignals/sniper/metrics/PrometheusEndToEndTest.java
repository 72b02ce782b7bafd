package io.ultrasignals.sniper.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuards;
import io.ultrasignals.sniper.guard.TestSettings;
import io.ultrasignals.sniper.ops.AlertExpressions;
import io.ultrasignals.sniper.ops.AlertExpressions.AlertRule;
import io.ultrasignals.sniper.ops.DashboardExpressions;
import io.ultrasignals.sniper.ops.DashboardExpressions.PanelQuery;
import io.ultrasignals.sniper.ops.DashboardExpressions.Variables;
import io.ultrasignals.sniper.ops.GrafanaQueries;
import io.ultrasignals.sniper.ops.PromQlOperands;
import io.ultrasignals.sniper.testkit.PrometheusClient;
import io.ultrasignals.sniper.testkit.PrometheusResult;
import io.ultrasignals.sniper.testkit.PrometheusServer;
import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisFleet;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.RepoRoot;
import io.ultrasignals.sniper.testkit.WithinOneHour;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A real guard on a real Redis, scraped by a real Prometheus every second, through every kind of
 * event the dashboard and the alerts show: decisions of every reason, a fallback episode (Redis killed
 * while deciding, then restarted empty, and the local admissions credited back), and a SCRIPT FLUSH.
 * Then, with traffic still flowing, every dashboard query and every alert is sent to Prometheus.
 *
 * <p>Dashboard queries are sent as Grafana sends them and must return data without NaN. An alert's
 * expression is a condition that may rightly be false here (no alert should fire in this run), so it
 * is checked in three ways: the whole expression parses and evaluates to a vector; Prometheus loads and
 * evaluates the rule with health {@code ok}; and every operand of its comparisons and set operators that
 * reads series ({@link PromQlOperands#readingSeries}: for {@code abs(sniper_clock_offset_seconds) > 1},
 * {@code abs(sniper_clock_offset_seconds)}) returns data, so a wrong name or label in an alert cannot pass.
 * Only time-of-day gates such as {@code vector(time() % 3600) >= 300} read no series and are left out.
 */
@ExtendWith(RedisExtension.class)
@WithinOneHour(seconds = 180) // the cap is used up before all tests, and read by the last
class PrometheusEndToEndTest {
    private static final String JOB = "sniper";
    private static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(1);
    /** Hang guard for each wait below; the run itself takes well under a minute. */
    private static final Duration WAIT = Duration.ofSeconds(45);
    private static final int HOURLY_CAP = 5;
    private static final int DAILY_CAP = 8;

    private static RedisServer redis;
    private static MonitoredGuard monitored;
    private static PrometheusServer prometheus;
    private static Variables variables;
    private static String target;
    private static final List<Decision> decisions = new CopyOnWriteArrayList<>();
    private static final AtomicBoolean trafficRunning = new AtomicBoolean();
    private static Thread traffic;

    @BeforeAll
    static void runTheScenario(RedisFleet fleet) throws Exception {
        redis = fleet.startPrivate(RedisBinaries.newest());
        TestSettings test = TestSettings.on(redis).caps(HOURLY_CAP, DAILY_CAP).mtf(true);
        monitored = SniperGuards.startWithMetrics(Scrapes.withEndpoint(test.build()));
        target = "127.0.0.1:" + monitored.endpoint().orElseThrow().getPort();
        prometheus = PrometheusServer.builder().scrape(JOB, target).scrapeInterval(SCRAPE_INTERVAL)
                .ruleFile(RepoRoot.resolve(AlertExpressions.FILE)).start();
        variables = Variables.forScrapeInterval(JOB, target, SCRAPE_INTERVAL, Duration.ofMinutes(5));

        // Redis decides: an admission and an MTF block.
        decide(Signal.of(true));
        decide(Signal.of(false));
        // The daily cap: the hourly cap is checked first and is lower, so the day's count is raised to
        // the cap for one decision and put back.
        String dayKey = test.namespace() + ":day:" + MetricsScrapeTest.redisNowMillis(redis) / 86_400_000L;
        String dayCount = (String) redis.call("GET", dayKey);
        redis.call("SET", dayKey, Integer.toString(DAILY_CAP));
        assertThat(decide(Signal.of(true)).reason()).isEqualTo(Reason.SNIPER_DAILY_CAP);
        redis.call("SET", dayKey, dayCount);
        prometheus.awaitScrapes(2, WAIT);

        // Redis dies while deciding: once Redis must hold this guard's share (its heartbeat lapsed), the
        // local engine admits within that share; until then fallback decisions block.
        redis.kill();
        awaitDecision(d -> d.backend() == Backend.LOCAL && d.admitted(), Signal.of(true));
        decide(Signal.of(true));
        decide(Signal.of(false));
        awaitHealth(h -> h.path("fallback_active").asBoolean() && !h.path("breaker").asText().equals("CLOSED"));
        awaitMoreScrapes(2);

        // Redis is back, empty: the local admissions are credited before Redis decides again. The
        // signals meanwhile are unconfirmed, so the local engine admits no more than the two above.
        redis.restart();
        awaitDecisionBy(Backend.REDIS, Signal.of(false));

        // SCRIPT FLUSH: the next decision sends the script again.
        redis.call("SCRIPT", "FLUSH");
        decide(Signal.of(true));

        // The hourly cap: admit until it blocks.
        awaitDecision(d -> d.reason() == Reason.SNIPER_HOURLY_CAP, Signal.of(true));

        awaitMoreScrapes(2);
        startTraffic();
        // Rates need two samples inside $__rate_interval (four scrapes); five leave a margin.
        awaitMoreScrapes(5);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        trafficRunning.set(false);
        if (traffic != null) {
            traffic.join(WAIT.toMillis());
        }
        if (prometheus != null) {
            prometheus.close();
        }
        if (monitored != null) {
            monitored.close();
        }
    }

    static List<PanelQuery> panelQueries() {
        return DashboardExpressions.raw();
    }

    static List<AlertRule> alertRules() {
        return AlertExpressions.all();
    }

    /** Sent the way Grafana sends it (range or instant query); each must return data, and no NaN. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("panelQueries")
    void everyDashboardQueryReturnsData(PanelQuery raw) {
        GrafanaQueries.assertReturnsData(prometheus, raw, variables, SCRAPE_INTERVAL);
    }

    @Test
    void theDashboardPickersFindTheGuard() {
        GrafanaQueries.assertPickersOffer(prometheus, variables, JOB, target);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("alertRules")
    void everyAlertParsesAndEveryOperandReadingSeriesReturnsData(AlertRule alert) {
        assertThat(prometheus.query(alert.expr()).resultType()).as("%s", alert).isEqualTo("vector");
        List<String> operands = PromQlOperands.readingSeries(alert.expr());
        assertThat(operands).as("operands of %s", alert).isNotEmpty();
        for (String operand : operands) {
            PrometheusResult result = prometheus.query(operand);
            assertThat(result.isEmpty()).as("no data for `%s` of %s", operand, alert.name()).isFalse();
            assertThat(result.values()).as("values of `%s`", operand).noneMatch(v -> v.isNaN());
        }
    }

    @Test
    void prometheusEvaluatesEveryAlertRuleWithoutError() {
        List<PrometheusClient.Rule> rules = prometheus.awaitRuleEvaluations(WAIT);
        assertThat(rules).extracting(PrometheusClient.Rule::name)
                .containsExactlyInAnyOrderElementsOf(alertRules().stream().map(AlertRule::name).toList());
        assertThat(rules).allSatisfy(r -> assertThat(r.health()).as("%s: %s", r.name(), r.lastError()).isEqualTo("ok"));
    }

    /** What Prometheus stored is what happened: the fallback episode, the recovery, the exhausted cap. */
    @Test
    void prometheusSawTheFallbackEpisodeTheRecoveryAndTheExhaustedCap() {
        assertThat(single("max_over_time(sniper_fallback_active[5m])")).isEqualTo(1.0);
        assertThat(single("sniper_fallback_active")).isZero();
        assertThat(single("min_over_time(resilience4j_circuitbreaker_state{name=\"sniper-redis\",state=\"closed\"}[5m])"))
                .as("the breaker was seen open or half-open").isZero();
        assertThat(single("resilience4j_circuitbreaker_state{name=\"sniper-redis\",state=\"closed\"}")).isEqualTo(1.0);
        assertThat(single("sum(sniper_redis_errors_total)")).isPositive();
        long localAdmissions = decisions.stream().filter(d -> d.backend() == Backend.LOCAL && d.admitted()).count();
        assertThat(localAdmissions).isPositive();
        assertThat(single("sniper_reconciled_admissions_total")).isEqualTo((double) localAdmissions);
        assertThat(single("sniper_script_reloads_total")).as("after the restart and after SCRIPT FLUSH").isGreaterThanOrEqualTo(2);
        assertThat(single("sniper_daily_cap_total")).isEqualTo(1.0);
        assertThat(single("sniper_window_count{window=\"hour\"}")).isEqualTo(HOURLY_CAP);
        assertThat(single("sniper_cap_limit{window=\"hour\"}")).isEqualTo(HOURLY_CAP);
        assertThat(single("sum(sniper_signals_admitted_total{backend=\"local\"})")).isEqualTo((double) localAdmissions);
    }

    private static double single(String promql) {
        PrometheusResult result = prometheus.query(promql);
        assertThat(result.values()).as("`%s`", promql).hasSize(1);
        return result.values().get(0);
    }

    private static Decision decide(Signal signal) {
        Decision d = monitored.guard().acquire(signal);
        decisions.add(d);
        return d;
    }

    private static void awaitDecisionBy(Backend backend, Signal signal) {
        awaitDecision(d -> d.backend() == backend, signal);
    }

    /** Decides {@code signal} until a decision matches; Redis recovering takes a few reconnect attempts. */
    private static void awaitDecision(Predicate<Decision> wanted, Signal signal) {
        Decision last = null;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            last = decide(signal);
            if (wanted.test(last)) {
                return;
            }
            pause(20);
        }
        throw new AssertionError("no wanted decision within " + WAIT + "; last: " + last);
    }

    /** Polls /health (deciding meanwhile, so the backend stays current) until {@code wanted} holds. */
    private static void awaitHealth(Predicate<JsonNode> wanted) throws Exception {
        ObjectMapper json = new ObjectMapper();
        awaitTrue(() -> {
            decide(Signal.of(false));
            try {
                return wanted.test(json.readTree(Scrapes.get(monitored.server().orElseThrow().uri("/health")).body()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "health condition");
    }

    /** Waits for {@code n} more successful scrapes than Prometheus has made so far. */
    private static void awaitMoreScrapes(int n) {
        PrometheusResult up = prometheus.query("sum_over_time(up{job=\"" + JOB + "\"}[1h])");
        int done = up.isEmpty() ? 0 : (int) Math.round(up.values().get(0));
        prometheus.awaitScrapes(done + n, WAIT);
    }

    /** Signals keep coming (blocked by now: hourly cap, or MTF) so every rate and quantile has data. */
    private static void startTraffic() {
        trafficRunning.set(true);
        traffic = new Thread(() -> {
            boolean mtf = false;
            while (trafficRunning.get()) {
                decide(Signal.of(mtf = !mtf));
                pause(20);
            }
        }, "e2e-traffic");
        traffic.setDaemon(true);
        traffic.start();
    }

    private static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " not met within " + WAIT);
            }
            pause(50);
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
