package io.ultrasignals.sniper.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every bad setting gives one line naming the source, the key and what was expected. The bad files and variables
 * themselves are examples in settings/vectors.yaml, which the Python loader passes too (SettingsVectorsTest).
 */
@Tag("unit")
class SettingsErrorsTest {

    @Test
    void aVariableOverridingAGoodFileValueIsBlamedNotTheFile() {
        assertOneLineError(() -> new SettingsLoader(Map.of("ULTRA_SIGNALS_REDIS__PORT", "0"))
                        .loadYaml("redis:\n  port: 6379\n", "/etc/sniper/settings.yaml"),
                "env ULTRA_SIGNALS_REDIS__PORT: redis.port: expected an integer 1..65535, got 0");
    }

    @Test
    void theFilePathAsGivenNamesTheSource() {
        assertOneLineError(() -> new SettingsLoader(Map.of()).loadYaml("redis:\n  port: 0\n", "/etc/sniper/settings.yaml"),
                "/etc/sniper/settings.yaml line 2: redis.port: expected an integer 1..65535, got 0");
    }

    @Test
    void unknownKeysOutsideTheOwnedSectionsAreNotErrors() {
        String yaml = "features:\n  trend: {ema: 10, prot: 1}\nruntime:\n  other_key: 1\n  sniper_mode:\n    enabled: true\n";

        assertThat(new SettingsLoader(Map.of()).loadYaml(yaml, "settings.yaml").sniperMode().enabled()).isTrue();
    }

    @Test
    void settingsBuiltInCodeAreCheckedTooAndNameTheKey() {
        assertOneLineError(() -> RedisSettings.builder().port(70000).build(),
                "redis.port: expected an integer 1..65535, got 70000");
        assertOneLineError(() -> SniperModeSettings.builder().dailySignalCap(-1).build(),
                "runtime.sniper_mode.daily_signal_cap: expected an integer 0..1000000000, got -1");
        assertOneLineError(() -> RedisSettings.builder().decisionTimeout(Duration.ofSeconds(5)).build(),
                "redis.decision_timeout_ms: must be below redis.timeout (5 s = 5000 ms), got 5000");
        assertOneLineError(() -> RedisSettings.builder().connectTimeout(Duration.ZERO).build(),
                "redis.timeout: expected a number of seconds from 0.001 to 3600, got 0");
        assertOneLineError(() -> RedisSettings.builder()
                        .sentinel(SentinelSettings.builder().master("m").nodes(List.of(new HostAndPort("a", 1))).build())
                        .cluster(ClusterSettings.of(List.of(new HostAndPort("b", 2)))).build(),
                "redis.cluster: contradicts redis.sentinel: Redis is either Sentinel-managed or a Cluster, set only one of them");
        assertOneLineError(() -> InstrumentTarget.builder("Runner").build(),
                "sniper_agent.instrument[].method: expected \"fully.qualified.Class#method\", got \"Runner\"");
        assertOneLineError(() -> FallbackSettings.builder().openWait(Duration.ZERO).build(),
                "runtime.sniper_mode.fallback.open_wait_ms: expected an integer 1..86400000 (milliseconds), got 0");
    }

    @Test
    void anExceptionSaysWhereWhichKeyAndWhatSeparately() {
        SettingsException e = catchSettingsException(() -> new SettingsLoader(Map.of())
                .loadYaml("redis:\n  port: 0\n", "settings.yaml"));

        assertThat(e.source()).isEqualTo("settings.yaml line 2");
        assertThat(e.keyPath()).isEqualTo("redis.port");
        assertThat(e.problem()).isEqualTo("expected an integer 1..65535, got 0");
    }

    @Test
    void aValueWithALineBreakStillGivesOneLine() {
        SettingsException e = catchSettingsException(() -> new SettingsLoader(Map.of("ULTRA_SIGNALS_REDIS__NAMESPACE", "a\nb"))
                .loadWithoutFile());

        assertThat(e.getMessage()).isEqualTo(
                "env ULTRA_SIGNALS_REDIS__NAMESPACE: redis.namespace: must not contain spaces or control characters, got \"a\\u000ab\"");
    }

    static SettingsException catchSettingsException(ThrowingCallable call) {
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(call);
        assertThat(thrown).isInstanceOf(SettingsException.class);
        return (SettingsException) thrown;
    }

    static void assertOneLineError(ThrowingCallable call, String expected) {
        assertThatThrownBy(call).isInstanceOf(SettingsException.class).hasMessage(expected).hasNoCause();
        assertThat(expected).doesNotContain("\n", "\r");
    }
}
