package io.ultrasignals.sniper.script;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class AuditIdentityTest {
    @Test
    void theSettingNamesTheRunnerAndBoundsTheStream() {
        assertThat(AuditIdentity.ofThisProcess("g1", " desk-a/momentum ", 5_000).argv())
                .containsExactly("@who=g1", "desk-a/momentum", "5000");
        assertThat(AuditIdentity.ofThisProcess("g1", "desk-a/momentum", 5_000, 86_400_000).argv())
                .as("with an age bound: <max_entries>:<max_age_ms>").containsExactly("@who=g1", "desk-a/momentum", "5000:86400000");
    }

    @Test
    void withoutTheSettingTheRunnerIsThisProcessAndTheBoundTheDefault() {
        String before = System.getProperty("sniper.runner");
        System.clearProperty("sniper.runner");
        try {
            AuditIdentity who = AuditIdentity.ofThisProcess("g1");
            String expected = System.getenv("SNIPER_RUNNER") == null || System.getenv("SNIPER_RUNNER").isBlank()
                    ? AuditIdentity.defaultRunner() : System.getenv("SNIPER_RUNNER").strip();
            assertThat(who.runner()).isEqualTo(expected);
            assertThat(who.maxEntries()).isEqualTo(100_000);
            assertThat(who.bound()).as("a week by default").isEqualTo("100000:604800000");
            System.setProperty("sniper.runner", "from-property");
            assertThat(AuditIdentity.ofThisProcess("g1", null, 10).runner()).isEqualTo("from-property");
            assertThat(AuditIdentity.ofThisProcess("g1", "from-setting", 10).runner()).isEqualTo("from-setting");
        } finally {
            if (before == null) {
                System.clearProperty("sniper.runner");
            } else {
                System.setProperty("sniper.runner", before);
            }
        }
    }

    @Test
    void aBoundOutsideTheScriptsRangeIsRefused() {
        assertThatThrownBy(() -> AuditIdentity.ofThisProcess("g1", "r", 0))
                .hasMessage("audit max entries must be 1..100000000, got 0");
    }
}
