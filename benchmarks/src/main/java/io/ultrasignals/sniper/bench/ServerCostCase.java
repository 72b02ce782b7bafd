package io.ultrasignals.sniper.bench;

import io.lettuce.core.ScriptOutputType;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * One script call shape that {@link ServerCost} measures: which script, its output type, KEYS, and
 * the ARGV of the i-th call (most cases send the same ARGV every time; the signal-id case does not).
 * {@code primed}: call once before timing, so that every timed call takes the same path (a replay).
 * {@code planted}: string keys set after each round's FLUSHALL, before timing (a stored policy, a halt).
 */
record ServerCostCase(String label, String sha, ScriptOutputType type, String[] keys, IntFunction<String[]> argvOf,
                      boolean primed, Map<String, String> planted) {
    ServerCostCase(String label, String sha, ScriptOutputType type, String[] keys, IntFunction<String[]> argvOf,
                   boolean primed) {
        this(label, sha, type, keys, argvOf, primed, Map.of());
    }

    static ServerCostCase constant(String label, String sha, ScriptOutputType type, String[] keys, String[] argv) {
        return new ServerCostCase(label, sha, type, keys, i -> argv, false);
    }

    ServerCostCase primedFirst() {
        return new ServerCostCase(label, sha, type, keys, argvOf, true, planted);
    }

    /** This case with {@code key} set to {@code value} before it is timed. */
    ServerCostCase with(String key, String value) {
        Map<String, String> more = new java.util.LinkedHashMap<>(planted);
        more.put(key, value);
        return new ServerCostCase(label, sha, type, keys, argvOf, primed, Map.copyOf(more));
    }
}
