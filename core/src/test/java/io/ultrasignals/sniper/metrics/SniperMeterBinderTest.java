package io.ultrasignals.sniper.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.SniperGuards;
import io.ultrasignals.sniper.config.SettingsLoader;
import io.ultrasignals.sniper.config.SniperSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The guard's meters in a host's own registry (a Spring Boot app's, say), beside the guard's own endpoint. */
@Tag("unit")
class SniperMeterBinderTest {
    private static SniperSettings settings(boolean endpoint) {
        return new SettingsLoader(Map.of()).loadYaml(String.join("\n",
                "runtime:", "  sniper_mode:", "    enabled: true", "    mtf_confirm: true", "    max_signals_per_hour: 1",
                "    daily_signal_cap: 5",
                "sniper_agent:", "  metrics:", "    enabled: " + endpoint, "    port: 0", ""), "test.yaml");
    }

    private static void decide(SniperGuard guard) {
        assertThat(guard.acquire(Signal.withId("a", true)).allowed()).isTrue();
        assertThat(guard.acquire(Signal.withId("b", true)).allowed()).isFalse();   // hourly cap
        assertThat(guard.acquire(Signal.withId("c", false)).allowed()).isFalse();  // MTF
    }

    @Test
    void theSeedCountersAndTheRestLandInTheHostRegistry() {
        MeterRegistry host = new SimpleMeterRegistry();
        try (MonitoredGuard monitored = SniperGuards.startWithMetrics(settings(false))) {
            monitored.meterBinder().bindTo(host);
            decide(monitored.guard());
            assertThat(host.get("sniper.hourly.cap").counter().count()).isEqualTo(1);
            assertThat(host.get("sniper.mtf.required").counter().count()).isEqualTo(1);
            assertThat(host.get("sniper.daily.cap").counter().count()).isZero();
            assertThat(host.get("sniper.signals.admitted").counters().stream().mapToDouble(c -> c.count()).sum()).isEqualTo(1);
            assertThat(host.get("sniper.cap.limit").tag("window", "hour").gauge().value()).isEqualTo(1);
            assertThat(host.get("sniper.decision.latency").timer().count()).isEqualTo(3);
            // The guard's own registry still has them: the agent's endpoint keeps working.
            assertThat(monitored.metrics().registry().get("sniper.hourly.cap").counter().count()).isEqualTo(1);
        }
        assertThat(host.find("sniper.hourly.cap").counter()).as("closing the guard takes its meters out").isNull();
    }

    @Test
    void aHostPrometheusRegistryScrapesTheSeedNamesBesideTheGuardsOwnEndpoint() throws Exception {
        PrometheusMeterRegistry host = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (MonitoredGuard monitored = SniperGuards.startWithMetrics(settings(true))) {
            monitored.meterBinder().bindTo(host);
            monitored.meterBinder().bindTo(host); // bound twice (two binder beans, say): still counted once
            decide(monitored.guard());
            String hostScrape = host.scrape();
            assertThat(hostScrape).contains("sniper_hourly_cap_total 1.0").contains("sniper_mtf_required_total 1.0")
                    .contains("sniper_daily_cap_total 0.0").contains("sniper_decision_latency_seconds_bucket")
                    .contains("sniper_window_count{window=\"hour\"} 1.0");
            URI endpoint = monitored.server().orElseThrow().uri("/metrics");
            String own = HttpClient.newHttpClient().send(HttpRequest.newBuilder(endpoint).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(own).contains("sniper_hourly_cap_total 1.0").contains("sniper_mtf_required_total 1.0");
        }
    }
}
