package io.ultrasignals.sniper.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** settings/vectors.yaml, the examples the Python loader passes too: settings in, values or the exact error out. */
@Tag("unit")
class SettingsVectorsTest {

    static Stream<Arguments> vectors() {
        return SettingsSchema.vectors().stream()
                .filter(v -> !v.containsKey("clients") || ((List<?>) v.get("clients")).contains("java"))
                .map(v -> Arguments.of(v.get("name"), v));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void theVectorHolds(String name, Map<String, Object> vector) {
        Map<String, String> environment = new LinkedHashMap<>();
        if (vector.get("env") instanceof Map<?, ?> env) {
            env.forEach((k, v) -> environment.put(k.toString(), v.toString()));
        }
        SettingsLoader loader = new SettingsLoader(environment);
        String yaml = (String) vector.get("yaml");
        if (vector.containsKey("error")) {
            SettingsErrorsTest.assertOneLineError(() -> load(loader, yaml), (String) vector.get("error"));
            return;
        }
        SniperSettings settings = load(loader, yaml);
        Map<?, ?> values = (Map<?, ?>) vector.get("values");
        assertThat(values).as("a vector states values or an error").isNotNull();
        values.forEach((key, expected) -> assertThat(SettingsSchema.loaded(settings, key.toString())).as(key.toString())
                .isEqualTo(SettingsSchema.written(expected)));
    }

    private static SniperSettings load(SettingsLoader loader, String yaml) {
        return yaml == null ? loader.loadWithoutFile() : loader.loadYaml(yaml, "settings.yaml");
    }
}
