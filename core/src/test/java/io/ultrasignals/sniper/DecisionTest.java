package io.ultrasignals.sniper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Decisions built by name say what they are; shadow lets through what would have been blocked. */
@Tag("unit")
class DecisionTest {
    @Test
    void factoriesSayWhatTheDecisionIs() {
        assertThat(Decision.admittedBy(Backend.REDIS, 3, 7, 100, true))
                .isEqualTo(new Decision(true, Reason.OK, 3, 7, 0, 100, Backend.REDIS, true, false, null));
        assertThat(Decision.blockedByCap(Reason.SNIPER_DAILY_CAP, Backend.LOCAL, 3, 7, 50, 100, false))
                .isEqualTo(new Decision(false, Reason.SNIPER_DAILY_CAP, 3, 7, 50, 100, Backend.LOCAL, false, false, null));
        assertThat(Decision.blockedByMtf(Backend.REDIS, 3, 7, 100, false))
                .isEqualTo(new Decision(false, Reason.SNIPER_MTF_REQUIRED, 3, 7, 0, 100, Backend.REDIS, false, false, null));
        assertThat(Decision.off(100)).isEqualTo(new Decision(true, Reason.OK, 0, 0, 0, 100, Backend.OFF, false, false, null));
        assertThat(Decision.fallbackAllowed(100))
                .isEqualTo(new Decision(true, Reason.OK, 0, 0, 0, 100, Backend.ALLOW, false, false, null));
        assertThat(Decision.fallbackDenied(Reason.SNIPER_REDIS_DATA, 100))
                .isEqualTo(new Decision(false, Reason.SNIPER_REDIS_DATA, 0, 0, 0, 100, Backend.DENY, false, false, null));
        assertThat(Decision.waitingForGate(0, 0, 100))
                .isEqualTo(new Decision(false, Reason.SNIPER_FALLBACK_DENY, 0, 0, 0, 100, Backend.LOCAL, false, false, null));
    }

    @Test
    void shadowLetsThroughAndKeepsTheReason() {
        Decision blocked = Decision.blockedByCap(Reason.SNIPER_HOURLY_CAP, Backend.REDIS, 5, 5, 10, 100, false);
        assertThat(blocked.inShadow(false)).isSameAs(blocked);
        Decision shadowed = blocked.inShadow(true).withDetail("why");
        assertThat(shadowed.allowed()).isTrue();
        assertThat(shadowed.shadow()).isTrue();
        assertThat(shadowed.admitted()).as("the caps did not let it through").isFalse();
        assertThat(shadowed.reason()).isEqualTo(Reason.SNIPER_HOURLY_CAP);
        assertThat(shadowed.detail()).isEqualTo("why");
    }

    @Test
    void aFactoryRefusesAReasonThatIsNotItsOwn() {
        assertThatThrownBy(() -> Decision.blockedByCap(Reason.OK, Backend.REDIS, 0, 0, 0, 0, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got OK");
        assertThatThrownBy(() -> Decision.fallbackDenied(Reason.SNIPER_HOURLY_CAP, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got SNIPER_HOURLY_CAP");
    }
}
