package io.ultrasignals.sniper.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.SniperGuards;
import io.ultrasignals.sniper.config.RedisSettings;
import io.ultrasignals.sniper.config.Secret;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.guard.DefaultSniperGuard;
import io.ultrasignals.sniper.guard.TestSettings;
import io.ultrasignals.sniper.ops.AlertExpressions;
import io.ultrasignals.sniper.ops.AlertExpressions.AlertRule;
import io.ultrasignals.sniper.ops.MetricNames;
import io.ultrasignals.sniper.ops.MetricNames.MetricName;
import io.ultrasignals.sniper.ops.PromQlOperands;
import io.ultrasignals.sniper.testkit.Poll;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisFleet;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.WithinOneHour;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A guard on a real Redis makes decisions of every reason; a scrape of its endpoint over HTTP shows
 * every agent series of {@code ops/metric-names.txt} with its listed type and labels, and values that
 * match the decisions the guard returned.
 */
@ExtendWith(RedisExtension.class)
class MetricsScrapeTest {
    private static final int HOURLY_CAP = 3;
    private static final int DAILY_CAP = 5;
    /** Label values must come from fixed sets; an id in a label would grow the series without bound. */
    private static final String SIGNAL_ID = "order-7f3a-must-not-be-a-label";

    @WithinOneHour
    @Test
    void everyListedSeriesIsExportedWithItsTypeAndLabelsAndTheSeedCountersCountBlockedSignals(RedisServer redis) {
        TestSettings test = TestSettings.on(redis).caps(HOURLY_CAP, DAILY_CAP).mtf(true);
        try (MonitoredGuard monitored = SniperGuards.startWithMetrics(Scrapes.withEndpoint(test.build()))) {
            List<Decision> decisions = decideEveryReason(monitored.guard(), redis, test.namespace());
            Exposition scrape = Scrapes.scrape(monitored);

            for (MetricName listed : MetricNames.all()) {
                if (!listed.exportedByAgent()) {
                    continue;
                }
                assertThat(scrape.samples(listed.name())).as("samples of %s", listed.name()).isNotEmpty();
                assertThat(scrape.typeOfSample(listed.name())).as("TYPE of %s", listed.name()).contains(listed.type());
                for (Exposition.Sample sample : scrape.samples(listed.name())) {
                    assertThat(sample.labels()).as("labels of %s", sample).containsKeys(listed.labels().toArray(String[]::new));
                }
            }

            assertThat(scrape.samples()).extracting(Exposition.Sample::name).filteredOn(n -> n.startsWith("sniper_"))
                    .as("sniper series not listed in %s", MetricNames.FILE).allMatch(MetricNames.names()::contains);
            assertThat(scrape.samples("sniper_decision_latency_seconds_bucket")).extracting(s -> s.labels().get("le"))
                    .as("bucket bounds: 50 µs to 1 s, and the latency alert's threshold")
                    .startsWith("5.0E-5").endsWith("1.0", "+Inf").contains(latencyAlertThreshold());

            Map<Reason, Integer> blocked = blockedSignals(decisions);
            assertThat(scrape.value("sniper_hourly_cap_total")).isEqualTo((double) blocked.get(Reason.SNIPER_HOURLY_CAP));
            assertThat(scrape.value("sniper_daily_cap_total")).isEqualTo((double) blocked.get(Reason.SNIPER_DAILY_CAP));
            assertThat(scrape.value("sniper_mtf_required_total")).isEqualTo((double) blocked.get(Reason.SNIPER_MTF_REQUIRED));
            long admitted = decisions.stream().filter(d -> d.admitted() && !d.replayed()).count();
            assertThat(scrape.value("sniper_signals_admitted_total", Map.of("backend", "redis"))).isEqualTo((double) admitted);
            for (Reason reason : List.of(Reason.OK, Reason.SNIPER_MTF_REQUIRED, Reason.SNIPER_HOURLY_CAP, Reason.SNIPER_DAILY_CAP)) {
                for (Backend backend : List.of(Backend.REDIS, Backend.CACHE)) {
                    long all = decisions.stream().filter(d -> d.reason() == reason && d.backend() == backend).count();
                    if (all > 0 || backend == Backend.REDIS) {
                        assertThat(scrape.value("sniper_decisions_total", Map.of("reason", reason.name(), "backend",
                                backend.label()))).as("decisions of %s by %s, replays included", reason, backend)
                                .isEqualTo((double) all);
                    }
                }
            }
            assertThat(scrape.value("sniper_decision_latency_seconds_count")).isEqualTo((double) decisions.size());

            assertThat(scrape.value("sniper_cap_limit", Map.of("window", "hour"))).isEqualTo((double) HOURLY_CAP);
            assertThat(scrape.value("sniper_cap_limit", Map.of("window", "day"))).isEqualTo((double) DAILY_CAP);
            Decision last = decisions.stream().filter(d -> !d.replayed()).reduce((a, b) -> b).orElseThrow();
            assertThat(scrape.value("sniper_window_count", Map.of("window", "hour"))).isEqualTo((double) last.hourCount());
            assertThat(scrape.value("sniper_fallback_active")).isZero();
            assertThat(scrape.value("resilience4j_circuitbreaker_state", Map.of("name", "sniper-redis", "state", "closed")))
                    .isEqualTo(1.0);
            assertThat(scrape.samples()).allSatisfy(s -> assertThat(s.labels().values()).doesNotContain(SIGNAL_ID));
        }
    }

