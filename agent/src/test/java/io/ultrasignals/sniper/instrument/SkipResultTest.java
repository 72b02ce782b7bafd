package io.ultrasignals.sniper.instrument;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import net.bytebuddy.description.type.TypeDescription;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class SkipResultTest {
    private static Object value(String text, Class<?> type) throws ClassNotFoundException {
        return SkipResult.of(text, TypeDescription.ForLoadedType.of(type)).value(SkipResultTest.class.getClassLoader());
    }

    @Test
    void defaultsAreTheTypesZeroValues() throws Exception {
        assertThat(value(null, boolean.class)).isEqualTo(false);
        assertThat(value(null, int.class)).isEqualTo(0);
        assertThat(value(null, long.class)).isEqualTo(0L);
        assertThat(value(null, double.class)).isEqualTo(0d);
        assertThat(value(null, char.class)).isEqualTo('\0');
        assertThat(value(null, Integer.class)).isNull();
        assertThat(value(null, String.class)).isNull();
    }

    @Test
    void convertsTextToTheReturnType() throws Exception {
        assertThat(value("TRUE", boolean.class)).isEqualTo(true);
        assertThat(value("-1", int.class)).isEqualTo(-1);
        assertThat(value("127", Byte.class)).isEqualTo((byte) 127);
        assertThat(value("9000000000", long.class)).isEqualTo(9_000_000_000L);
        assertThat(value("0.5", double.class)).isEqualTo(0.5d);
        assertThat(value("x", char.class)).isEqualTo('x');
        assertThat(value("skipped", String.class)).isEqualTo("skipped");
        assertThat(value("skipped", CharSequence.class)).isEqualTo("skipped");
        assertThat(value("SECONDS", TimeUnit.class)).isEqualTo(TimeUnit.SECONDS);
    }

    @Test
    void saysWhatWasExpected() {
        assertThatThrownBy(() -> value("128", byte.class)).hasMessage("expected an integer -128..127, got 128");
        assertThatThrownBy(() -> value("yes", boolean.class)).hasMessage("expected true or false for a boolean, got \"yes\"");
        assertThatThrownBy(() -> value("1.5", int.class)).hasMessage("expected a number for int, got \"1.5\"");
        assertThatThrownBy(() -> value("ab", char.class)).hasMessage("expected one character for a char, got \"ab\"");
        assertThatThrownBy(() -> value("SOON", TimeUnit.class))
                .hasMessage("\"SOON\" is not a constant of the enum java.util.concurrent.TimeUnit");
        assertThatThrownBy(() -> value("[]", java.util.List.class)).hasMessage("cannot convert \"[]\" to java.util.List; "
                + "supported: primitives and their boxes, String (CharSequence, Object) and enum constants");
    }
}
