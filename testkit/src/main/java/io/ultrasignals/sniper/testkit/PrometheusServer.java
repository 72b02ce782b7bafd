package io.ultrasignals.sniper.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One real Prometheus server on 127.0.0.1 for tests: it scrapes the targets a test names (every second
 * by default), evaluates optional rule files, keeps its data in a temporary directory and answers
 * PromQL through its HTTP API.
 *
 * <pre>{@code
 * try (PrometheusServer prometheus = PrometheusServer.builder().scrape("sniper", "127.0.0.1:" + port).start()) {
 *     prometheus.awaitScrapes(3, Duration.ofSeconds(30));
 *     PrometheusResult result = prometheus.query("sniper_fallback_active");
 * }
 * }</pre>
 *
 * The binary is {@code $SNIPER_PROMETHEUS}, else {@code prometheus} on the PATH (Debian package
 * {@code prometheus}); without one the test is skipped, or failed under {@code CI=true} (see {@link Tools}).
 */
public final class PrometheusServer implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final int START_ATTEMPTS = 3;

    /** One scrape job: Prometheus labels its series {@code job=name} and {@code instance=<target>}. */
    public record ScrapeJob(String name, String metricsPath, List<String> targets) {
        public ScrapeJob {
            targets = List.copyOf(targets);
        }
    }

    private final Path binary;
    private final Path dir;
    private final List<ScrapeJob> jobs;
    private int port;
    private Process process;
    private PrometheusClient client;

    private PrometheusServer(Path binary, Path dir, List<ScrapeJob> jobs) {
        this.binary = binary;
        this.dir = dir;
        this.jobs = List.copyOf(jobs);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Settings of the server to start; each has a default suited to tests. */
    public static final class Builder {
        private Path binary;
        private final List<ScrapeJob> jobs = new ArrayList<>();
        private final List<Path> ruleFiles = new ArrayList<>();
        private Duration scrapeInterval = Duration.ofSeconds(1);
        private Duration evaluationInterval = Duration.ofSeconds(1);

        private Builder() {}

        /** The prometheus binary; default: found by {@link Tools#requireOrSkip}. */
        public Builder binary(Path binary) {
            this.binary = binary;
            return this;
        }

        /** Scrapes {@code /metrics} on each target ({@code host:port}) under job {@code job}. */
        public Builder scrape(String job, String... targets) {
            return scrape(new ScrapeJob(job, "/metrics", List.of(targets)));
        }

        public Builder scrape(ScrapeJob job) {
            if (job.targets().isEmpty()) {
                throw new IllegalArgumentException("scrape job '" + job.name() + "' has no targets; expected host:port");
            }
            jobs.add(job);
            return this;
        }

        /** Default 1 s; also the scrape timeout. */
        public Builder scrapeInterval(Duration interval) {
            this.scrapeInterval = interval;
            return this;
        }

        /** How often rule files are evaluated; default 1 s. */
        public Builder evaluationInterval(Duration interval) {
            this.evaluationInterval = interval;
            return this;
        }

        /** A rules file to load (alerting or recording rules). */
        public Builder ruleFile(Path file) {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("rule file " + file + " does not exist");
            }
            ruleFiles.add(file.toAbsolutePath());
            return this;
        }

        /** Starts the server and returns once {@code /-/ready} answers. */
        public PrometheusServer start() {
            Path bin = binary != null ? binary : Tools.requireOrSkip("prometheus");
            Path dir;
            try {
                dir = Files.createTempDirectory("sniper-prometheus-");
                Files.writeString(dir.resolve("prometheus.yml"), config());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the Prometheus configuration", e);
            }
            PrometheusServer server = new PrometheusServer(bin, dir, jobs);
            server.launch();
            return server;
        }

        /** JSON is valid YAML, and a JSON writer quotes targets and paths correctly. */
        private String config() throws IOException {
            ObjectMapper json = new ObjectMapper();
            ObjectNode root = json.createObjectNode();
            ObjectNode global = root.putObject("global");
            global.put("scrape_interval", duration(scrapeInterval));
            global.put("scrape_timeout", duration(scrapeInterval));
            global.put("evaluation_interval", duration(evaluationInterval));
            ArrayNode rules = root.putArray("rule_files");
            ruleFiles.forEach(f -> rules.add(f.toString()));
            ArrayNode scrapes = root.putArray("scrape_configs");
            for (ScrapeJob job : jobs) {
                ObjectNode scrape = scrapes.addObject();
                scrape.put("job_name", job.name());
                scrape.put("metrics_path", job.metricsPath());
                ArrayNode targets = scrape.putArray("static_configs").addObject().putArray("targets");
                job.targets().forEach(targets::add);
            }
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        }

        private static String duration(Duration d) {
            long millis = d.toMillis();
            if (millis <= 0) {
                throw new IllegalArgumentException("interval " + d + " must be positive");
            }
            return millis % 1000 == 0 ? (millis / 1000) + "s" : millis + "ms";
        }
    }

    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:<port>} */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public PrometheusClient client() {
        return client;
    }

    /** An instant query; throws {@link PrometheusQueryException} if Prometheus rejects the expression. */
    public PrometheusResult query(String promql) {
        return client.query(promql);
    }

    public PrometheusResult queryRange(String promql, Instant start, Instant end, Duration step) {
        return client.queryRange(promql, start, end, step);
    }

    public List<PrometheusClient.Rule> rules() {
        return client.rules();
    }

    /**
     * Waits until every configured target has been scraped successfully at least {@code count} times.
     * Throws with each target's last scrape error if that does not happen within {@code timeout}.
     */
    public void awaitScrapes(int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<String, Double> successes = successfulScrapes();
            boolean all = jobs.stream().allMatch(job -> job.targets().stream()
                    .allMatch(t -> successes.getOrDefault(key(job.name(), t), 0.0) >= count));
            if (all) {
                return;
            }
            if (System.nanoTime() > deadline) {
                String targets = client.activeTargets().stream()
                        .map(t -> t.job() + "/" + t.instance() + " " + t.health()
                                + (t.lastError().isEmpty() ? "" : " (" + t.lastError() + ")"))
                        .collect(Collectors.joining("; "));
                throw new IllegalStateException("targets not scraped successfully " + count + " times within "
                        + timeout + ": successes so far " + successes + "; targets: " + targets);
            }
            sleep(POLL);
        }
    }

    /** Waits until Prometheus has evaluated every loaded rule at least once (health no longer {@code unknown}). */
    public List<PrometheusClient.Rule> awaitRuleEvaluations(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<PrometheusClient.Rule> rules = client.rules();
            if (rules.stream().noneMatch(r -> "unknown".equals(r.health()))) {
                return rules;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("rules not all evaluated within " + timeout + ": " + rules);
            }
            sleep(POLL);
        }
    }

    private Map<String, Double> successfulScrapes() {
        Map<String, Double> byTarget = new TreeMap<>();
        // up is 1 for every successful scrape, so its sum over the server's short life counts them.
        for (PrometheusResult.Series s : client.query("sum_over_time(up[1h])").series()) {
            byTarget.put(key(s.labels().get("job"), s.labels().get("instance")), s.samples().get(0).value());
        }
        return byTarget;
    }

    private static String key(String job, String instance) {
        return job + "/" + instance;
    }

    /** The last lines of the server's log, for failure messages. */
    public String logTail() {
        Path log = dir.resolve("prometheus.log");
        try {
            if (!Files.exists(log)) {
                return "(no log)";
            }
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory; best effort
        }
    }

    /** Starts on a free port; a port taken between probing and binding is retried on another. */
    private void launch() {
        for (int attempt = 1; ; attempt++) {
            port = RedisServer.freePort();
            client = new PrometheusClient(uri());
            List<String> cmd = List.of(binary.toString(),
                    "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port);
            try {
                process = new ProcessBuilder(cmd).redirectErrorStream(true)
                        .redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + binary, e);
            }
            if (awaitReady()) {
                return;
            }
            String log = logTail();
            if (attempt < START_ATTEMPTS && log.contains("address already in use")) {
                continue;
            }
            close();
            throw new IllegalStateException(binary + " did not become ready on port " + port + ": " + log);
        }
    }

    private boolean awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                return false;
            }
            if (client.isReady()) {
                return true;
            }
            sleep(POLL);
        }
        process.destroyForcibly();
        return false;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return "prometheus@" + port;
    }
}
