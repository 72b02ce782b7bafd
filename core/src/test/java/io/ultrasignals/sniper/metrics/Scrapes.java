package io.ultrasignals.sniper.metrics;

import io.ultrasignals.sniper.config.AgentSettings;
import io.ultrasignals.sniper.config.MetricsSettings;
import io.ultrasignals.sniper.config.SniperSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** HTTP requests to a guard's endpoint, and settings that give a guard one on a free loopback port. */
final class Scrapes {
    /** What Prometheus 2.x sends when scraping. */
    static final String PROMETHEUS_ACCEPT =
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                    + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
    /** Only a hang guard: a request that takes this long has failed anyway. */
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

    private Scrapes() {}

    /** {@code settings} with the endpoint enabled on 127.0.0.1 and a free port. */
    static SniperSettings withEndpoint(SniperSettings settings) {
        return SniperSettings.builder().redis(settings.redis()).sniperMode(settings.sniperMode())
                .agent(AgentSettings.builder().metrics(MetricsSettings.builder().port(0).build()).build())
                .build();
    }

    static HttpResponse<String> get(URI uri) {
        return send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build());
    }

    static HttpResponse<String> get(URI uri, String accept) {
        return send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Accept", accept).GET().build());
    }

    static HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("request " + request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** GET /metrics as Prometheus text 0.0.4 (no Accept header), parsed. */
    static Exposition scrape(MonitoredGuard guard) {
        HttpResponse<String> response = get(guard.server().orElseThrow().uri("/metrics"));
        if (response.statusCode() != 200) {
            throw new AssertionError("GET /metrics answered " + response.statusCode() + ": " + response.body());
        }
        return Exposition.parse(response.body());
    }
}
