package io.ultrasignals.sniper.cli;

import io.ultrasignals.sniper.GuardStatus;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.guard.GuardListener;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Current hour and day counts, their TTLs, the caps, and the backend.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Override
    public Integer call() {
        SniperSettings settings = common.settings();
        try (GuardSession session = GuardSession.open(settings, true, GuardListener.NONE)) {
            GuardStatus s = session.runtime.guard().status();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("namespace", settings.redis().effectiveNamespace());
            out.put("hour_count", s.hourCount());
            out.put("hourly_cap", s.hourlyCap());
            out.put("hour_ttl_ms", s.hourTtlMillis());
            out.put("day_count", s.dayCount());
            out.put("daily_cap", s.dailyCap());
            out.put("day_ttl_ms", s.dayTtlMillis());
            out.put("backend", s.backend().label());
            out.put("breaker", s.breakerState());
            out.put("clock_offset_ms", s.clockOffsetMillis());
            if (common.json) {
                System.out.println(Json.of(out));
            } else {
                out.forEach((k, v) -> System.out.printf("%-16s %s%n", k, v));
            }
            return SniperCli.OK;
        }
    }
}
