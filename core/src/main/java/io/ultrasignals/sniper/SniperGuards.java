package io.ultrasignals.sniper;

import io.ultrasignals.sniper.config.SettingsLoader;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.guard.GuardListener;
import io.ultrasignals.sniper.guard.SniperRuntime;
import io.ultrasignals.sniper.metrics.MonitoredGuard;
import java.nio.file.Path;

/**
 * Builds guards. The guard returned is started (it connects to Redis in the background; decisions
 * work at once, on the fallback until Redis answers) and its {@link SniperGuard#close()} stops
 * everything it started.
 *
 * <pre>{@code
 * try (SniperGuard guard = SniperGuards.fromFile(Path.of("settings.yaml"))) {
 *     if (guard.acquire(Signal.withId(orderId, mtfOk)).allowed()) { publish(...); }
 * }
 * }</pre>
 */
public final class SniperGuards {
    private SniperGuards() {}

    /** settings.yaml plus {@code ULTRA_SIGNALS_*} environment overrides. */
    public static SniperGuard fromFile(Path settingsYaml) {
        return start(SettingsLoader.withProcessEnvironment().load(settingsYaml));
    }

    public static SniperGuard start(SniperSettings settings) {
        return start(settings, GuardListener.NONE);
    }

    public static SniperGuard start(SniperSettings settings, GuardListener listener) {
        return SniperRuntime.create(settings, listener).start().guard();
    }

    /**
     * A guard with Prometheus metrics and, unless {@code sniper_agent.metrics.enabled} is false, the
     * {@code /metrics} and {@code /health} endpoint on {@code sniper_agent.metrics.host:port}
     * (127.0.0.1:9464 by default; port 0 picks a free port, see {@link MonitoredGuard#endpoint()}).
     * Closing it closes the guard and the endpoint together.
     */
    public static MonitoredGuard startWithMetrics(SniperSettings settings) {
        return MonitoredGuard.start(settings);
    }
}
