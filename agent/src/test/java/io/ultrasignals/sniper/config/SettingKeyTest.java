package io.ultrasignals.sniper.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The key constants are the one spelling of each key: their paths are the documented keys, and the binder keeps to them. */
class SettingKeyTest {
    private static final Class<?>[] SETTINGS = {SniperSettings.class, RedisSettings.class, TlsSettings.class,
        SentinelSettings.class, ClusterSettings.class, SniperModeSettings.class, FallbackSettings.class, AgentSettings.class,
        MetricsSettings.class, InstrumentTarget.class, ScopeSettings.class};

    @Test
    void theDeclaredKeysAreExactlyTheDocumentedOnes() throws IllegalAccessException {
        Set<String> declared = new TreeSet<>();
        for (Class<?> type : SETTINGS) {
            for (Field field : type.getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers()) && field.getType() == SettingKey.class) {
                    field.setAccessible(true);
                    // A name the user chooses (a scope's dimension, a value) is "*" in a key, as the docs write it.
                    declared.add(((SettingKey) field.get(null)).path().replace("scopes.*", "scopes.<dimension>")
                            .replace("values.*", "values.<value>"));
                }
            }
        }

        assertThat(SettingsDocumentationTest.leaves(declared))
                .isEqualTo(SettingsDocumentationTest.leaves(SettingsDocumentationTest.documentedDefaults().keySet()));
    }

    @Test
    void pathsFollowTheSections() {
        assertThat(Stream.of(RedisSettings.PORT, TlsSettings.CA_FILE, SniperModeSettings.MAX_SIGNALS_PER_HOUR,
                FallbackSettings.OPEN_WAIT, InstrumentTarget.ON_BLOCK).map(SettingKey::path))
                .containsExactly("redis.port", "redis.tls.ca_file", "runtime.sniper_mode.max_signals_per_hour",
                        "runtime.sniper_mode.fallback.open_wait_ms", "sniper_agent.instrument[].on_block");
    }

    @Test
    void aKeyReadInAnotherSectionIsTheBindersMistakeAndSaysSo() {
        SettingsSection redis = new SettingsSection(new SettingNode.Mapping("test"), "redis", new SettingOrigins());
        SettingsSection target = new SettingsSection(new SettingNode.Mapping("test"), "sniper_agent.instrument[3]",
                new SettingOrigins());

        assertThatThrownBy(() -> redis.read(TlsSettings.ENABLED, Conversions.bool(), v -> {}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the key redis.tls.enabled is not one of the section redis");
        assertThat(target.keyPath(InstrumentTarget.METHOD)).isEqualTo("sniper_agent.instrument[3].method");
    }
}
