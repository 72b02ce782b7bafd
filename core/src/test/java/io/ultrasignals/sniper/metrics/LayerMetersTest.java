package io.ultrasignals.sniper.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Blocks by the layer's dimension: bounded series, the seed's counters unchanged. */
@Tag("unit")
class LayerMetersTest {
    private final SniperMetrics metrics = new SniperMetrics();

    private static Decision blocked(Reason cap, String layer, boolean replayed) {
        return Decision.blockedByCap(cap, Backend.REDIS, 1, 1, 10, 0, replayed).withLayer(layer);
    }

    private Exposition scrape() {
        return Exposition.parse(metrics.registry().scrape());
    }

    @Test
    void blocksCountByDimensionAndWindowNeverByValueAndTheSeedCountersKeepCountingEveryBlock() {
        metrics.onDecision(blocked(Reason.SNIPER_HOURLY_CAP, "symbol=BTCUSDT", false), 1);
        metrics.onDecision(blocked(Reason.SNIPER_HOURLY_CAP, "symbol=ETHUSDT", false), 1);
        metrics.onDecision(blocked(Reason.SNIPER_DAILY_CAP, "strategy=momentum", false), 1);
        metrics.onDecision(blocked(Reason.SNIPER_HOURLY_CAP, Decision.FLEET, false), 1);
        metrics.onDecision(blocked(Reason.SNIPER_HOURLY_CAP, "symbol=BTCUSDT", true), 1);
        Exposition scrape = scrape();
        assertThat(scrape.value("sniper_cap_blocks_total", Map.of("layer", "symbol", "window", "hour"))).isEqualTo(2.0);
        assertThat(scrape.value("sniper_cap_blocks_total", Map.of("layer", "strategy", "window", "day"))).isEqualTo(1.0);
        assertThat(scrape.value("sniper_cap_blocks_total", Map.of("layer", "fleet", "window", "hour"))).isEqualTo(1.0);
        assertThat(scrape.samples("sniper_cap_blocks_total")).extracting(s -> s.labels().get("layer"))
                .doesNotContain("symbol=BTCUSDT", "BTCUSDT");
        assertThat(scrape.value("sniper_hourly_cap_total")).as("every hourly block, whatever its layer; not the replay")
                .isEqualTo(3.0);
        assertThat(scrape.value("sniper_daily_cap_total")).isEqualTo(1.0);
    }

    @Test
    void theFleetSeriesExistAtZeroAndTheSeriesStayBounded() {
        assertThat(scrape().samples("sniper_cap_blocks_total")).extracting(s -> s.labels().get("layer")).containsOnly("fleet");
        for (int i = 0; i < 40; i++) {
            metrics.onDecision(blocked(Reason.SNIPER_HOURLY_CAP, "d" + i + "=v", false), 1);
        }
        assertThat(scrape().samples("sniper_cap_blocks_total")).hasSizeLessThanOrEqualTo(2 * 9 + 2)
                .extracting(s -> s.labels().get("layer")).contains(LayerMeters.OTHER);
    }

    @Test
    void aFallbackDenialNamingAScopeIsNotACapBlock() {
        metrics.onDecision(Decision.waitingForGate(0, 0, 0).withLayer("strategy=momentum"), 1);
        assertThat(scrape().samples("sniper_cap_blocks_total")).allMatch(s -> s.value() == 0);
    }
}
