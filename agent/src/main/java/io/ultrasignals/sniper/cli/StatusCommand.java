package io.ultrasignals.sniper.cli;

import io.ultrasignals.sniper.GuardStatus;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.guard.GuardListener;
import io.ultrasignals.sniper.script.ScopeCap;
import io.ultrasignals.sniper.script.StatusReply;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Current hour and day counts, their TTLs, the caps, and the backend.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--scope", paramLabel = "DIMENSION=VALUE",
            description = "Also show this scope's counts and caps, e.g. --scope symbol=BTCUSDT; repeat for more (at most 8).")
    List<String> scopes = new ArrayList<>();

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
            List<Map<String, Object>> layers = layers(settings, session);
            if (common.json) {
                if (!scopes.isEmpty()) {
                    out.put("scopes", layers);
                }
                System.out.println(Json.of(out));
            } else {
                out.forEach((k, v) -> System.out.printf("%-16s %s%n", k, v));
                for (Map<String, Object> layer : layers) {
                    System.out.printf("%-16s hour %s/%s  day %s/%s%n", layer.get("scope"), layer.get("hour_count"),
                            capText(layer.get("hourly_cap")), layer.get("day_count"), capText(layer.get("daily_cap")));
                }
            }
            return SniperCli.OK;
        }
    }

    /** Each --scope's counts with the caps the settings give it (0: none). */
    private List<Map<String, Object>> layers(SniperSettings settings, GuardSession session) {
        List<String> names = Scopes.names(scopes);
        List<ScopeCap> caps = new ArrayList<>();
        for (String name : names) {
            int eq = name.indexOf('=');
            caps.add(settings.sniperMode().scopeCaps(Map.of(name.substring(0, eq), name.substring(eq + 1))).get(0));
        }
        List<Map<String, Object>> layers = new ArrayList<>();
        List<StatusReply.ScopeStatus> counts = names.isEmpty() ? List.of() : session.runtime.guard().scopeStatus(names);
        for (int i = 0; i < counts.size(); i++) {
            StatusReply.ScopeStatus c = counts.get(i);
            Map<String, Object> layer = new LinkedHashMap<>();
            layer.put("scope", c.scope());
            layer.put("hour_count", c.hourCount());
            layer.put("hourly_cap", caps.get(i).hourlyCap());
            layer.put("hour_ttl_ms", c.hourTtlMillis());
            layer.put("day_count", c.dayCount());
            layer.put("daily_cap", caps.get(i).dailyCap());
            layer.put("day_ttl_ms", c.dayTtlMillis());
            layers.add(layer);
        }
        return layers;
    }

    private static String capText(Object cap) {
        return Long.valueOf(0).equals(cap) ? "no cap" : String.valueOf(cap);
    }
}
