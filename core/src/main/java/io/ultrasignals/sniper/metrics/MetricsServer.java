package io.ultrasignals.sniper.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ultrasignals.sniper.config.MetricsSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The scrape endpoint: {@code GET /metrics} (Prometheus text 0.0.4, or OpenMetrics 1.0.0 when the
 * {@code Accept} header asks for it) and {@code GET /health} (JSON). HEAD works on both; other methods
 * get 405, other paths 404. Runs on its own few daemon threads (see {@link ExchangeExecutor}), never on
 * a thread that decides signals, and keeps no JVM alive.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(MetricsServer.class.getName());

    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    private static final String JSON = "application/json";
    private static final String PLAIN = "text/plain; charset=utf-8";

    /**
     * How much the endpoint may take: worker threads, exchanges waiting for one, and the longest one
     * exchange may run (reading a slow request included) before its connection is closed.
     */
    record Limits(int threads, int queue, Duration exchangeDeadline) {
        static final Limits DEFAULT = new Limits(2, 8, Duration.ofSeconds(5));
    }

    private final HttpServer server;
    private final ExchangeExecutor executor;
    private final PrometheusMeterRegistry registry;
    private final Supplier<byte[]> health;

    private MetricsServer(HttpServer server, ExchangeExecutor executor, PrometheusMeterRegistry registry,
                          Supplier<byte[]> health) {
        this.server = server;
        this.executor = executor;
        this.registry = registry;
        this.health = health;
    }

    /**
     * Binds {@code settings.host():settings.port()} (port 0: a free port, logged) and serves
     * {@code registry} and {@code healthJson}. Throws {@link IllegalStateException} naming the address
     * when it cannot bind.
     */
    public static MetricsServer start(MetricsSettings settings, PrometheusMeterRegistry registry, Supplier<byte[]> healthJson) {
        return start(settings, registry, healthJson, Limits.DEFAULT);
    }

    static MetricsServer start(MetricsSettings settings, PrometheusMeterRegistry registry, Supplier<byte[]> healthJson,
                               Limits limits) {
        String where = settings.host() + ":" + settings.port();
        InetSocketAddress address = new InetSocketAddress(settings.host(), settings.port());
        if (address.isUnresolved()) {
            throw new IllegalStateException("sniper_agent.metrics.host: cannot resolve '" + settings.host()
                    + "'; expected a local address such as 127.0.0.1");
        }
        HttpServer http;
        try {
            http = HttpServer.create(address, 16);
        } catch (IOException e) {
            throw new IllegalStateException("sniper_agent.metrics: cannot listen on " + where + ": " + e.getMessage()
                    + "; expected a free port on a local address (port 0 picks a free one)", e);
        }
        ExchangeExecutor executor = new ExchangeExecutor(limits.threads(), limits.queue(), limits.exchangeDeadline());
        MetricsServer server = new MetricsServer(http, executor, registry, healthJson);
        http.setExecutor(executor);
        http.createContext("/", server::handle);
        try {
            startOnDaemonThread(http);
        } catch (RuntimeException e) {
            executor.close();
            throw e;
        }
        LOG.info("sniper: metrics endpoint listening on " + server.uri("/metrics") + " (and /health)");
        return server;
    }

    /** The bound address: the port chosen when the settings said 0. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** {@code http://host:port/path} of this endpoint. */
    public URI uri(String path) {
        String host = address().getAddress().getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + address().getPort() + path);
    }

    /** Stops listening at once and stops the endpoint's threads. Idempotent. */
    @Override
    public void close() {
        server.stop(0);
        executor.close();
    }

    private void handle(HttpExchange exchange) {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            boolean metrics = "/metrics".equals(path);
            if (!metrics && !"/health".equals(path)) {
                send(exchange, 404, PLAIN, "not found: this endpoint serves /metrics and /health\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, PLAIN, "method not allowed: use GET or HEAD\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (metrics) {
                String format = wantsOpenMetrics(exchange.getRequestHeaders().getFirst("Accept")) ? OPENMETRICS_TEXT : PROMETHEUS_TEXT;
                ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
                registry.scrape(body, format);
                send(exchange, 200, format, body.toByteArray());
            } else {
                send(exchange, 200, JSON, health.get());
            }
        } catch (IOException | RuntimeException e) {
            // A client that went away, or a request the server refused: nothing to tell anyone but a debugger.
            LOG.log(Level.FINE, "sniper: metrics endpoint exchange failed", e);
        }
    }

    /** OpenMetrics only when asked by name (Prometheus asks for it first); everything else gets 0.0.4 text. */
    static boolean wantsOpenMetrics(String accept) {
        if (accept == null) {
            return false;
        }
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            if (parts[0].trim().equalsIgnoreCase("application/openmetrics-text") && !refused(parts)) {
                return true;
            }
        }
        return false;
    }

    /** {@code q=0} means "not this one". */
    private static boolean refused(String[] parameters) {
        for (int i = 1; i < parameters.length; i++) {
            String p = parameters[i].trim().replace(" ", "");
            if (p.equals("q=0") || p.matches("q=0\\.0*")) {
                return true;
            }
        }
        return false;
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Threads inherit daemon status from the thread that starts them, the server's dispatcher included. */
    private static void startOnDaemonThread(HttpServer http) {
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        Thread starter = new Thread(() -> {
            try {
                http.start();
            } catch (RuntimeException e) {
                failure.set(e);
            }
        }, "sniper-metrics-start");
        starter.setDaemon(true);
        starter.start();
        try {
            starter.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            http.stop(0);
            throw new IllegalStateException("interrupted while starting the metrics endpoint", e);
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }
}
