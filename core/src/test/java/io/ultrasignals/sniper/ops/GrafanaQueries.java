package io.ultrasignals.sniper.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.ops.DashboardExpressions.PanelQuery;
import io.ultrasignals.sniper.ops.DashboardExpressions.VariableQuery;
import io.ultrasignals.sniper.ops.DashboardExpressions.Variables;
import io.ultrasignals.sniper.testkit.PrometheusResult;
import io.ultrasignals.sniper.testkit.PrometheusServer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/** The dashboard's queries sent to a real Prometheus the way Grafana sends them, with the checks every test makes. */
public final class GrafanaQueries {
    private GrafanaQueries() {}

    /**
     * Sends {@code raw} with {@code variables} filled in, as an instant query or as a range query over
     * the last 3 s at {@code step}; it must parse and return data without NaN.
     */
    public static void assertReturnsData(PrometheusServer prometheus, PanelQuery raw, Variables variables, Duration step) {
        String expr = variables.apply(raw.expr());
        Instant now = Instant.now();
        PrometheusResult result = raw.instant()
                ? prometheus.query(expr)
                : prometheus.queryRange(expr, now.minusSeconds(3), now, step);
        assertThat(result.resultType()).isEqualTo(raw.instant() ? "vector" : "matrix");
        assertThat(result.isEmpty()).as("no data for %s sent as `%s`", raw, expr).isFalse();
        assertThat(result.values()).as("values of `%s`", expr).noneMatch(v -> v.isNaN());
    }

    /** Grafana's job and instance pickers offer exactly {@code job} and {@code instance}. */
    public static void assertPickersOffer(PrometheusServer prometheus, Variables variables, String job, String instance) {
        Map<String, String> expected = Map.of("job", job, "instance", instance);
        for (VariableQuery variable : DashboardExpressions.variableQueries()) {
            PrometheusResult result = prometheus.query(variable.asPromQl(variables));
            assertThat(result.series()).as("values of $%s", variable.variable())
                    .extracting(s -> s.labels().get(variable.label())).containsExactly(expected.get(variable.variable()));
        }
    }
}
