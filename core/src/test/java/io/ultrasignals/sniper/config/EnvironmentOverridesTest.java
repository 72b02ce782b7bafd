package io.ultrasignals.sniper.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The seed's JSON-ish reading of variable values: JSON when the whole value is JSON, else the text. */
@Tag("unit")
class EnvironmentOverridesTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "true            | Boolean    | true",
        "false           | Boolean    | false",
        "42              | Long       | 42",
        "' 5 '           | Long       | 5",
        "-0              | Long       | 0",
        "0.5             | BigDecimal | 0.5",
        "1e3             | BigDecimal | 1E+3",
        "'\"quoted\"'    | String     | quoted",
        "localhost       | String     | localhost",
        // Not JSON, so text: Python's json.loads refuses these too (except NaN, which no key here takes).
        "True            | String     | True",
        "007             | String     | 007",
        "'5 6'           | String     | 5 6",
        "'[1,2] x'       | String     | [1,2] x",
        "'{\"a\":1,\"a\":2}' | String | {\"a\":1,\"a\":2}",
    })
    void scalarsAreJsonWhenTheyAreJson(String raw, String type, String value) {
        SettingNode.Scalar scalar = (SettingNode.Scalar) EnvironmentOverrides.parse(raw, "env X");

        assertThat(scalar.value().getClass().getSimpleName()).isEqualTo(type);
        assertThat(scalar.value() instanceof BigDecimal d ? d.toString() : String.valueOf(scalar.value())).isEqualTo(value);
        assertThat(scalar.origin()).isEqualTo("env X");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"null", "' null '"})
    void nullIsNull(String raw) {
        assertThat(((SettingNode.Scalar) EnvironmentOverrides.parse(raw, "env X")).value()).isNull();
    }

    @Test
    void listsAndObjectsBecomeTreesThatRememberTheVariable() {
        SettingNode list = EnvironmentOverrides.parse("[\"a:1\", \"b:2\"]", "env V");
        SettingNode object = EnvironmentOverrides.parse("{\"enabled\": true, \"nodes\": [\"a:1\"]}", "env W");

        assertThat(list).isInstanceOfSatisfying(SettingNode.Sequence.class, s -> {
            assertThat(s.items()).extracting(n -> ((SettingNode.Scalar) n).text()).isEqualTo(List.of("a:1", "b:2"));
            assertThat(s.items()).extracting(SettingNode::origin).containsOnly("env V");
        });
        assertThat(object).isInstanceOfSatisfying(SettingNode.Mapping.class, m -> {
            assertThat(((SettingNode.Scalar) m.get("enabled").value()).value()).isEqualTo(true);
            assertThat(m.get("nodes").origin()).isEqualTo("env W");
        });
    }
}
