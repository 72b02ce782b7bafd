package io.ultrasignals.sniper.cli;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.GuardStatus;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.guard.GuardListener;
import io.ultrasignals.sniper.script.Buckets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Counts and caps of the hour and the day, the time until each resets, the backend, the breaker, "
                + "the live guards and the clock offset.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

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
            if (common.json) {
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
}
