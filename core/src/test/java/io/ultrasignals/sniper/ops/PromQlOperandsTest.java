package io.ultrasignals.sniper.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class PromQlOperandsTest {
    @Test
    void anExpressionWithoutAConditionIsItsOwnOperand() {
        assertThat(PromQlOperands.of("sum by (le) (rate(x_bucket{a=\"b>c\"}[5m]))"))
                .containsExactly("sum by (le) (rate(x_bucket{a=\"b>c\"}[5m]))");
    }

    @Test
    void splitsAtComparisonsOutsideCallsAndAggregations() {
        assertThat(PromQlOperands.of("histogram_quantile(0.99, sum by (le) (rate(x[5m]))) > 0.05"))
                .containsExactly("histogram_quantile(0.99, sum by (le) (rate(x[5m])))", "0.05");
        assertThat(PromQlOperands.of("up{job=\"sniper\"} == 0")).containsExactly("up{job=\"sniper\"}", "0");
        assertThat(PromQlOperands.of("abs(x) > bool 1")).containsExactly("abs(x)", "1");
    }

    @Test
    void goesThroughParenthesesAndSetOperatorsWithTheirModifiers() {
        String expr = """
                (
                    max by (job) (count{window="hour"})
                  >= max by (job) (cap{window="hour"} > 0)
                )
                and on (job) (sum by (job) (increase(d[4m])) > 0)
                AND ON () (vector(time() % 3600) >= 300 < 1800)
                """;
        assertThat(PromQlOperands.of(expr)).containsExactly("max by (job) (count{window=\"hour\"})",
                "max by (job) (cap{window=\"hour\"} > 0)", "sum by (job) (increase(d[4m]))", "0",
                "vector(time() % 3600)", "300", "1800");
        assertThat(PromQlOperands.readingSeries(expr)).containsExactly("max by (job) (count{window=\"hour\"})",
                "max by (job) (cap{window=\"hour\"} > 0)", "sum by (job) (increase(d[4m]))");
    }

    @Test
    void aWordThatMerelyContainsAnOperatorIsNotSplit() {
        assertThat(PromQlOperands.of("sandor_total or_else_total")).containsExactly("sandor_total or_else_total");
        assertThat(PromQlOperands.of("a unless b")).containsExactly("a", "b");
    }
}
