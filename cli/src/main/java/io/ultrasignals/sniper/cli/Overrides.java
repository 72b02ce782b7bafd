package io.ultrasignals.sniper.cli;

import io.ultrasignals.sniper.config.SniperSettings;

/** Settings as a command needs them: its own namespace (never the production counters), its own caps. */
final class Overrides {
    private Overrides() {}

    static SniperSettings apply(SniperSettings s, String namespace, long hourlyCap, long dailyCap, boolean mtfRequired) {
        return s.toBuilder()
                .redis(s.redis().toBuilder().namespace(namespace).build())
                .sniperMode(s.sniperMode().toBuilder().enabled(true).mtfConfirm(mtfRequired)
                        .maxSignalsPerHour(hourlyCap).dailySignalCap(dailyCap).build())
                .build();
    }
}
