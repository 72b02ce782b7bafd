package io.ultrasignals.sniper.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ultrasignals.sniper.ops.PromQlSelectors.LabelMatcher;
import io.ultrasignals.sniper.ops.PromQlSelectors.Selector;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class PromQlSelectorsTest {
    private static List<String> metrics(String expr) {
        return PromQlSelectors.of(expr).stream().map(Selector::metric).toList();
    }

    @Test
    void functionsAggregationsGroupingLabelsAndDurationsAreNotMetrics() {
        assertThat(metrics("histogram_quantile(0.99, sum by (le, job) (rate(lat_bucket{job=~\"$job\"}[$__rate_interval])))"))
                .containsExactly("lat_bucket");
        assertThat(metrics("sum(rate(a_total[5m])) by (reason) / on (job) group_left max without (instance) (b offset 1h30m)"))
                .containsExactly("a_total", "b");
        assertThat(metrics("(x >= y > 0) and on () (vector(time() % 3600) >= 300 < 1800) or minute() unless z"))
                .containsExactly("x", "y", "z");
        assertThat(metrics("abs(offset_seconds) > 1e-3 and count(up == bool 0) > Inf")).containsExactly("offset_seconds", "up");
    }

    @Test
    void labelMatchersAreReadWithTheirOperatorAndUnquotedValue() {
        Selector s = PromQlSelectors.of("rate(d_total{outcome=\"blocked\", job=~\"$job\",instance!~'a\\'b', x!=`r{}`}[1m])").get(0);
        assertThat(s.matchers()).containsExactly(new LabelMatcher("outcome", "=", "blocked"),
                new LabelMatcher("job", "=~", "$job"), new LabelMatcher("instance", "!~", "a'b"), new LabelMatcher("x", "!=", "r{}"));
        assertThat(s.matcher("job")).contains(new LabelMatcher("job", "=~", "$job"));
    }

    @Test
    void aNamelessSelectorIsReportedWithAnEmptyName() {
        assertThat(PromQlSelectors.of("{__name__=~\"sniper_.*\"}")).containsExactly(
                new Selector("", List.of(new LabelMatcher("__name__", "=~", "sniper_.*"))));
    }

    @Test
    void brokenInputIsRefusedWithThePlace() {
        assertThatThrownBy(() -> PromQlSelectors.of("a{job=\"x\"")).hasMessageContaining("unclosed {");
        assertThatThrownBy(() -> PromQlSelectors.of("a{job=\"x}")).hasMessageContaining("unclosed string");
        assertThatThrownBy(() -> PromQlSelectors.of("a{job}")).hasMessageContaining("expected label=\"value\"");
    }
}
