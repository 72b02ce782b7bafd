package io.ultrasignals.sniper.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java loader holds to settings/schema.yaml, where every key is stated once: it reads exactly the schema's
 * keys, and each key's default, range, accepted names and secrecy are the schema's.
 */
@Tag("unit")
class SettingsSchemaTest {

    static Stream<Arguments> keys() {
        return SettingsSchema.entries().stream().map(e -> Arguments.of(e.key(), e));
    }

    static Stream<Arguments> keysOutsideLists() {
        return SettingsSchema.entries().stream().filter(e -> !e.inList()).map(e -> Arguments.of(e.key(), e));
    }

    static Stream<Arguments> wholeNumberKeys() {
        return SettingsSchema.entries().stream().filter(e -> !e.key().contains("[]"))
                .filter(e -> e.type().equals("integer") || e.type().equals("milliseconds")).map(e -> Arguments.of(e.key(), e));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keys")
    void theDefaultIsTheSchemas(String key, SettingsSchema.Entry entry) {
        if (entry.required()) {
            assertThatThrownBy(() -> new SettingsLoader(Map.of()).loadYaml("sniper_agent:\n  instrument:\n    - match: exact\n", "s.yaml"))
                    .hasMessageContaining(key.replace("[]", "[0]") + ": is required");
            return;
        }
        String loaded = entry.inList()
                ? SettingsSchema.loadedOn(itemWithDefaults(key), entry)
                : SettingsSchema.loaded(SniperSettings.defaults(), key);

        assertThat(loaded).isEqualTo(SettingsSchema.written(entry.defaultValue()));
    }

    /** An item of a list (or a named section) with only its required keys set, for the defaults of the rest. */
    private static Object itemWithDefaults(String key) {
        if (key.startsWith(InstrumentTarget.ITEM.path() + ".")) {
            return InstrumentTarget.builder("a.B#c").build();
        }
        if (key.startsWith(ScopeSettings.DIMENSION.path() + ".")) {
            // A dimension that sets nothing, and a value that sets nothing: as the loader fills them.
            Map<String, ScopeSettings> scopes = new SettingsLoader(Map.of())
                    .loadYaml("runtime:\n  sniper_mode:\n    scopes:\n      x: {}\n      y: {values: {V: {}}}\n", "s.yaml")
                    .sniperMode().scopes();
            return key.startsWith(ScopeSettings.VALUE.path() + ".") ? scopes.get("y").values().get("V") : scopes.get("x");
        }
        throw new AssertionError(key + ": add how to build an item with its defaults to SettingsSchemaTest.itemWithDefaults");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keysOutsideLists")
    void settingTheDefaultByItsVariableChangesNothing(String key, SettingsSchema.Entry entry) {
        String written = SettingsSchema.written(entry.defaultValue());

        assertThat(new SettingsLoader(Map.of(entry.variable(), written)).loadWithoutFile()).isEqualTo(SniperSettings.defaults());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wholeNumberKeys")
    void aWholeNumberOutsideTheSchemasRangeIsRefusedWithIt(String key, SettingsSchema.Entry entry) {
        long min = ((Number) entry.range().get(0)).longValue();
        long max = ((Number) entry.range().get(1)).longValue();
        String named = SettingsSchema.named(key);
        String variable = SettingsSchema.named(entry.variable());
        for (long outside : new long[] {min - 1, max + 1}) {
            assertThatThrownBy(() -> new SettingsLoader(Map.of(variable, Long.toString(outside))).loadWithoutFile())
                    .hasMessage("env " + variable + ": " + named + ": expected an integer " + min + ".." + max + ", got " + outside);
        }
    }

    @Test
    void theDecimalRangesAreTheSchemas() {
        SettingsSchema.Entry timeout = SettingsSchema.entry("redis.timeout");
        assertThat(new BigDecimal(timeout.range().get(0).toString()).movePointRight(3).longValueExact())
                .isEqualTo(RedisSettings.CONNECT_TIMEOUT.range().min());
        assertThat(new BigDecimal(timeout.range().get(1).toString()).movePointRight(3).longValueExact())
                .isEqualTo(RedisSettings.CONNECT_TIMEOUT.range().max());
        assertThat(RedisSettings.CONNECT_TIMEOUT_EXPECTED)
                .isEqualTo("a number of seconds from " + timeout.range().get(0) + " to " + timeout.range().get(1));
        SettingsSchema.Entry rate = SettingsSchema.entry("runtime.sniper_mode.fallback.failure_rate_threshold");
        assertThat(FallbackSettings.FAILURE_RATE_EXPECTED)
                .isEqualTo("a percentage above " + rate.range().get(0) + " and at most " + rate.range().get(1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keys")
    void namesSecretsAndKindsAreTheSchemas(String key, SettingsSchema.Entry entry) {
        Class<?> type = SettingsSchema.javaType(entry);

        assertThat(type == Secret.class).as("a Secret in Java").isEqualTo(entry.type().equals("secret"));
        assertThat(type.isEnum()).as("an enum in Java").isEqualTo(entry.type().equals("enum"));
        if (type.isEnum()) {
            assertThat(Arrays.stream(type.getEnumConstants()).map(c -> Checks.yamlName((Enum<?>) c)).toList())
                    .isEqualTo(entry.values());
        }
    }

    @Test
    void theKeysTheLoaderReadsAreExactlyTheSchemas() {
        SettingsLoader loader = new SettingsLoader(Map.of());
        Set<String> read = new TreeSet<>();
        read.addAll(loader.keyOrigins(SettingsLoaderTest.resource("every-key.yaml"), "every-key.yaml").keySet());
        read.addAll(loader.keyOrigins(SettingsLoaderTest.resource("every-key-cluster.yaml"), "every-key-cluster.yaml").keySet());
        Set<String> readLeaves = leaves(read.stream().map(SettingsSchema::generic).collect(Collectors.toSet()));

        assertThat(readLeaves).isEqualTo(schemaLeaves());
    }

    @Test
    void theKeysTheSchemaListsOutsideListsAreTheOnlyOnesEachSectionTakes() {
        Set<String> sections = SettingsSchema.entries().stream().filter(e -> !e.key().contains("[]"))
                .map(e -> SettingsSchema.named(e.key())).map(k -> k.substring(0, k.lastIndexOf('.')))
                .collect(Collectors.toCollection(TreeSet::new));
        for (String section : sections) {
            String variable = SettingsLoader.ENV_PREFIX + section.toUpperCase(Locale.ROOT).replace(".", "__") + "__ZZZZZZZZZZ";
            Set<String> known = SettingsSchema.entries().stream().filter(e -> !e.key().contains("[]"))
                    .map(e -> SettingsSchema.named(e.key()))
                    .filter(k -> k.startsWith(section + ".")).map(k -> k.substring(section.length() + 1))
                    .map(k -> k.contains(".") ? k.substring(0, k.indexOf('.')) : k).collect(Collectors.toCollection(LinkedHashSet::new));

            assertThatThrownBy(() -> new SettingsLoader(Map.of(variable, "1")).loadWithoutFile()).satisfies(e -> {
                String listed = e.getMessage().replaceAll(".*\\(known keys: (.*)\\)$", "$1");
                assertThat(new TreeSet<>(Arrays.asList(listed.split(", ")))).as(section).isEqualTo(new TreeSet<>(known));
            });
        }
    }

    @Test
    void schemaKeysMatchListItemsAndNamedSections() {
        assertThat(SettingsSchema.pattern("sniper_agent.instrument[].method").matcher("sniper_agent.instrument[12].method").matches()).isTrue();
        assertThat(SettingsSchema.pattern("a.scopes.*.cap").matcher("a.scopes.btc_usd.cap").matches()).isTrue();
        assertThat(SettingsSchema.pattern("a.scopes.*.cap").matcher("a.scopes.b.c.cap").matches()).isFalse();
        assertThat(SettingsSchema.pattern("redis.port").matcher("redis_port").matches()).isFalse();
        assertThat(SettingsSchema.generic("sniper_agent.instrument[3].on_block")).isEqualTo("sniper_agent.instrument[].on_block");
        assertThat(SettingsSchema.named("a.scopes.*.cap")).isEqualTo("a.scopes.x.cap");
    }

    static Set<String> schemaLeaves() {
        return leaves(SettingsSchema.entries().stream().map(SettingsSchema.Entry::key).collect(Collectors.toSet()));
    }

    /** Key paths that no other path extends (redis.tls.enabled, not redis.tls). */
    static Set<String> leaves(Set<String> paths) {
        return paths.stream()
                .filter(p -> paths.stream().noneMatch(other -> other.startsWith(p + ".") || other.startsWith(p + "[")))
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