    /** Prometheus asks for OpenMetrics first; it gets it, with the counter's family named without _total. */
    @Test
    void openMetricsWhenAskedAndPrometheusTextOtherwise(RedisServer redis) {
        try (MonitoredGuard monitored = SniperGuards.startWithMetrics(Scrapes.withEndpoint(TestSettings.on(redis).build()))) {
            monitored.guard().acquire(Signal.of(true));
            var uri = monitored.server().orElseThrow().uri("/metrics");

            HttpResponse<String> open = Scrapes.get(uri, Scrapes.PROMETHEUS_ACCEPT);
            assertThat(open.headers().firstValue("Content-Type")).contains(MetricsServer.OPENMETRICS_TEXT);
            assertThat(open.body()).contains("# TYPE sniper_hourly_cap counter\n").contains("\nsniper_hourly_cap_total ")
                    .endsWith("# EOF\n");
            assertThat(Exposition.parse(open.body()).typeOfSample("sniper_hourly_cap_total")).contains("counter");

            HttpResponse<String> text = Scrapes.get(uri);
            assertThat(text.headers().firstValue("Content-Type")).contains(MetricsServer.PROMETHEUS_TEXT);
            assertThat(text.body()).contains("# TYPE sniper_hourly_cap_total counter\n").doesNotContain("# EOF");

            HttpResponse<String> refused = Scrapes.get(uri, "application/openmetrics-text;q=0, text/plain;version=0.0.4");
            assertThat(refused.headers().firstValue("Content-Type")).contains(MetricsServer.PROMETHEUS_TEXT);
        }
    }

    @Test
    void healthReportsBackendBreakerRoundTripAndFleetWithoutSecrets(RedisFleet fleet) throws Exception {
        String password = "s3cret-pw-must-not-leak";
        RedisServer redis = fleet.startPrivate(fleet.binaries().get(0));
        // Set after start: the testkit's start-up PING has no password.
        redis.call("CONFIG", "SET", "requirepass", password);
        SniperSettings base = TestSettings.on(redis).caps(HOURLY_CAP, 0).build();
        SniperSettings withPassword = SniperSettings.builder()
                .redis(RedisSettings.builder().enabled(true).host(redis.host()).port(redis.port()).password(Secret.of(password))
                        .namespace(base.redis().namespace()).decisionTimeout(base.redis().decisionTimeout()).build())
                .sniperMode(base.sniperMode()).build();
        try (MonitoredGuard monitored = SniperGuards.startWithMetrics(Scrapes.withEndpoint(withPassword))) {
            Decision d = monitored.guard().acquire(Signal.withId(SIGNAL_ID, true));
            assertThat(d.backend()).as(d.toString()).isEqualTo(Backend.REDIS);
            JsonNode health = awaitLiveGuards(monitored);

            assertThat(health.path("status").asText()).isEqualTo("ok");
            assertThat(health.path("backend").asText()).isEqualTo("redis");
            assertThat(health.path("fallback_active").asBoolean(true)).isFalse();
            assertThat(health.path("breaker").asText()).isEqualTo("CLOSED");
            assertThat(health.path("last_redis_round_trip_seconds").asDouble()).isPositive();
            assertThat(health.path("last_redis_round_trip_age_seconds").isNumber()).isTrue();
            assertThat(health.path("clock_offset_seconds").isNumber()).isTrue();
            assertThat(health.path("pending_credits").asLong(-1)).isZero();
            assertThat(health.path("hour_count").asLong()).isEqualTo(1);
            assertThat(health.path("hourly_cap").asLong()).isEqualTo(HOURLY_CAP);
            assertThat(health.path("fallback_budget").path("hour").asLong()).isEqualTo(HOURLY_CAP - 1);
            assertThat(health.path("fallback_budget").path("day").isNull()).as("no daily cap, no budget").isTrue();

            String healthText = Scrapes.get(monitored.server().orElseThrow().uri("/health")).body();
            String metricsText = Scrapes.get(monitored.server().orElseThrow().uri("/metrics")).body();
            for (String body : List.of(healthText, metricsText)) {
                assertThat(body).doesNotContain(password).doesNotContain(SIGNAL_ID);
            }
        }
    }

