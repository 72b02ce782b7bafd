package io.ultrasignals.sniper.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ultrasignals.sniper.SniperGuards;
import io.ultrasignals.sniper.config.AgentSettings;
import io.ultrasignals.sniper.config.MetricsSettings;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.guard.TestSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The endpoint keeps serving scrapes whatever clients send, and never listens beyond loopback unless told. */
@Tag("unit")
class MetricsServerTest {
    /** Short, so the stalled-client test needs seconds, not the default's. */
    private static final MetricsServer.Limits LIMITS = new MetricsServer.Limits(2, 4, Duration.ofSeconds(1));
    /** Only a hang guard for raw socket reads. */
    private static final int SOCKET_TIMEOUT_MS = 30_000;

    private PrometheusMeterRegistry registry;
    private MetricsServer server;

    @BeforeEach
    void start() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Counter.builder("sniper.hourly.cap").register(registry).increment(3);
        server = MetricsServer.start(MetricsSettings.builder().port(0).build(), registry,
                () -> "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8), LIMITS);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void bindsLoopbackByDefault() {
        assertThat(MetricsSettings.defaults().host()).isEqualTo("127.0.0.1");
        assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
        assertThat(server.address().getPort()).isPositive();
    }

    @Test
    void servesMetricsAndHealthOnGet() {
        HttpResponse<String> metrics = Scrapes.get(server.uri("/metrics"));
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("sniper_hourly_cap_total 3.0");
        HttpResponse<String> health = Scrapes.get(server.uri("/health"));
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(health.body()).isEqualTo("{\"status\":\"ok\"}");
        assertThat(Scrapes.get(server.uri("/metrics?name[]=x")).statusCode()).as("a query string is ignored").isEqualTo(200);
    }

