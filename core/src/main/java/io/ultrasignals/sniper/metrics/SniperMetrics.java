package io.ultrasignals.sniper.metrics;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.config.SniperModeSettings;
import io.ultrasignals.sniper.guard.DefaultSniperGuard;
import io.ultrasignals.sniper.guard.GuardListener;
import io.ultrasignals.sniper.redis.RedisFailure;
import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The guard's Prometheus metrics. As a {@link GuardListener} it counts decisions, Redis failures,
 * script reloads and reconciled admissions on the decision path (a few atomic adds, never a throw);
 * once {@linkplain #bind bound} to a guard, its gauges read the guard's state when scraped.
 * The exported names are listed in {@code ops/metric-names.txt}; Micrometer turns {@code sniper.hourly.cap}
 * into {@code sniper_hourly_cap_total}, and the latency timer into {@code sniper_decision_latency_seconds}.
 */
public final class SniperMetrics implements GuardListener {
    private static final Logger LOG = Logger.getLogger(SniperMetrics.class.getName());

    /** Where the meters are registered: the endpoint's registry, plus any host registry bound later. */
    private final CompositeMeterRegistry registry = new CompositeMeterRegistry();
    private final PrometheusMeterRegistry prometheus;
    private final SniperMeterBinder binder = new SniperMeterBinder(registry);
    private final DecisionMeters decisions;
    private final LayerMeters layers;
    private final LatestCounts counts = new LatestCounts();
    private final LastRedisRoundTrip lastRedis = new LastRedisRoundTrip();
    private final Counter scriptReloads;
    private final Counter reconciled;
    private final Counter redisLosses;
    private final Counter restoredHour;
    private final Counter restoredDay;
    private final Map<RedisFailure, Counter> redisErrors = new EnumMap<>(RedisFailure.class);
    private final AtomicBoolean failureLogged = new AtomicBoolean();
    private volatile DefaultSniperGuard guard;
    private volatile boolean redisConfigured;

    public SniperMetrics() {
        this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    public SniperMetrics(PrometheusMeterRegistry prometheus) {
        this.prometheus = prometheus;
        this.registry.add(prometheus);
        this.decisions = new DecisionMeters(registry);
        this.layers = new LayerMeters(registry);
        this.scriptReloads = Counter.builder("sniper.script.reloads")
                .description("Scripts sent again because Redis had lost them (restart, failover, SCRIPT FLUSH)")
                .register(registry);
        this.reconciled = Counter.builder("sniper.reconciled.admissions")
                .description("Admissions made locally during an outage and credited to Redis afterwards")
                .register(registry);
        this.redisLosses = Counter.builder("sniper.redis.data.losses")
                .description("New Redis servers that held fewer admissions than this guard had seen acknowledged "
                        + "(a failover to a replica that was behind, a restart that lost writes)")
                .register(registry);
        this.restoredHour = restored("hour");
        this.restoredDay = restored("day");
        for (RedisFailure kind : RedisFailure.values()) {
            redisErrors.put(kind, Counter.builder("sniper.redis.errors")
                    .description("Failed Redis calls (decisions, heartbeats, credits, releases) by kind")
                    .tag("kind", kind.label()).register(registry));
        }
    }

    /**
     * Adds the gauges that read {@code guard} (counts, caps, fallback state and budget, clock offset)
     * and Resilience4j's metrics of every breaker in {@code breakers}. Call once, after the runtime is built.
     */
    public synchronized SniperMetrics bind(DefaultSniperGuard guard, CircuitBreakerRegistry breakers,
                                           SniperModeSettings policy, boolean redisConfigured) {
        if (this.guard != null) {
            throw new IllegalStateException("these metrics are bound to a guard already; use one SniperMetrics per guard");
        }
        this.guard = guard;
        this.redisConfigured = redisConfigured;
        windowGauge("sniper.window.count", "hour", "Count of the hour window as of the newest counting decision",
                counts::hourCount);
        windowGauge("sniper.window.count", "day", "Count of the day window as of the newest counting decision",
                counts::dayCount);
        windowGauge("sniper.cap.limit", "hour", "Configured hourly cap (0: none)", policy::maxSignalsPerHour);
        windowGauge("sniper.cap.limit", "day", "Configured daily cap (0: none)", policy::dailySignalCap);
        if (policy.maxSignalsPerHour() > 0) {
            windowGauge("sniper.fallback.budget", "hour", "This guard's share of the hourly cap were Redis to go away now",
                    guard::hourBudget);
        }
        if (policy.dailySignalCap() > 0) {
            windowGauge("sniper.fallback.budget", "day", "This guard's share of the daily cap were Redis to go away now",
                    guard::dayBudget);
        }
        if (policy.maxSignalsPerHour() > 0) {
            windowGauge("sniper.fallback.held", "hour", "Admissions Redis holds back for guards that may be deciding locally",
                    guard::heldHour);
        }
        if (policy.dailySignalCap() > 0) {
            windowGauge("sniper.fallback.held", "day", "Admissions Redis holds back for guards that may be deciding locally",
                    guard::heldDay);
        }
        Gauge.builder("sniper.fallback.active", () -> fallbackActive() ? 1 : 0)
                .description("1 while Redis is configured but the fallback decides").register(registry);
        // The fleet's control as this guard last saw it in Redis (docs/control.md).
        Gauge.builder("sniper.halted", () -> guard.haltSeen() != null ? 1 : 0)
                .description("1 while the fleet is halted, as this guard last saw it").register(registry);
        Gauge.builder("sniper.policy.version", guard::policyVersionSeen)
                .description("Version of the fleet policy stored in Redis, as last seen; -1: none, the settings give the caps")
                .register(registry);
        Gauge.builder("sniper.policy.differs", () -> guard.policyDiffersFromSettings() ? 1 : 0)
                .description("1 while the stored policy's caps differ from this runner's settings (it obeys the policy)")
                .register(registry);
        Gauge.builder("sniper.clock.offset", () -> guard.clock().offsetMillis() / 1000.0)
                .description("Local clock minus the Redis clock").baseUnit("seconds").register(registry);
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(registry);
        return this;
    }

    /** The registry the endpoint scrapes. */
    public PrometheusMeterRegistry registry() {
        return prometheus;
    }

    /**
     * These meters for a host's own {@code MeterRegistry} (Spring Boot binds every {@code MeterBinder} bean): bound,
     * every meter registered here, now or later, is also registered there. See {@link SniperMeterBinder}.
     */
    public SniperMeterBinder binder() {
        return binder;
    }

    /** True while Redis is configured and decisions are made by the fallback (local, allow or deny). */
    public boolean fallbackActive() {
        DefaultSniperGuard g = guard;
        if (g == null || !redisConfigured) {
            return false;
        }
        Backend now = g.currentBackend();
        return now == Backend.LOCAL || now == Backend.ALLOW || now == Backend.DENY;
    }

    /** Seconds the newest Redis decision took; empty before the first. */
    public OptionalDouble lastRedisRoundTripSeconds() {
        return lastRedis.seconds();
    }

    /** Seconds since the newest Redis decision; empty before the first. */
    public OptionalDouble lastRedisRoundTripAgeSeconds() {
        return lastRedis.ageSeconds();
    }

    public long latestHourCount() {
        return counts.hourCount();
    }

    public long latestDayCount() {
        return counts.dayCount();
    }

    @Override
    public void onDecision(Decision decision, long nanos) {
        try {
            decisions.record(decision, nanos);
            layers.record(decision);
            counts.observe(decision);
            lastRedis.observe(decision, nanos);
        } catch (RuntimeException e) {
            logOnce(e);
        }
    }

    @Override
    public void onRedisFailure(RedisFailure failure) {
        Counter counter = failure == null ? null : redisErrors.get(failure);
        if (counter != null) {
            counter.increment();
        }
    }

    @Override
    public void onScriptReload() {
        scriptReloads.increment();
    }

    @Override
    public void onReconciled(long admissions) {
        if (admissions > 0) {
            reconciled.increment(admissions);
        }
    }

    @Override
    public void onRedisLoss(long hourLost, long dayLost) {
        redisLosses.increment();
    }

    @Override
    public void onRedisRollback(long hourRestored, long dayRestored) {
        if (hourRestored > 0) {
            restoredHour.increment(hourRestored);
        }
        if (dayRestored > 0) {
            restoredDay.increment(dayRestored);
        }
    }

    private Counter restored(String window) {
        return Counter.builder("sniper.redis.restored.admissions")
                .description("Admissions a new Redis server had lost that this guard's heartbeat put back")
                .tag("window", window).register(registry);
    }

    private void windowGauge(String name, String window, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).tag("window", window).register(registry);
    }

    /** A metrics bug must not reach the runner's thread; it is reported once, not per decision. */
    private void logOnce(RuntimeException e) {
        if (failureLogged.compareAndSet(false, true)) {
            LOG.log(Level.WARNING, "sniper: recording a decision's metrics failed; further failures are not logged", e);
        }
    }
}
