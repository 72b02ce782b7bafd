package io.ultrasignals.sniper.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

class ToolsTest {
    private static final String MISSING = "sniper-tool-that-does-not-exist";

    @Test
    void aMissingToolSkipsLocallyAndFailsUnderCi() {
        assertThat(Tools.find(MISSING)).isEmpty();
        Class<? extends Throwable> expected = Tools.isCi() ? IllegalStateException.class : TestAbortedException.class;
        assertThatThrownBy(() -> Tools.requireOrSkip(MISSING)).isInstanceOf(expected)
                .hasMessageContaining(MISSING + " not found").hasMessageContaining("SNIPER_SNIPER_TOOL_THAT_DOES_NOT_EXIST");
    }

    @Test
    void aToolOnThePathIsFound() {
        // sh is on every machine these tests run on.
        assertThat(Tools.find("sh")).hasValueSatisfying(path -> assertThat(path).isExecutable());
    }
}