    @Test
    void headAnswersWithoutABody() {
        HttpResponse<String> head = Scrapes.send(HttpRequest.newBuilder(server.uri("/metrics"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Type")).contains(MetricsServer.PROMETHEUS_TEXT);
        assertThat(head.body()).isEmpty();
    }

    @Test
    void otherMethodsGet405NamingTheAllowedOnes() {
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH", "OPTIONS")) {
            for (String path : List.of("/metrics", "/health")) {
                HttpResponse<String> response = Scrapes.send(HttpRequest.newBuilder(server.uri(path))
                        .method(method, HttpRequest.BodyPublishers.ofString("x=1")).build());
                assertThat(response.statusCode()).as("%s %s", method, path).isEqualTo(405);
                assertThat(response.headers().firstValue("Allow")).as("%s %s", method, path).contains("GET, HEAD");
            }
        }
    }

    @Test
    void otherPathsGet404() {
        for (String path : List.of("/", "/metricsx", "/metrics/", "/health/x", "/favicon.ico", "/%2e%2e/metrics")) {
            assertThat(Scrapes.get(server.uri(path)).statusCode()).as("GET %s", path).isEqualTo(404);
        }
    }

    @Test
    void garbageAndHugeHeadersDoNotStopTheEndpoint() throws Exception {
        byte[] garbage = new byte[4096];
        new Random(5).nextBytes(garbage);
        try (Socket s = connect()) {
            s.getOutputStream().write(garbage);
            s.getOutputStream().write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readStatusLineOrClosed(s)).as("answer to garbage").satisfiesAnyOf(
                    line -> assertThat(line).isEqualTo("closed"), line -> assertThat(line).contains(" 400 "));
        }
        try (Socket s = connect()) {
            s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Huge: ".getBytes(StandardCharsets.US_ASCII));
            // Written on another thread: the server may stop reading (and reset) before it is all sent.
            Thread writer = new Thread(() -> writeQuietly(s, 8 << 20));
            writer.start();
            assertThat(readStatusLineOrClosed(s)).as("answer to an 8 MB header").isNotEqualTo("HTTP/1.1 200 OK");
            writer.join(SOCKET_TIMEOUT_MS);
        }
        assertThat(Scrapes.get(server.uri("/metrics")).statusCode()).isEqualTo(200);
    }

    /**
     * More clients than worker threads each send half a request and stop; one connects and sends
     * nothing. Without the exchange deadline the half requests would hold every worker for good and
     * this scrape would never be answered.
     */
    @Test
    void stalledClientsAreCutOffAndDoNotBlockScrapes() throws Exception {
        List<Socket> stalled = new ArrayList<>();
        try (Socket silent = connect()) {
            for (int i = 0; i < LIMITS.threads() + 1; i++) {
                Socket s = connect();
                stalled.add(s);
                s.getOutputStream().write("GET /metr".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
            }
            assertThat(Scrapes.get(server.uri("/metrics")).statusCode()).isEqualTo(200);
            for (Socket s : stalled) {
                assertThat(readStatusLineOrClosed(s)).as("a stalled request is closed").isEqualTo("closed");
            }
            assertThat(silent.isClosed()).isFalse();
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    /** An agent's threads must not keep the runner's JVM alive after its main thread ends. */
    @Test
    void everyThreadTheEndpointStartsIsADaemon() {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (MetricsServer another = MetricsServer.start(MetricsSettings.builder().port(0).build(), registry,
                () -> new byte[0], LIMITS)) {
            assertThat(Scrapes.get(another.uri("/metrics")).statusCode()).isEqualTo(200);
            Set<Thread> started = Thread.getAllStackTraces().keySet().stream().filter(t -> !before.contains(t))
                    .collect(Collectors.toSet());
            assertThat(started).extracting(Thread::getName).anyMatch(n -> n.startsWith("sniper-metrics-http-"));
            assertThat(started).extracting(Thread::getName).anyMatch(n -> n.equals("HTTP-Dispatcher"));
            assertThat(started).as("threads started by the endpoint").allMatch(Thread::isDaemon);
        }
    }

    @Test
    void aTakenPortIsAClearError() {
        int taken = server.address().getPort();
        assertThatThrownBy(() -> MetricsServer.start(MetricsSettings.builder().port(taken).build(), registry,
                () -> new byte[0], LIMITS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("sniper_agent.metrics: cannot listen on 127.0.0.1:" + taken + ": ")
                .hasMessageContaining("port 0 picks a free one");
    }

    /** 192.0.2.1 is TEST-NET-1: never an address of this machine. */
    @Test
    void anAddressThatIsNotThisMachinesIsAClearError() {
        assertThatThrownBy(() -> MetricsServer.start(MetricsSettings.builder().host("192.0.2.1").port(0).build(), registry,
                () -> new byte[0], LIMITS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("sniper_agent.metrics: cannot listen on 192.0.2.1:0: ")
                .hasMessageContaining("expected a free port on a local address");
    }

    @Test
    void closeStopsListening() {
        InetSocketAddress address = server.address();
        server.close();
        assertThatThrownBy(() -> new Socket(address.getAddress(), address.getPort()).close()).isInstanceOf(ConnectException.class);
    }

    @Test
    void aGuardStartedWithMetricsClosesItsEndpointWithIt() {
        MonitoredGuard monitored = SniperGuards.startWithMetrics(Scrapes.withEndpoint(TestSettings.withoutRedis().build()));
        URI metrics = monitored.server().orElseThrow().uri("/metrics");
        InetSocketAddress address = monitored.endpoint().orElseThrow();
        assertThat(Scrapes.get(metrics).statusCode()).isEqualTo(200);
        monitored.guard().close();
        assertThatThrownBy(() -> new Socket(address.getAddress(), address.getPort()).close()).isInstanceOf(ConnectException.class);
    }

    @Test
    void withMetricsDisabledThereIsNoEndpoint() {
        SniperSettings base = TestSettings.withoutRedis().build();
        SniperSettings disabled = SniperSettings.builder().sniperMode(base.sniperMode()).redis(base.redis())
                .agent(AgentSettings.builder().metrics(MetricsSettings.builder().enabled(false).build()).build()).build();
        try (MonitoredGuard monitored = SniperGuards.startWithMetrics(disabled)) {
            assertThat(monitored.endpoint()).isEmpty();
            assertThat(monitored.guard().acquire(io.ultrasignals.sniper.Signal.of(true)).allowed()).isTrue();
            assertThat(monitored.metrics().registry().scrape()).contains("sniper_decisions_total");
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(server.address().getAddress(), server.address().getPort());
        s.setSoTimeout(SOCKET_TIMEOUT_MS);
        return s;
    }

    /** The first line the server sends, or {@code closed} when it closes (or resets) the connection first. */
    private static String readStatusLineOrClosed(Socket s) {
        try {
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
                line.append((char) c);
            }
            return line.length() == 0 ? "closed" : line.toString().strip();
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("the server neither answered nor closed within " + SOCKET_TIMEOUT_MS + " ms", e);
        } catch (IOException reset) {
            return "closed";
        }
    }

    private static void writeQuietly(Socket s, int bytes) {
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) 'a');
        try {
            OutputStream out = s.getOutputStream();
            for (int sent = 0; sent < bytes; sent += chunk.length) {
                out.write(chunk);
            }
            out.write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException serverStoppedReading) {
            // expected: the server refuses a header this size
        }
    }
}
