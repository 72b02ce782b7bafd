package io.ultrasignals.sniper.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Binds a guard's meters into a host's {@link MeterRegistry}, as Micrometer's convention asks of a library
 * (Lettuce, Hikari and Resilience4j do the same): every series of docs/metrics.md, the seed's three counters
 * included, under the same names and tags. The guard keeps its own registry and endpoint (switch the endpoint off
 * with {@code sniper_agent.metrics.enabled: false} when the host's registry is the only one scraped).
 *
 * <p>Works when the host's Micrometer is the guard's own: the library on the host's class path with its
 * dependencies. The shaded agent jar relocates Micrometer, so its meters cannot bind into a host registry; a runner
 * using that jar is scraped at the guard's endpoint.
 *
 * <pre>{@code
 * @Bean(destroyMethod = "close")
 * MonitoredGuard sniper() { return SniperGuards.startWithMetrics(settings); }
 *
 * @Bean
 * MeterBinder sniperMeters(MonitoredGuard sniper) { return sniper.meterBinder(); }
 * }</pre>
 */
public final class SniperMeterBinder implements MeterBinder {
    private final CompositeMeterRegistry meters;
    private final List<MeterRegistry> bound = new CopyOnWriteArrayList<>();

    SniperMeterBinder(CompositeMeterRegistry meters) {
        this.meters = meters;
    }

    /** Registers every meter of the guard in {@code host} too, and every meter the guard registers from now on. */
    @Override
    public void bindTo(MeterRegistry host) {
        if (host == meters || bound.contains(host)) {
            return;
        }
        meters.add(host);
        bound.add(host);
    }

    /** Takes the guard's meters out of every host registry this binder bound them to (the guard is closing). */
    public void unbind() {
        for (MeterRegistry host : bound) {
            meters.remove(host);
            for (Meter meter : meters.getMeters()) {
                host.remove(meter.getId());
            }
        }
        bound.clear();
    }
}
