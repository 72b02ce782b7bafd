package io.ultrasignals.sniper.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ultrasignals.sniper.LogLines;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.config.SettingsLoader;
import io.ultrasignals.sniper.config.SniperSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** docs/metrics.md, "Several runners on one host": one settings file, a port per runner from its environment. */
@Tag("unit")
class RunnersPerHostTest {
    private static final String SHARED_FILE = String.join("\n", "runtime:", "  sniper_mode:", "    enabled: true",
            "    max_signals_per_hour: 5", "");
    private static final String PORT_VARIABLE = "ULTRA_SIGNALS_SNIPER_AGENT__METRICS__PORT";

    private static SniperSettings runner(Map<String, String> environment) {
        return new SettingsLoader(environment).loadYaml(SHARED_FILE, "settings.yaml");
    }

    private static String scrape(int port) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    @Test
    void eachRunnerServesOnThePortItsEnvironmentGives() throws Exception {
        int alpha = freePort();
        int beta = freePort();
        try (MonitoredGuard a = MonitoredGuard.start(runner(Map.of(PORT_VARIABLE, Integer.toString(alpha))));
             MonitoredGuard b = MonitoredGuard.start(runner(Map.of(PORT_VARIABLE, Integer.toString(beta))))) {
            a.guard().acquire(Signal.of(true));
            assertThat(a.endpoint().orElseThrow().getPort()).isEqualTo(alpha);
            assertThat(b.endpoint().orElseThrow().getPort()).isEqualTo(beta);
            assertThat(scrape(alpha)).contains("sniper_window_count{window=\"hour\"} 1.0");
            assertThat(scrape(beta)).contains("sniper_window_count{window=\"hour\"} 0.0");
        }
    }

    @Test
    void portZeroPicksAFreePortAndLogsIt() throws Exception {
        try (LogLines log = LogLines.of(MetricsServer.class.getName());
             MonitoredGuard a = MonitoredGuard.start(runner(Map.of(PORT_VARIABLE, "0")));
             MonitoredGuard b = MonitoredGuard.start(runner(Map.of(PORT_VARIABLE, "0")))) {
            int pa = a.endpoint().orElseThrow().getPort();
            int pb = b.endpoint().orElseThrow().getPort();
            assertThat(pa).isPositive().isNotEqualTo(pb);
            assertThat(log.lines()).anyMatch(l -> l.contains("127.0.0.1:" + pa + "/metrics"))
                    .anyMatch(l -> l.contains("127.0.0.1:" + pb + "/metrics"));
            scrape(pa);
            scrape(pb);
        }
    }

    @Test
    void aTakenPortIsOneErrorNamingTheAddressAndLeavesNothingRunning() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> MonitoredGuard.start(runner(Map.of(PORT_VARIABLE, Integer.toString(port)))))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("127.0.0.1:" + port)
                    .hasMessageContaining("port 0 picks a free one");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
