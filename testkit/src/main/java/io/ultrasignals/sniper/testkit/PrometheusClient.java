package io.ultrasignals.sniper.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Prometheus's HTTP API (/api/v1): instant and range queries, rule and target state. */
public final class PrometheusClient {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http;

    /** {@code base} such as {@code http://127.0.0.1:9090}. */
    public PrometheusClient(URI base) {
        this.base = base;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** An instant query at the server's now; throws {@link PrometheusQueryException} if Prometheus rejects it. */
    public PrometheusResult query(String promql) {
        return parseResult(promql, post("/api/v1/query", Map.of("query", promql), promql));
    }

    /** A range query, as Grafana's time series panels send them. */
    public PrometheusResult queryRange(String promql, Instant start, Instant end, Duration step) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("query", promql);
        form.put("start", seconds(start));
        form.put("end", seconds(end));
        form.put("step", Double.toString(step.toMillis() / 1000.0));
        return parseResult(promql, post("/api/v1/query_range", form, promql));
    }

    /** The state of one loaded rule as {@code /api/v1/rules} reports it. */
    public record Rule(String group, String name, String type, String query, String health, String lastError, String state) {}

    /** Every rule of every loaded rule file. {@code health} is {@code ok}, {@code err} or {@code unknown} (not yet evaluated). */
    public List<Rule> rules() {
        List<Rule> rules = new ArrayList<>();
        for (JsonNode group : get("/api/v1/rules").path("data").path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                rules.add(new Rule(group.path("name").asText(), rule.path("name").asText(), rule.path("type").asText(),
                        rule.path("query").asText(), rule.path("health").asText(), rule.path("lastError").asText(""),
                        rule.path("state").asText("")));
            }
        }
        return rules;
    }

    /** One scrape target; {@code health} is {@code up}, {@code down} or {@code unknown} (not scraped yet). */
    public record Target(String job, String instance, String health, String lastError) {}

    public List<Target> activeTargets() {
        List<Target> targets = new ArrayList<>();
        for (JsonNode target : get("/api/v1/targets").path("data").path("activeTargets")) {
            JsonNode labels = target.path("labels");
            targets.add(new Target(labels.path("job").asText(), labels.path("instance").asText(),
                    target.path("health").asText(), target.path("lastError").asText("")));
        }
        return targets;
    }

    /** True once {@code /-/ready} answers 200: the TSDB is open and the first config loaded. */
    public boolean isReady() {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("/-/ready"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200;
        } catch (IOException notListeningYet) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Prometheus", e);
        }
    }

    private JsonNode get(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).timeout(REQUEST_TIMEOUT).GET().build(), path);
    }

    private JsonNode post(String path, Map<String, String> form, String query) {
        StringBuilder body = new StringBuilder();
        form.forEach((k, v) -> body.append(body.length() == 0 ? "" : "&")
                .append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        return send(request, query);
    }

    /** Sends and unwraps Prometheus's envelope: {@code status} success, or an error naming its type. */
    private JsonNode send(HttpRequest request, String what) {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("Prometheus at " + base + " did not answer " + request.uri().getPath(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while querying Prometheus", e);
        }
        JsonNode envelope;
        try {
            envelope = JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("Prometheus answered " + request.uri().getPath() + " with HTTP "
                    + response.statusCode() + " and no JSON: " + abbreviate(response.body()));
        }
        if (!"success".equals(envelope.path("status").asText())) {
            throw new PrometheusQueryException(what, envelope.path("errorType").asText("unknown"),
                    envelope.path("error").asText(abbreviate(response.body())));
        }
        return envelope;
    }

    private static PrometheusResult parseResult(String promql, JsonNode envelope) {
        JsonNode data = envelope.path("data");
        String type = data.path("resultType").asText();
        JsonNode result = data.path("result");
        List<PrometheusResult.Series> series = new ArrayList<>();
        switch (type) {
            case "vector", "matrix" -> {
                for (JsonNode s : result) {
                    Map<String, String> labels = new LinkedHashMap<>();
                    s.path("metric").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
                    List<PrometheusResult.Sample> samples = new ArrayList<>();
                    if (s.has("value")) {
                        samples.add(sample(s.get("value")));
                    }
                    for (JsonNode point : s.path("values")) {
                        samples.add(sample(point));
                    }
                    series.add(new PrometheusResult.Series(labels, samples));
                }
            }
            case "scalar" -> series.add(new PrometheusResult.Series(Map.of(), List.of(sample(result))));
            case "string" -> series.add(new PrometheusResult.Series(Map.of(), List.of()));
            default -> throw new IllegalStateException("Prometheus answered `" + promql
                    + "` with an unknown result type '" + type + "'");
        }
        List<String> warnings = new ArrayList<>();
        envelope.path("warnings").forEach(w -> warnings.add(w.asText()));
        return new PrometheusResult(type, series, warnings);
    }

    /** A {@code [time, "value"]} pair; values are strings so that NaN and infinities survive JSON. */
    private static PrometheusResult.Sample sample(JsonNode pair) {
        return new PrometheusResult.Sample(pair.get(0).asDouble(), value(pair.get(1).asText()));
    }

    static double value(String text) {
        return switch (text) {
            case "NaN" -> Double.NaN;
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(text);
        };
    }

    private static String seconds(Instant t) {
        return Long.toString(t.getEpochSecond()) + "." + String.format("%03d", t.getNano() / 1_000_000);
    }

    private static String abbreviate(String s) {
        String oneLine = s.strip().replace('\n', ' ');
        return oneLine.length() <= 300 ? oneLine : oneLine.substring(0, 300) + "...";
    }
}
