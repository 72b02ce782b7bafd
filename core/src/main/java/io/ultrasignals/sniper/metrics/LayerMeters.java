package io.ultrasignals.sniper.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code sniper_cap_blocks_total{layer, window}}: signals a cap blocked, by the layer's <em>dimension</em>
 * ({@code fleet}, {@code strategy}, {@code symbol}) and window ({@code hour}, {@code day}) — never by value, so a
 * dashboard holds a handful of series whatever the number of symbols. The seed's {@code sniper_hourly_cap_total} and
 * {@code sniper_daily_cap_total} keep counting every such block, whatever layer it came from.
 *
 * <p>Dimensions come from the settings (only a declared dimension has a cap), at most 8; should more ever show up,
 * they count as {@code other}, so the series stay bounded whatever reaches this class.
 */
final class LayerMeters {
    /** fleet plus 8 dimensions, for each window. */
    private static final int MAX_SERIES = 2 * (1 + 8);
    static final String OTHER = "other";

    private final MeterRegistry registry;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    LayerMeters(MeterRegistry registry) {
        this.registry = registry;
        counter(Decision.FLEET, "hour");
        counter(Decision.FLEET, "day");
    }

    /** Called on the decision path. */
    void record(Decision decision) {
        Reason reason = decision.reason();
        if (decision.replayed() || decision.layer() == null
                || reason != Reason.SNIPER_HOURLY_CAP && reason != Reason.SNIPER_DAILY_CAP) {
            return;
        }
        counter(dimension(decision.layer()), reason == Reason.SNIPER_HOURLY_CAP ? "hour" : "day").increment();
    }

    /** {@code symbol} of {@code symbol=BTCUSDT}; {@code fleet} as is. */
    static String dimension(String layer) {
        int eq = layer.indexOf('=');
        return eq < 0 ? layer : layer.substring(0, eq);
    }

    private Counter counter(String dimension, String window) {
        String key = dimension + "|" + window;
        Counter counter = counters.get(key);
        if (counter != null) {
            return counter;
        }
        if (counters.size() >= MAX_SERIES) {
            dimension = OTHER;
            key = OTHER + "|" + window;
        }
        String layer = dimension;
        return counters.computeIfAbsent(key, k -> Counter.builder("sniper.cap.blocks")
                .description("Signals blocked by a cap, by the layer's dimension (fleet, strategy, symbol: never a value)"
                        + " and window")
                .tag("layer", layer)
                .tag("window", window)
                .register(registry));
    }
}
