package io.ultrasignals.sniper.instrument;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class AgentOptionsTest {
    @Test
    void noOptionsMeanEnvironmentOnlyAndCheckAtStart() {
        assertThat(AgentOptions.parse(null)).isEqualTo(new AgentOptions(null, true));
        assertThat(AgentOptions.parse("")).isEqualTo(new AgentOptions(null, true));
    }

    @Test
    void configAndCheck() {
        assertThat(AgentOptions.parse("config=/etc/runner/settings.yaml,check=load"))
                .isEqualTo(new AgentOptions(Path.of("/etc/runner/settings.yaml"), false));
        assertThat(AgentOptions.parse(" check = START , config = s.yaml "))
                .isEqualTo(new AgentOptions(Path.of("s.yaml"), true));
    }

    @Test
    void mistakesNameTheOptionAndWhatWasExpected() {
        assertThatThrownBy(() -> AgentOptions.parse("conifg=s.yaml")).isInstanceOf(Misconfiguration.class)
                .hasMessage("agent option \"conifg\": unknown; expected comma-separated config=PATH and check=start|load");
        assertThatThrownBy(() -> AgentOptions.parse("config")).isInstanceOf(Misconfiguration.class)
                .hasMessage("agent option \"config\": has no value; expected comma-separated config=PATH and check=start|load");
        assertThatThrownBy(() -> AgentOptions.parse("check=later")).isInstanceOf(Misconfiguration.class)
                .hasMessage("agent option check=later: expected start or load");
    }
}
