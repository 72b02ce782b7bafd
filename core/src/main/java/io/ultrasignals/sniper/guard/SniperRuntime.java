package io.ultrasignals.sniper.guard;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.Stage;
import com.google.inject.TypeLiteral;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.redis.RedisLink;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A guard and what it runs on, with explicit start and stop: the Redis link connects and the
 * heartbeat starts in {@link #start()}, and {@link #close()} stops them in reverse order.
 */
public final class SniperRuntime implements AutoCloseable {
    private final Injector injector;
    private final DefaultSniperGuard guard;
    private final Optional<RedisLink> link;
    private final List<AutoCloseable> alsoClose = new ArrayList<>();
    private final SniperSettings settings;

    private SniperRuntime(Injector injector) {
        this.injector = injector;
        this.settings = injector.getInstance(SniperSettings.class);
        this.guard = injector.getInstance(DefaultSniperGuard.class);
        this.link = injector.getInstance(Key.get(new TypeLiteral<Optional<RedisLink>>() {}));
        guard.afterClose(this::closeResources);
    }

    /** Builds (does not start) a runtime; extra modules may add bindings such as metrics. */
    public static SniperRuntime create(SniperSettings settings, GuardListener listener, Module... extra) {
        List<Module> modules = new ArrayList<>();
        modules.add(new GuardModule(settings, DecisionLog.around(listener)));
        modules.addAll(List.of(extra));
        return new SniperRuntime(Guice.createInjector(Stage.PRODUCTION, modules));
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
        return injector.getInstance(CircuitBreakerRegistry.class);
    }

    public <T> T instance(Class<T> type) {
        return injector.getInstance(type);
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