    /** The heartbeat registers the guard in the background; wait (bounded) until health has seen it. */
    private static JsonNode awaitLiveGuards(MonitoredGuard monitored) throws Exception {
        ObjectMapper json = new ObjectMapper();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            HttpResponse<String> response = Scrapes.get(monitored.server().orElseThrow().uri("/health"));
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
            JsonNode health = json.readTree(response.body());
            if (health.path("live_guards").asLong() == 1) {
                return health;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("health never showed one live guard: " + response.body());
            }
            Thread.sleep(50);
        }
    }

    /**
     * MTF first (it is checked first), then the daily cap (with the day key set to the cap, since the hourly
     * cap is checked before the daily one and is the smaller), then the hourly cap, and a replay.
     */
    static List<Decision> decideEveryReason(SniperGuard guard, RedisServer redis, String namespace) {
        List<Decision> decisions = new ArrayList<>();
        decisions.add(guard.acquire(Signal.of(false)));
        decisions.add(guard.acquire(Signal.of(false)));
        String dayKey = namespace + ":day:" + redisNowMillis(redis) / 86_400_000L;
        redis.call("SET", dayKey, Integer.toString(DAILY_CAP));
        decisions.add(guard.acquire(Signal.of(true)));
        redis.call("DEL", dayKey);
        // The DEL frees the day: the guard's memory of the daily block ends when Redis's push arrives.
        Poll.until(Duration.ofSeconds(5), "the daily block forgotten", () -> ((DefaultSniperGuard) guard).cachedBlocks() == 0);
        for (int i = 0; i < HOURLY_CAP + 2; i++) {
            decisions.add(guard.acquire(Signal.of(true)));
        }
        decisions.add(guard.acquire(Signal.withId(SIGNAL_ID, true)));
        Decision replay = guard.acquire(Signal.withId(SIGNAL_ID, true));
        assertThat(replay.replayed()).as(replay.toString()).isTrue();
        decisions.add(replay);
        // Cap blocks after the first come from the guard's memory of Redis's block (backend cache), never an admission.
        assertThat(decisions).extracting(Decision::backend).containsOnly(Backend.REDIS, Backend.CACHE);
        assertThat(decisions).filteredOn(d -> d.backend() == Backend.CACHE)
                .allSatisfy(d -> assertThat(d.reason()).isIn(Reason.SNIPER_HOURLY_CAP, Reason.SNIPER_DAILY_CAP));
        assertThat(decisions).extracting(Decision::reason).contains(Reason.OK, Reason.SNIPER_MTF_REQUIRED,
                Reason.SNIPER_HOURLY_CAP, Reason.SNIPER_DAILY_CAP);
        return decisions;
    }

    /** The number the p99 latency alert compares with, as the histogram's {@code le} label writes it. */
    private static String latencyAlertThreshold() {
        AlertRule alert = AlertExpressions.all().stream().filter(a -> a.name().equals("SniperDecisionLatencyHigh"))
                .findFirst().orElseThrow();
        List<String> operands = PromQlOperands.of(alert.expr());
        return Double.toString(Double.parseDouble(operands.get(operands.size() - 1)));
    }

    /** Blocked signals per reason: replays are the same signal asked again, not another one. */
    private static Map<Reason, Integer> blockedSignals(List<Decision> decisions) {
        Map<Reason, Integer> blocked = new EnumMap<>(Reason.class);
        for (Reason r : Reason.values()) {
            blocked.put(r, 0);
        }
        decisions.stream().filter(d -> !d.replayed() && !d.admitted()).forEach(d -> blocked.merge(d.reason(), 1, Integer::sum));
        return blocked;
    }

    @SuppressWarnings("unchecked")
    static long redisNowMillis(RedisServer redis) {
        List<Object> time = (List<Object>) redis.call("TIME");
        return Long.parseLong((String) time.get(0)) * 1000 + Long.parseLong((String) time.get(1)) / 1000;
    }
}
