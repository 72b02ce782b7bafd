package io.ultrasignals.sniper;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Without the javaagent, the accessor starts the JVM's one guard itself (here: defaults, sniper mode off). */
@Tag("unit")
class SniperAgentAccessTest {
    @Test
    void withoutTheAgentTheFirstCallStartsOneGuardForTheJvm() {
        assertThat(SniperAgentAccess.agentAttached()).isFalse();
        SniperGuard guard = SniperAgentAccess.guard();

        assertThat(SniperAgentAccess.guard()).isSameAs(guard);
        Decision decision = guard.acquire(Signal.of(false));
        assertThat(decision.allowed()).isTrue();
        assertThat(decision.backend()).isEqualTo(Backend.OFF);
    }
}
