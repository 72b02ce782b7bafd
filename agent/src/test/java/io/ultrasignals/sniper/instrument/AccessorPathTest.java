package io.ultrasignals.sniper.instrument;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ultrasignals.sniper.instrument.AccessorPath.Step;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class AccessorPathTest {
    @Test
    void parameterItself() {
        assertThat(AccessorPath.parse("arg1")).isEqualTo(new AccessorPath("arg1", 1, List.of()));
    }

    @Test
    void methodsAndFieldsInAChain() {
        assertThat(AccessorPath.parse("arg0.getOrder().id").steps())
                .containsExactly(new Step("getOrder", true), new Step("id", false));
        assertThat(AccessorPath.parse("arg12.orderId()").parameter()).isEqualTo(12);
    }

    @Test
    void rejectsWhatIsNotTheSyntax() {
        for (String bad : List.of("id", "this.id", "arg", "arg01", "arg0.", "arg0..id", "arg0.get(1)", "arg0.9lives", "arg0.id(")) {
            assertThatThrownBy(() -> AccessorPath.parse(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected argN");
        }
    }
}
