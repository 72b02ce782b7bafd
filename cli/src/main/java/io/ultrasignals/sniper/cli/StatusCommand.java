package io.ultrasignals.sniper.cli;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.GuardStatus;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.guard.GuardListener;
import io.ultrasignals.sniper.script.Buckets;
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
        description = "Counts and caps of the hour and the day, the time until each resets, the backend, the breaker, "
                + "the live guards and the clock offset.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--scope", paramLabel = "DIMENSION=VALUE",
            description = "Show this scope's counts and caps, e.g. --scope symbol=BTCUSDT; repeat for more (at most 8). "
                    + "Without it: every value of each declared dimension counted today (found by SCAN).")
    List<String> scopes = new ArrayList<>();

    @Option(names = "--max-values", paramLabel = "N", defaultValue = "100",
            description = "Without --scope: list at most N values per dimension (default ${DEFAULT-VALUE}); the output "
                    + "says when there were more.")
    int maxValues;

    @Override
    public Integer call() {
        SniperSettings settings = common.settings();
        try (GuardSession session = GuardSession.open(settings, true, GuardListener.NONE)) {
            GuardStatus s = session.runtime.guard().status();
            // Redis time, as the buckets count it: the local clock corrected by the measured offset.
            long now = System.currentTimeMillis() - s.clockOffsetMillis();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("namespace", settings.redis().effectiveNamespace());
            out.put("hour_count", s.hourCount());
            out.put("hourly_cap", s.hourlyCap());
            out.put("hour_resets_in_ms", untilNext(now, Buckets.HOUR_MS));
            out.put("day_count", s.dayCount());
            out.put("daily_cap", s.dailyCap());
            out.put("day_resets_in_ms", untilNext(now, Buckets.DAY_MS));
            out.put("backend", s.backend().label());
            out.put("breaker", s.breakerState());
            out.put("live_guards", liveGuards(session, settings, now));
            out.put("clock_offset_ms", s.clockOffsetMillis());
            if (maxValues < 1) {
                throw new SniperCli.UsageException("--max-values: expected an integer of at least 1, got " + maxValues);
            }
            List<String> cut = new ArrayList<>();
            String notListed = null;
            List<String> names = Scopes.names(scopes);
            if (names.isEmpty() && !settings.sniperMode().scopes().isEmpty()) {
                try {
                    names = listed(settings, session, now, cut);
                } catch (RuntimeException e) {
                    notListed = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
                }
            }
            List<Map<String, Object>> layers = layers(settings, session, names, now);
            if (common.json) {
                if (!names.isEmpty() || scopes.isEmpty() && !settings.sniperMode().scopes().isEmpty()) {
                    out.put("scopes", layers);
                }
                if (scopes.isEmpty() && !settings.sniperMode().scopes().isEmpty()) {
                    out.put("scopes_cut", cut);
                    if (notListed != null) {
                        out.put("scopes_not_listed", notListed);
                    }
                }
                System.out.println(Json.of(out));
            } else {
                System.out.printf("namespace    %s%n", out.get("namespace"));
                System.out.printf("hour         %s  resets in %s%n", used(s.hourCount(), s.hourlyCap()),
                        duration(untilNext(now, Buckets.HOUR_MS)));
                System.out.printf("day          %s  resets in %s%n", used(s.dayCount(), s.dailyCap()),
                        duration(untilNext(now, Buckets.DAY_MS)));
                System.out.printf("backend      %s (breaker %s)%n", s.backend().label(), s.breakerState());
                Object live = out.get("live_guards");
                System.out.printf("live guards  %s%n", live == null ? "unknown (Redis not in use)" : live + " (this command not counted)");
                System.out.printf("clock offset %d ms (local minus Redis)%n", s.clockOffsetMillis());
                for (Map<String, Object> layer : layers) {
                    System.out.printf("%-12s hour %s, day %s%n", layer.get("scope"),
                            used((Long) layer.get("hour_count"), (Long) layer.get("hourly_cap")),
                            used((Long) layer.get("day_count"), (Long) layer.get("daily_cap")));
                }
                for (String dimension : cut) {
                    System.out.printf("%-12s listing cut at %d values: more were counted today (--max-values, or --scope"
                            + " %s=VALUE to pick)%n", dimension, maxValues, dimension);
                }
                if (notListed != null) {
                    System.out.printf("scopes       not listed: %s (--scope DIMENSION=VALUE reads one)%n", notListed);
                }
            }
            return SniperCli.OK;
        }
    }

    /** Guards of the namespace live now, from Redis, without this command's own; null without Redis. */
    private static Long liveGuards(GuardSession session, SniperSettings settings, long now) {
        if (!session.usesRedis() || session.runtime.guard().currentBackend() != Backend.REDIS) {
            return null;
        }
        try {
            return new NamespaceKeys(session.runtime.link().orElseThrow().connection(),
                    settings.redis().effectiveNamespace()).liveGuards(now, session.runtime.guard().guardId());
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Milliseconds until the window of {@code length} holding {@code now} ends: when its count starts again at 0. */
    static long untilNext(long now, long length) {
        return length - Math.floorMod(now, length);
    }

    private static String used(long count, long cap) {
        return cap == 0 ? count + " (no cap)" : count + " of " + cap;
    }

    /** 3725000 ms as "1h 2m 5s". */
    static String duration(long millis) {
        long s = (millis + 999) / 1000;
        long h = s / 3600;
        long m = s % 3600 / 60;
        long sec = s % 60;
        return h > 0 ? String.format("%dh %02dm %02ds", h, m, sec) : m > 0 ? String.format("%dm %02ds", m, sec) : sec + "s";
    }

    /**
     * Every value of each declared dimension counted today, by SCAN of the namespace's keys (at most --max-values per
     * dimension; the dimensions with more go into {@code cut}). Needs Redis, and SCAN in the user's ACL.
     */
    private List<String> listed(SniperSettings settings, GuardSession session, long now, List<String> cut) {
        if (!session.usesRedis() || session.runtime.guard().currentBackend() != Backend.REDIS) {
            throw new IllegalStateException("Redis is not in use");
        }
        NamespaceKeys keys = new NamespaceKeys(session.runtime.link().orElseThrow().connection(),
                settings.redis().effectiveNamespace());
        List<String> names = new ArrayList<>();
        for (String dimension : settings.sniperMode().scopes().keySet()) {
            NamespaceKeys.ScopeValues values = keys.scopesOf(dimension, Buckets.day(now), maxValues);
            names.addAll(values.scopes());
            if (values.cut()) {
                cut.add(dimension);
            }
        }
        return names;
    }

    /** Each scope's counts with the caps the settings give it (0: none), read 8 at a time. */
    private static List<Map<String, Object>> layers(SniperSettings settings, GuardSession session, List<String> names,
                                                    long now) {
        List<ScopeCap> caps = new ArrayList<>();
        for (String name : names) {
            int eq = name.indexOf('=');
            caps.add(settings.sniperMode().scopeCaps(Map.of(name.substring(0, eq), name.substring(eq + 1))).get(0));
        }
        List<Map<String, Object>> layers = new ArrayList<>();
        List<StatusReply.ScopeStatus> counts = new ArrayList<>();
        for (int from = 0; from < names.size(); from += ScopeCap.MAX_SCOPES) {
            counts.addAll(session.runtime.guard().scopeStatus(names.subList(from,
                    Math.min(names.size(), from + ScopeCap.MAX_SCOPES))));
        }
        for (int i = 0; i < counts.size(); i++) {
            StatusReply.ScopeStatus c = counts.get(i);
            Map<String, Object> layer = new LinkedHashMap<>();
            layer.put("scope", c.scope());
            layer.put("hour_count", c.hourCount());
            layer.put("hourly_cap", caps.get(i).hourlyCap());
            layer.put("hour_resets_in_ms", untilNext(now, Buckets.HOUR_MS));
            layer.put("day_count", c.dayCount());
            layer.put("daily_cap", caps.get(i).dailyCap());
            layer.put("day_resets_in_ms", untilNext(now, Buckets.DAY_MS));
            layers.add(layer);
        }
        return layers;
    }
}
