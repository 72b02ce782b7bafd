package io.ultrasignals.sniper.cli;

import io.ultrasignals.sniper.config.SettingsLoader;
import io.ultrasignals.sniper.config.SniperSettings;
import java.nio.file.Path;
import java.util.Map;

/**
 * The settings the demo and each of its runners use: the user's settings (or none) plus the environment, the
 * bundled Redis's address when the demo started one, and the demo's own namespace and caps. One place, so the
 * demo and its runners cannot disagree.
 */
final class DemoSettings {
    private static final String PREFIX = SettingsLoader.ENV_PREFIX;

    private DemoSettings() {}

    /**
     * A decision timeout for the bundled Redis well above the 100 ms default: on a loaded laptop a slow reply would
     * otherwise send a runner to its fallback for a moment, blurring the one outage the demo shows. The outage
     * itself (a killed server: connection refused) does not wait for it.
     */
    static final String BUNDLED_DECISION_TIMEOUT_MS = "500";

    /** Environment variables pointing a guard at the demo's bundled Redis, without a metrics endpoint. */
    static Map<String, String> bundledRedis(int port) {
        return Map.of(PREFIX + "REDIS__ENABLED", "true", PREFIX + "REDIS__HOST", "127.0.0.1",
                PREFIX + "REDIS__PORT", Integer.toString(port), PREFIX + "REDIS__DB", "0",
                PREFIX + "REDIS__DECISION_TIMEOUT_MS", BUNDLED_DECISION_TIMEOUT_MS,
                METRICS_OFF.getKey(), METRICS_OFF.getValue());
    }

    /** Runners read their budget from their metrics registry; no endpoint (9464 may be taken, and one is enough). */
    static final Map.Entry<String, String> METRICS_OFF = Map.entry(PREFIX + "SNIPER_AGENT__METRICS__ENABLED", "false");

    static SniperSettings load(Path config, Map<String, String> environment) {
        SettingsLoader loader = new SettingsLoader(environment);
        return config == null ? loader.loadWithoutFile() : loader.load(config);
    }

    /** The demo's namespace ({@code <namespace>-demo}, never the real counters), its caps, MTF required. */
    static SniperSettings forRun(SniperSettings base, long hourlyCap, long dailyCap) {
        return Overrides.apply(base, base.redis().namespace() + "-demo", hourlyCap, dailyCap, true);
    }
}
