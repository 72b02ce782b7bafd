package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.LogLines;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.SniperGuards;
import io.ultrasignals.sniper.config.SettingsLoader;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The opt-in line per decision: off by default, one line per decision when on, every other event passed on. */
@Tag("unit")
class DecisionLogTest {
    @Test
    void offByDefault() {
        System.clearProperty(DecisionLog.PROPERTY);
        GuardListener listener = new GuardListener() {};
        assertThat(DecisionLog.around(listener)).isSameAs(listener);
    }

    @Test
    void passesOnEveryEventOfTheListenerInterface() {
        // A new GuardListener event must be passed on here too, or the metrics behind the log would miss it.
        for (Method m : GuardListener.class.getMethods()) {
            if (m.isDefault()) {
                assertThat(declares(m)).as("DecisionLog passes on " + m.getName()).isTrue();
            }
        }
        AtomicInteger decisions = new AtomicInteger();
        System.setProperty(DecisionLog.PROPERTY, "true");
        try {
            GuardListener log = DecisionLog.around(new GuardListener() {
                @Override
                public void onDecision(Decision decision, long nanos) {
                    decisions.incrementAndGet();
                }
            });
            assertThat(log).isInstanceOf(DecisionLog.class);
            log.onDecision(Decision.off(0), 1_000);
        } finally {
            System.clearProperty(DecisionLog.PROPERTY);
        }
        assertThat(decisions).hasValue(1);
    }

    @Test
    void aGuardLogsOneLinePerDecisionWithoutTheSignalId() {
        List<String> lines;
        System.setProperty(DecisionLog.PROPERTY, "true");
        try (LogLines log = LogLines.of(DecisionLog.LOGGER);
             SniperGuard guard = SniperGuards.start(new SettingsLoader(Map.of()).loadYaml(String.join("\n",
                "runtime:", "  sniper_mode:", "    enabled: true", "    mtf_confirm: true", "    max_signals_per_hour: 1",
                ""), "test.yaml"))) {
            assertThat(guard.acquire(Signal.withId("order-4711", true)).allowed()).isTrue();
            assertThat(guard.acquire(Signal.withId("order-4712", true)).allowed()).isFalse();
            assertThat(guard.acquire(Signal.withId("order-4713", false)).allowed()).isFalse();
            lines = log.lines();
        } finally {
            System.clearProperty(DecisionLog.PROPERTY);
        }
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("sniper decision: ALLOWED OK hour=1 day=1 backend=local").endsWith(" ms");
        assertThat(lines.get(1)).startsWith("sniper decision: BLOCKED SNIPER_HOURLY_CAP hour=1").contains("retry_after_ms=");
        assertThat(lines.get(2)).startsWith("sniper decision: BLOCKED SNIPER_MTF_REQUIRED");
        assertThat(String.join("\n", lines)).doesNotContain("order-");
    }

    private static boolean declares(Method m) {
        try {
            DecisionLog.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }
}
