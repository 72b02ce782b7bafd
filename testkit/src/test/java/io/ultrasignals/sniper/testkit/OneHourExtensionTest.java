package io.ultrasignals.sniper.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class OneHourExtensionTest {
    private static final long HOUR = OneHourExtension.HOUR_MILLIS;
    private static final long NINE = 9 * HOUR;

    @Test
    void aTestThatFitsInTheHourStartsAtOnce() {
        assertThat(OneHourExtension.waitMillis(NINE, 60_000)).isZero();
        assertThat(OneHourExtension.waitMillis(NINE + HOUR - 60_000, 60_000)).isZero();
    }

    @Test
    void aTestThatWouldCrossTheHourStartsInTheNextOne() {
        long nineSecondsBefore = NINE + HOUR - 9_000; // 09:59:51: the failure this guards against began at 09:00:09
        long wait = OneHourExtension.waitMillis(nineSecondsBefore, 60_000);
        assertThat(nineSecondsBefore + wait).isBetween(NINE + HOUR, NINE + HOUR + 1_000);
    }

    @Test
    void anHourOrMoreCannotFit() {
        assertThatThrownBy(() -> OneHourExtension.waitMillis(NINE, HOUR))
                .hasMessage("a test within one hour needs less than an hour, got 3600000 ms");
    }
}
