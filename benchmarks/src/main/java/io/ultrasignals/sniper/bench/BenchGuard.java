package io.ultrasignals.sniper.bench;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.config.FallbackSettings;
import io.ultrasignals.sniper.config.RedisSettings;
import io.ultrasignals.sniper.config.ScopeSettings;
import io.ultrasignals.sniper.config.SniperModeSettings;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.guard.DefaultSniperGuard;
import io.ultrasignals.sniper.guard.GuardListener;
import io.ultrasignals.sniper.guard.SniperRuntime;
import io.ultrasignals.sniper.testkit.RedisServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * A guard built through the public settings, as a runner builds one, against a benchmark's
 * redis-server; counts the decisions a fallback made, which a Redis benchmark must not contain.
 */
final class BenchGuard implements AutoCloseable {
    private final SniperRuntime runtime;
    private final LongAdder decisions = new LongAdder();
    private final LongAdder notByRedis = new LongAdder();

    private BenchGuard(SniperRuntime runtime) {
        this.runtime = runtime;
    }

    /**
     * @param caps            hourly and daily cap (0: none, every call admitted)
     * @param decisionTimeout how long a decision waits for Redis before the fallback decides
     */
    static BenchGuard start(RedisServer server, String namespace, long caps, Duration decisionTimeout) {
        return start(server, namespace, caps, caps, decisionTimeout);
    }

    /** As {@link #start(RedisServer, String, long, Duration)}, with an hourly and a daily cap of their own. */
    static BenchGuard start(RedisServer server, String namespace, long hourlyCap, long dailyCap, Duration decisionTimeout) {
        return start(server, namespace, hourlyCap, dailyCap, Map.of(), decisionTimeout);
    }

    /** As {@link #start(RedisServer, String, long, long, Duration)}, with scopes (dimension → caps of each value). */
    static BenchGuard start(RedisServer server, String namespace, long hourlyCap, long dailyCap,
                            Map<String, ScopeSettings> scopes, Duration decisionTimeout) {
        RedisSettings redis = RedisSettings.builder().enabled(true).host(server.host()).port(server.port())
                .namespace(namespace).decisionTimeout(decisionTimeout).connectTimeout(Duration.ofSeconds(5)).build();
        SniperSettings settings = SniperSettings.builder().redis(redis)
                .sniperMode(SniperModeSettings.builder().enabled(true).maxSignalsPerHour(hourlyCap).dailySignalCap(dailyCap)
                        .scopes(scopes).fallback(FallbackSettings.defaults()).build())
                .build();
        SniperRuntime runtime = SniperRuntime.create(settings, GuardListener.NONE).start();
        if (!runtime.link().orElseThrow().isConnected()) {
            runtime.close();
            throw new IllegalStateException("benchmark set-up: the guard did not connect to " + server);
        }
        return new BenchGuard(runtime);
    }

    DefaultSniperGuard guard() {
        return runtime.guard();
    }

    /** Synchronous commands on the guard's own Lettuce connection (for PING beside acquire). */
    @SuppressWarnings("unchecked")
    RedisCommands<String, String> connectionCommands() {
        return ((StatefulRedisConnection<String, String>) runtime.link().orElseThrow().connection()).sync();
    }

    /** Counts one decision; returns it for the benchmark to consume. */
    Decision record(Decision d) {
        decisions.increment();
        if (d.backend() != Backend.REDIS) {
            notByRedis.increment();
        }
        return d;
    }

    long decisions() {
        return decisions.sum();
    }

    long notByRedis() {
        return notByRedis.sum();
    }

    @Override
    public void close() {
        runtime.close();
    }
}
