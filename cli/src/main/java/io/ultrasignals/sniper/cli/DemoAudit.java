package io.ultrasignals.sniper.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The demo's audit: Redis's books against the admissions the runners made, the outage's admissions against
 * the bound, decisions by backend, latency. Printed as a table, or with {@code --json} as one JSON object on the
 * last line of stdout.
 */
final class DemoAudit {
    private final Map<String, Object> fields = new LinkedHashMap<>();
    private final DemoFleet fleet;
    private final OutageBound bound;

    /**
     * @param baselineHour Redis's hour count before the run (0 on the bundled Redis)
     * @param redisCounts  hour and day count read from Redis after every runner credited, or null if none answered
     */
    DemoAudit(DemoFleet fleet, Map<String, Object> redis, long hourlyCap, long dailyCap, long baselineHour,
              long baselineDay, OutageBound bound, long[] redisCounts) {
        this.fleet = fleet;
        this.bound = bound;
        long admitted = fleet.admitted();
        long released = fleet.released();
        long counted = admitted - released; // what Redis's books should hold: admissions less the slots given back
        boolean credited = fleet.runners().stream().allMatch(r -> r.finalPending == 0);
        Long redisHour = redisCounts == null ? null : redisCounts[0];
        Long redisDay = redisCounts == null ? null : redisCounts[1];
        long admittedBound = bound == null ? Math.max(0, hourlyCap - baselineHour) : bound.readmeBound() - baselineHour;
        fields.put("redis", redis);
        fields.put("runners", fleet.runners().size());
        fields.put("signals", fleet.decisions());
        fields.put("admitted", admitted);
        fields.put("released", released);
        Map<String, Long> byRunner = new LinkedHashMap<>();
        fleet.runners().forEach(r -> byRunner.put("r" + r.index, r.admitted));
        fields.put("admitted_by_runner", byRunner);
        fields.put("admitted_bound", admittedBound);
        fields.put("hourly_cap", hourlyCap);
        fields.put("daily_cap", dailyCap);
        fields.put("redis_hour_count", redisHour);
        fields.put("redis_day_count", redisDay);
        fields.put("redis_hour_count_before", baselineHour);
        fields.put("redis_day_count_before", baselineDay);
        // Local admissions after the kill; until a runner has credited them it keeps deciding locally (same budget).
        fields.put("outage_admitted", bound == null ? 0 : fleet.admittedBy(DemoFleet.Phase.OUTAGE, "local")
                + fleet.admittedBy(DemoFleet.Phase.AFTER_OUTAGE, "local"));
        fields.put("outage_bound", bound == null ? 0 : bound.fleetShare());
        fields.put("outage_shares", bound == null ? java.util.List.of() : bound.shares());
        fields.put("overshoot", Math.max(0, baselineHour + counted - hourlyCap));
        fields.put("all_credited", credited);
        fields.put("books_match", credited && redisHour != null && redisHour - baselineHour == counted
                && redisDay - baselineDay == counted);
        fields.put("backend_counts", fleet.backendCounts());
        fields.put("admitted_by_phase", fleet.admittedByPhase());
        fields.put("blocked", fleet.blockedCounts());
        fields.put("blocked_by_layer", fleet.blockedByLayer());
        fields.put("scope_caps", Map.of(DemoCommand.SCOPE_LAYER, DemoSettings.STRATEGY_HOURLY_CAP));
        long firstScopeBlock = fleet.firstScopeBlock.get();
        fields.put("fleet_count_at_first_scope_block", firstScopeBlock < 0 ? null : baselineHour + firstScopeBlock);
        Latencies all = fleet.latencies();
        fields.put("latency_p50_us", all.micros(0.5));
        fields.put("latency_p99_us", all.micros(0.99));
        fields.put("latency_max_us", all.micros(1.0));
        Map<String, Map<String, Double>> byBackend = new TreeMap<>();
        fleet.latenciesByBackend().forEach((backend, l) -> byBackend.put(backend,
                Map.of("p50_us", l.micros(0.5), "p99_us", l.micros(0.99))));
        fields.put("latency_by_backend", byBackend);
    }

    /** The halt drill: decisions answered SNIPER_HALTED while the fleet was halted, and the audit stream's tail. */
    void halt(long halted, String reason, List<Map<String, Object>> auditTail) {
        fields.put("halted", halted);
        fields.put("halt_reason", reason);
        fields.put("audit_tail", auditTail);
    }

        void print(PrintStream out, boolean json, double seconds) {
        fields.put("seconds", Math.round(seconds * 10) / 10.0);
        if (json) {
            out.println(Json.of(fields));
            return;
        }
        out.println("Audit");
        @SuppressWarnings("unchecked")
        Map<String, Object> redis = (Map<String, Object>) fields.get("redis");
        out.printf("  redis              %s %s at %s%n", redis.get("source"),
                redis.get("version") == null ? "" : redis.get("version"), redis.get("address"));
        out.printf("  admitted           %d of %d signals (%d released again), by runner %s%n", fields.get("admitted"),
                fields.get("signals"), fields.get("released"),
                ((Map<?, ?>) fields.get("admitted_by_runner")).entrySet().stream()
                        .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
        out.printf("  Redis's books      hour %s, day %s (before the run %s, %s): %s%n", fields.get("redis_hour_count"),
                fields.get("redis_day_count"), fields.get("redis_hour_count_before"), fields.get("redis_day_count_before"),
                Boolean.TRUE.equals(fields.get("books_match")) ? "match the admissions less the releases"
                        : "DO NOT match the admissions less the releases");
        out.printf("  caps               %s/hour %s/day; overshoot of the hourly cap %s%n",
                fields.get("hourly_cap"), fields.get("daily_cap"), fields.get("overshoot"));
        if (bound != null) {
            out.printf("  outage             %s admitted locally, at most the runners' shares %s = %d%n",
                    fields.get("outage_admitted"), bound.shares(), bound.fleetShare());
            out.printf("  bound              the hour counts at most the cap + what the last heartbeat before the outage "
                            + "missed = %d + %d = %d (README, \"When Redis is away\"); Redis held %d when it died%n", bound.hourlyCap(),
                    bound.admittedInLastBeat(), bound.readmeBound(), bound.redisCountAtOutage());
        }
        out.printf("  decided by         %s%n", fields.get("backend_counts"));
        out.printf("  admitted by phase  %s%n", fields.get("admitted_by_phase"));
        out.printf("  blocked            %s%n", fields.get("blocked"));
        out.printf("  blocked by layer   %s; %s capped at %s/hour, first blocked at fleet count %s of %s%n",
                fields.get("blocked_by_layer"), DemoCommand.SCOPE_LAYER, DemoSettings.STRATEGY_HOURLY_CAP,
                fields.get("fleet_count_at_first_scope_block"), fields.get("hourly_cap"));
        if (fields.containsKey("halted")) {
            out.printf("  halted             %s decisions SNIPER_HALTED (\"%s\"), then resumed%n", fields.get("halted"),
                    fields.get("halt_reason"));
            out.println("  audit stream tail");
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> tail = (List<Map<String, Object>>) fields.get("audit_tail");
            tail.forEach(e -> out.printf("    %s%n", e.entrySet().stream()
                    .filter(f -> !f.getValue().toString().isEmpty())
                    .map(f -> f.getKey() + "=" + f.getValue()).collect(Collectors.joining(" "))));
        }
        out.printf("  decision latency   %s%n", fleet.latencies().summary());
        fleet.latenciesByBackend().forEach((backend, l) ->
                out.printf("    %-7s          %s%n", backend, l.summary()));
        out.printf("  took               %.1f s%n", seconds);
    }
}
