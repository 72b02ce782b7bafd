package io.ultrasignals.sniper.guard;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
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
import java.util.Optional;
import java.util.UUID;

/**
 * Wires a guard from settings. Creating the injector builds objects only: nothing connects and no
 * thread starts until {@link SniperRuntime#start()}.
 */
final class GuardModule extends AbstractModule {
    /** This guard's id, in its heartbeats and in the audit stream. */
    private final String guardId = "guard-" + UUID.randomUUID();

    /** The breaker's name, as the Resilience4j metrics label it. */
    static final String BREAKER_NAME = "sniper-redis";

    private final SniperSettings settings;
    private final GuardListener listener;

    GuardModule(SniperSettings settings, GuardListener listener) {
        this.settings = settings;
        // Isolated once, here, so that no listener call anywhere in the guard can throw into a decision.
        this.listener = IsolatedListener.isolate(listener);
    }

    @Override
    protected void configure() {
        bind(SniperSettings.class).toInstance(settings);
        bind(GuardListener.class).toInstance(listener);
    }

    @Provides
    @Singleton
    ScriptCatalog scripts() {
        return ScriptCatalog.load();
    }

    @Provides
    @Singleton
    ClockOffset clock() {
        return new ClockOffset(Clock.SYSTEM);
    }

    @Provides
    @Singleton
    LocalEngine local(ClockOffset clock) {
        // The local engine plays Redis: its buckets follow Redis time, as far as this process knows it.
        return new LocalEngine(clock::redisNow);
    }

    @Provides
    @Singleton
    CircuitBreakerRegistry breakers() {
        FallbackSettings f = settings.sniperMode().fallback();
        return CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(f.slidingWindowCalls())
                .minimumNumberOfCalls(f.minimumCalls())
                .failureRateThreshold(f.failureRateThreshold())
                .waitDurationInOpenState(f.openWait())
                .permittedNumberOfCallsInHalfOpenState(f.permittedCallsInHalfOpen())
                .build());
    }

    @Provides
    @Singleton
    Optional<RedisLink> link() {
        return settings.redis().enabled() ? Optional.of(RedisConnections.link(settings.redis())) : Optional.empty();
    }

    @Provides
    @Singleton
    Optional<RedisEngine> redis(Optional<RedisLink> link, ScriptCatalog scripts, ClockOffset clock) {
        return link.map(l -> new RedisEngine(new ScriptRunner(l, settings.redis().decisionTimeout(), listener::onScriptReload),
                scripts, settings.redis().effectiveNamespace(), clock, AuditIdentity.ofThisProcess(guardId,
                        settings.sniperMode().audit().runner(), settings.sniperMode().audit().maxEntries(),
                        settings.sniperMode().audit().maxAgeMillis())));
    }

    @Provides
    @Singleton
    DefaultSniperGuard guard(Optional<RedisEngine> redis, CircuitBreakerRegistry breakers, LocalEngine local, ClockOffset clock) {
        CircuitBreaker breaker = redis.isPresent() ? breakers.circuitBreaker(BREAKER_NAME) : null;
        return new DefaultSniperGuard(settings.sniperMode(), redis.orElse(null), breaker, local, clock, listener,
                guardId, settings.redis().decisionTimeout());
    }
}
