package io.ultrasignals.sniper.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

/** The two computations the engine does without the obvious (allocating or overflowing) code. */
class ExactArithmeticProperties {

    @Property
    void byteLengthIsTheLengthOfTheUtf8TheScriptsReceive(@ForAll String id) {
        assertThat(ScriptArguments.utf8Length(id)).isEqualTo(id.getBytes(StandardCharsets.UTF_8).length);
    }

    @Property
    void weightedPreviousIsTheExactFloor(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long previous,
                                         @ForAll @LongRange(min = 0, max = LocalEngine.DAY_MS - 1) long elapsed,
                                         @ForAll boolean hourly) {
        long window = hourly ? LocalEngine.HOUR_MS : LocalEngine.DAY_MS;
        long inWindow = elapsed % window;
        BigInteger exact = BigInteger.valueOf(previous).multiply(BigInteger.valueOf(window - inWindow))
                .divide(BigInteger.valueOf(window));
        assertThat(LocalEngine.weightedPrevious(previous, window, inWindow)).isEqualTo(exact.longValueExact());
    }

    @Property
    void theFractionAboveTheFloorIsExact(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long previous,
                                         @ForAll @LongRange(min = 0, max = LocalEngine.DAY_MS - 1) long elapsed,
                                         @ForAll boolean hourly) {
        long window = hourly ? LocalEngine.HOUR_MS : LocalEngine.DAY_MS;
        long inWindow = elapsed % window;
        boolean exact = !BigInteger.valueOf(previous).multiply(BigInteger.valueOf(window - inWindow))
                .mod(BigInteger.valueOf(window)).equals(BigInteger.ZERO);
        assertThat(LocalEngine.weightedPreviousHasFraction(previous, window, inWindow)).isEqualTo(exact);
    }
}
