package io.ultrasignals.sniper.metrics;

import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.config.MetricsSettings;
import io.ultrasignals.sniper.config.SniperModeSettings;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.guard.SniperRuntime;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * A started guard with its metrics and, when {@code sniper_agent.metrics.enabled}, the scrape endpoint.
 * Closing it (or the guard) closes the endpoint too.
 *
 * <pre>{@code
 * try (MonitoredGuard monitored = MonitoredGuard.start(settings)) {
 *     SniperGuard guard = monitored.guard();
 *     monitored.endpoint().ifPresent(a -> System.out.println("scrape http://" + a.getHostString() + ":" + a.getPort() + "/metrics"));
 * }
 * }</pre>
 */
public final class MonitoredGuard implements AutoCloseable {
    private final SniperRuntime runtime;
    private final SniperMetrics metrics;
    private final MetricsServer server;

    private MonitoredGuard(SniperRuntime runtime, SniperMetrics metrics, MetricsServer server) {
        this.runtime = runtime;
        this.metrics = metrics;
        this.server = server;
    }

    /**
     * Builds the guard with metrics, binds the endpoint (before connecting, so the first scrapes already
     * see the start-up), then starts the guard. If the endpoint cannot bind, nothing stays running and
     * the {@link IllegalStateException} names the address.
     */
    public static MonitoredGuard start(SniperSettings settings) {
        SniperMetrics metrics = new SniperMetrics();
        SniperRuntime runtime = SniperRuntime.create(settings, metrics);
        SniperModeSettings policy = settings.sniperMode();
        boolean redis = settings.redis().enabled();
        metrics.bind(runtime.guard(), runtime.breakers(), policy, redis);
        runtime.closeWith(metrics.binder()::unbind);
        MetricsSettings endpoint = settings.agent().metrics();
        MetricsServer server = null;
        if (endpoint.enabled()) {
            HealthReport health = new HealthReport(runtime.guard(), metrics, policy.maxSignalsPerHour(),
                    policy.dailySignalCap(), redis);
            try {
                server = MetricsServer.start(endpoint, metrics.registry(), health::json);
            } catch (RuntimeException e) {
                runtime.close();
                throw e;
            }
            runtime.closeWith(server);
        }
        runtime.start();
        return new MonitoredGuard(runtime, metrics, server);
    }

    public SniperGuard guard() {
        return runtime.guard();
    }

    /**
     * The guard's meters for the host's own Micrometer registry: {@code meterBinder().bindTo(registry)}, or a
     * {@code MeterBinder} bean in Spring Boot. Closing the guard takes them out again.
     */
    public SniperMeterBinder meterBinder() {
        return metrics.binder();
    }

    public SniperMetrics metrics() {
        return metrics;
    }

    /** The endpoint's bound address (the chosen port when the settings said 0); empty when metrics are disabled. */
    public Optional<InetSocketAddress> endpoint() {
        return server == null ? Optional.empty() : Optional.of(server.address());
    }

    /** The endpoint itself, for its URIs; empty when metrics are disabled. */
    public Optional<MetricsServer> server() {
        return Optional.ofNullable(server);
    }

    /** Closes the guard, the endpoint and the Redis connection. Idempotent. */
    @Override
    public void close() {
        runtime.close();
    }
}
