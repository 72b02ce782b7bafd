package io.ultrasignals.sniper.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ultrasignals.sniper.guard.DefaultSniperGuard;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The {@code /health} body: what the guard knows now, from memory only (no Redis call, so a health
 * probe cannot add load to Redis or wait on it). Holds no settings beyond the caps: never a host,
 * a password or a signal id.
 *
 * <pre>{@code
 * {"status":"ok","backend":"redis","redis_configured":true,"fallback_active":false,"breaker":"CLOSED",
 *  "last_redis_round_trip_seconds":0.00042,"last_redis_round_trip_age_seconds":0.8,
 *  "clock_offset_seconds":0.001,"live_guards":3,"pending_credits":0,"hour_count":1,"day_count":4,
 *  "hourly_cap":2,"daily_cap":6,"fallback_budget":{"hour":0,"day":0}}
 * }</pre>
 * {@code status} is {@code degraded} while the fallback decides; the guard still answers then, so the
 * HTTP status stays 200.
 */
final class HealthReport {
    /** Loaded at the first {@code /health} request, not at every runner's start (Jackson is some 400 classes). */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();

        static byte[] write(Map<String, Object> fields) {
            try {
                return MAPPER.writeValueAsBytes(fields);
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException("cannot write the health report", e);
            }
        }
    }

    private final DefaultSniperGuard guard;
    private final SniperMetrics metrics;
    private final long hourlyCap;
    private final long dailyCap;
    private final boolean redisConfigured;

    HealthReport(DefaultSniperGuard guard, SniperMetrics metrics, long hourlyCap, long dailyCap, boolean redisConfigured) {
        this.guard = guard;
        this.metrics = metrics;
        this.hourlyCap = hourlyCap;
        this.dailyCap = dailyCap;
        this.redisConfigured = redisConfigured;
    }

    Map<String, Object> fields() {
        boolean fallback = metrics.fallbackActive();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", fallback ? "degraded" : "ok");
        out.put("backend", guard.currentBackend().label());
        out.put("redis_configured", redisConfigured);
        out.put("fallback_active", fallback);
        out.put("breaker", guard.breakerState());
        out.put("last_redis_round_trip_seconds", orNull(metrics.lastRedisRoundTripSeconds()));
        out.put("last_redis_round_trip_age_seconds", orNull(metrics.lastRedisRoundTripAgeSeconds()));
        out.put("clock_offset_seconds", guard.clock().offsetMillis() / 1000.0);
        out.put("live_guards", guard.liveGuards());
        out.put("pending_credits", guard.pendingCredits());
        out.put("hour_count", metrics.latestHourCount());
        out.put("day_count", metrics.latestDayCount());
        out.put("hourly_cap", hourlyCap);
        out.put("daily_cap", dailyCap);
        Map<String, Object> budget = new LinkedHashMap<>();
        budget.put("hour", hourlyCap > 0 ? guard.hourBudget() : null);
        budget.put("day", dailyCap > 0 ? guard.dayBudget() : null);
        out.put("fallback_budget", budget);
        return out;
    }

    byte[] json() {
        return Json.write(fields());
    }

    private static Double orNull(OptionalDouble value) {
        return value.isPresent() ? value.getAsDouble() : null;
    }
}
