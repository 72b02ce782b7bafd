package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** When a guard may admit locally: only in an outage, and only once Redis must hold its share. */
@Tag("unit")
class LocalAdmissionGateTest {
    private final LocalAdmissionGate gate = new LocalAdmissionGate(700);

    @Test
    void closedWhileRedisAnswers() {
        gate.sendingRedisBeat(1_000);
        assertThat(gate.mayAdmit(5_000)).as("no failure since the redis heartbeat").isFalse();
    }

    @Test
    void opensOnlyOnceTheLastRedisHeartbeatHasLapsed() {
        gate.sendingRedisBeat(1_000);
        gate.redisFailed();
        assertThat(gate.mayAdmit(1_699)).as("Redis may still count this guard as on Redis").isFalse();
        assertThat(gate.mayAdmit(1_700)).isTrue();
    }

    @Test
    void opensAtOnceWhenRedisAppliedALocalHeartbeatAndClosesAgainWithTheNextRedisOne() {
        gate.sendingRedisBeat(1_000);
        gate.redisFailed();
        gate.localBeatApplied();
        assertThat(gate.mayAdmit(1_001)).as("held as local by Redis").isTrue();
        gate.sendingRedisBeat(2_000);
        assertThat(gate.mayAdmit(2_001)).as("told Redis it is back: catching up, not an outage").isFalse();
        gate.redisFailed();
        assertThat(gate.mayAdmit(2_699)).isFalse();
        assertThat(gate.mayAdmit(2_700)).isTrue();
    }
}
