package io.ultrasignals.sniper.guard;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.ultrasignals.sniper.config.FallbackSettings;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.local.LocalEngine;
import io.ultrasignals.sniper.redis.ClockOffset;
import io.ultrasignals.sniper.redis.RedisConnections;
import io.ultrasignals.sniper.redis.RedisEngine;
import io.ultrasignals.sniper.redis.RedisLink;
import io.ultrasignals.sniper.redis.ScriptRunner;
import io.ultrasignals.sniper.script.AuditIdentity;
import io.ultrasignals.sniper.script.Clock;
import io.ultrasignals.sniper.script.ScriptCatalog;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A guard and what it runs on, wired from settings, with explicit start and stop. Building one creates objects
 * only: nothing connects and no thread starts until {@link #start()}; {@link #close()} stops them in reverse order.
 */
public final class SniperRuntime implements AutoCloseable {
    /** The breaker's name, as the Resilience4j metrics label it. */
    static final String BREAKER_NAME = "sniper-redis";

    private final SniperSettings settings;
    private final CircuitBreakerRegistry breakers;
    private final Optional<RedisLink> link;
    private final DefaultSniperGuard guard;
    private final List<AutoCloseable> alsoClose = new ArrayList<>();

    private SniperRuntime(SniperSettings settings, GuardListener given, ClockOffset clock) {
        this.settings = settings;
        // Isolated once, here, so that no listener call anywhere in the guard can throw into a decision.
        GuardListener listener = IsolatedListener.isolate(given);
        // This guard's id, in its heartbeats and in the audit stream.
        String guardId = "guard-" + UUID.randomUUID();
        this.breakers = breakers(settings.sniperMode().fallback());
        this.link = settings.redis().enabled() ? Optional.of(RedisConnections.link(settings.redis())) : Optional.empty();
        Optional<RedisEngine> redis = link.map(l -> new RedisEngine(
                new ScriptRunner(l, settings.redis().decisionTimeout(), listener::onScriptReload), ScriptCatalog.load(),
                settings.redis().effectiveNamespace(), clock, AuditIdentity.ofThisProcess(guardId,
                        settings.sniperMode().audit().runner(), settings.sniperMode().audit().maxEntries(),
                        settings.sniperMode().audit().maxAgeMillis())));
        // The local engine plays Redis: its buckets follow Redis time, as far as this process knows it.
        LocalEngine local = new LocalEngine(clock::redisNow);
        CircuitBreaker breaker = redis.isPresent() ? breakers.circuitBreaker(BREAKER_NAME) : null;
        this.guard = new DefaultSniperGuard(settings.sniperMode(), redis.orElse(null), breaker, local, clock, listener,
                guardId, settings.redis().decisionTimeout());
        guard.afterClose(this::closeResources);
    }

    /** Builds (does not start) a runtime on the system clock; decisions are logged as the settings say. */
    public static SniperRuntime create(SniperSettings settings, GuardListener listener) {
        return new SniperRuntime(settings, DecisionLog.around(listener), new ClockOffset(Clock.SYSTEM));
    }

    /** For tests: a runtime on a given clock, with the listener as given (no decision log). */
    static SniperRuntime onClock(SniperSettings settings, GuardListener listener, ClockOffset clock) {
        return new SniperRuntime(settings, listener, clock);
    }

    private static CircuitBreakerRegistry breakers(FallbackSettings f) {
        return CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(f.slidingWindowCalls())
                .minimumNumberOfCalls(f.minimumCalls())
                .failureRateThreshold(f.failureRateThreshold())
                .waitDurationInOpenState(f.openWait())
                .permittedNumberOfCallsInHalfOpenState(f.permittedCallsInHalfOpen())
                .build());
    }

    /**
     * Connects (waiting until connected, at most the connect timeout, {@code redis.timeout}) and starts
     * the heartbeat. Decisions work either way: on the fallback until Redis answers.
     */
    public SniperRuntime start() {
        link.ifPresent(l -> {
            if (l.start().awaitConnected(settings.redis().connectTimeout())) {
                guard.warmUp(settings.redis().connectTimeout());
            }
        });
        guard.start();
        link.ifPresent(guard::trackInvalidations);
        return this;
    }

    public DefaultSniperGuard guard() {
        return guard;
    }

    public Optional<RedisLink> link() {
        return link;
    }

    public CircuitBreakerRegistry breakers() {
        return breakers;
    }

    /** Closed (in reverse order of registration) before the guard and the link. */
    public void closeWith(AutoCloseable resource) {
        alsoClose.add(resource);
    }

    /** Closes the guard, then what it ran on. Idempotent. */
    @Override
    public void close() {
        guard.close();
    }

    private void closeResources() {
        for (int i = alsoClose.size() - 1; i >= 0; i--) {
            try {
                alsoClose.get(i).close();
            } catch (Exception ignored) {
                // closing: keep going
            }
        }
        link.ifPresent(RedisLink::close);
    }
}
