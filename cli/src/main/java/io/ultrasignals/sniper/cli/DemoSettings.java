package io.ultrasignals.sniper.cli;

import io.ultrasignals.sniper.config.ScopeSettings;
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

    /**
     * The scope dimension some of the runners' signals carry, and its value: one strategy with a low cap of its own,
     * so that a layered cap blocks while the fleet still has room. The other signals carry no scope: a capped scope
     * is never admitted locally while Redis is away, and the outage shows the fleet's shares.
     */
    static final String SCOPE_DIMENSION = "strategy";
    static final String SCOPED_STRATEGY = "breakout";
    /** The scoped strategy's caps: well under the fleet's, so that it fills first. */
    static final long STRATEGY_HOURLY_CAP = 4;
    static final long STRATEGY_DAILY_CAP = 20;
    /** One signal in this many carries the scoped strategy. */
    static final int SCOPED_EVERY = 5;

    /**
     * The demo's namespace ({@code <namespace>-demo}, never the real counters), its caps, MTF required, and its own
     * strategy scope (replacing any scopes of the user's settings: the demo's signals carry only its own).
     */
    static SniperSettings forRun(SniperSettings base, long hourlyCap, long dailyCap) {
        SniperSettings run = Overrides.apply(base, base.redis().namespace() + "-demo", hourlyCap, dailyCap, true);
        return run.toBuilder().sniperMode(run.sniperMode().toBuilder().scopes(Map.of(SCOPE_DIMENSION,
                ScopeSettings.of(STRATEGY_HOURLY_CAP, STRATEGY_DAILY_CAP))).build()).build();
    }
}
