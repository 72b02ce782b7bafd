package io.ultrasignals.sniper.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.ops.MetricNames;
import io.ultrasignals.sniper.ops.MetricNames.MetricName;
import io.ultrasignals.sniper.testkit.RepoRoot;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** docs/metrics.md describes every series the agent exports under its own name. */
@Tag("unit")
class MetricsDocumentationTest {
    @Test
    void everyListedSniperSeriesIsDocumented() throws IOException {
        String doc = Files.readString(RepoRoot.resolve("docs/metrics.md"));
        for (MetricName listed : MetricNames.all()) {
            if (!listed.name().startsWith("sniper_")) {
                continue;
            }
            String family = listed.type().equals("histogram")
                    ? listed.name().replaceFirst("_(bucket|count|sum)$", "") : listed.name();
            assertThat(doc).as("docs/metrics.md on %s", listed.name()).contains("| `" + family + "` | " + listed.type());
        }
    }
}
