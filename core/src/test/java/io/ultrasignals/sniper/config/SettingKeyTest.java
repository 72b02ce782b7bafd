package io.ultrasignals.sniper.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The key constants are the one spelling of each key: their paths are the schema's keys, and the binder keeps to them. */
@Tag("unit")
class SettingKeyTest {
    private static final Class<?>[] SETTINGS = {SniperSettings.class, RedisSettings.class, TlsSettings.class,
        SentinelSettings.class, ClusterSettings.class, SniperModeSettings.class, FallbackSettings.class, AgentSettings.class,
        MetricsSettings.class, InstrumentTarget.class, ScopeSettings.class, AuditSettings.class};

    @Test
    void theDeclaredKeysAreExactlyTheSchemasAndSoAreTheirRanges() throws IllegalAccessException {
        Set<String> declared = new TreeSet<>();
        for (Class<?> type : SETTINGS) {
            for (Field field : type.getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers()) && field.getType() == SettingKey.class) {
                    field.setAccessible(true);
                    SettingKey key = (SettingKey) field.get(null);
                    declared.add(key.path());
                    SettingsSchema.Entry entry = SettingsSchema.entries().stream()
                            .filter(e -> e.key().equals(key.path())).findFirst().orElse(null);
                    if (key.range() != null && entry != null && !entry.type().equals("seconds")) {
                        assertThat(List.of(key.range().min(), key.range().max())).as(key.path())
                                .isEqualTo(entry.range().stream().map(n -> ((Number) n).longValue()).toList());
                    }
                }
            }
        }

        assertThat(SettingsSchemaTest.leaves(declared)).isEqualTo(SettingsSchemaTest.schemaLeaves());
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
