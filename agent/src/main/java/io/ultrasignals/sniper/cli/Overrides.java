package io.ultrasignals.sniper.cli;

import io.ultrasignals.sniper.config.RedisSettings;
import io.ultrasignals.sniper.config.SniperModeSettings;
import io.ultrasignals.sniper.config.SniperSettings;

/** Settings as a command needs them: its own namespace (never the production counters), its own caps. */
final class Overrides {
    private Overrides() {}

    static SniperSettings apply(SniperSettings s, String namespace, long hourlyCap, long dailyCap, boolean mtfRequired) {
        RedisSettings r = s.redis();
        SniperModeSettings m = s.sniperMode();
        return new SniperSettings(
                new RedisSettings(r.enabled(), r.host(), r.port(), r.db(), r.username(), r.password(), r.connectTimeout(),
                        r.decisionTimeout(), namespace, r.tls(), r.sentinel(), r.cluster()),
                new SniperModeSettings(true, mtfRequired, hourlyCap, dailyCap, m.window(), m.enforcement(), m.fallback()),
                s.agent());
    }
}
