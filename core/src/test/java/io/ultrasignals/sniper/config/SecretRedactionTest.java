package io.ultrasignals.sniper.config;

import static io.ultrasignals.sniper.config.SettingsErrorsTest.catchSettingsException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Passwords never show in toString, error messages or stack traces. */
@Tag("unit")
class SecretRedactionTest {
    private static final String PASSWORD = "hunter2-Xq9";

    @Test
    void theWholeSettingsPrintWithoutEitherPassword() {
        SniperSettings settings = new SettingsLoader(Map.of())
                .loadYaml(SettingsLoaderTest.resource("every-key.yaml"), "settings.yaml");

        String printed = settings.toString();

        assertThat(settings.redis().password().reveal()).isEqualTo("s3cr3t-redis-pw");
        assertThat(settings.redis().sentinel().password().reveal()).isEqualTo("s3cr3t-sentinel-pw");
        assertThat(printed).doesNotContain("s3cr3t").contains("password=<redacted>");
        assertThat(settings.redis().toString()).doesNotContain("s3cr3t");
        assertThat(settings.redis().sentinel().toString()).doesNotContain("s3cr3t");
    }

    @Test
    void aPasswordFromTheEnvironmentPrintsRedactedToo() {
        SniperSettings settings = new SettingsLoader(Map.of("ULTRA_SIGNALS_REDIS__PASSWORD", PASSWORD)).loadWithoutFile();

        assertThat(settings.redis().password().reveal()).isEqualTo(PASSWORD);
        assertThat(settings.toString()).doesNotContain(PASSWORD).contains("<redacted>");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "redis:\n  password: [\"" + PASSWORD + "\"]\n",
        "redis:\n  password: {value: \"" + PASSWORD + "\"}\n",
        "redis:\n  sentinel:\n    master: m\n    nodes: [\"a:1\"]\n    password: [\"" + PASSWORD + "\"]\n",
    })
    void aPasswordOfTheWrongTypeIsReportedByKeyAndTypeOnly(String yaml) {
        SettingsException e = catchSettingsException(() -> new SettingsLoader(Map.of()).loadYaml(yaml, "settings.yaml"));

        assertThat(e.getMessage()).matches("settings.yaml line \\d: redis(\\.sentinel)?\\.password: expected a string or null, got a (list|mapping)");
        assertNowhereIn(e);
    }

    @Test
    void aPasswordVariableOfTheWrongTypeIsReportedByVariableAndTypeOnly() {
        SettingsException e = catchSettingsException(() -> new SettingsLoader(
                Map.of("ULTRA_SIGNALS_REDIS__PASSWORD", "[\"" + PASSWORD + "\"]")).loadWithoutFile());

        assertThat(e.getMessage()).isEqualTo("env ULTRA_SIGNALS_REDIS__PASSWORD: redis.password: expected a string or null, got a list");
        assertNowhereIn(e);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // SnakeYAML's own message would quote the offending line, password included.
        "redis:\n  password: \"" + PASSWORD + "\n  port: 1\n",
        "redis:\n  password: " + PASSWORD + ": x\n",
        "redis:\n  password: " + PASSWORD + "\n port: 1\n",
        "redis:\n  password: '" + PASSWORD + "'x\n",
    })
    void malformedYamlOnThePasswordLineDoesNotQuoteIt(String yaml) {
        SettingsException e = catchSettingsException(() -> new SettingsLoader(Map.of()).loadYaml(yaml, "settings.yaml"));

        assertThat(e.getMessage()).startsWith("settings.yaml line ").contains("malformed YAML");
        assertNowhereIn(e);
    }

    @Test
    void errorsAboutOtherKeysNeverCarryThePassword() {
        String yaml = "redis:\n  passwrod: " + PASSWORD + "\n";
        SettingsException misspelled = catchSettingsException(() -> new SettingsLoader(Map.of()).loadYaml(yaml, "settings.yaml"));
        assertThat(misspelled.getMessage()).isEqualTo("settings.yaml line 2: redis.passwrod: unknown key, did you mean password?");
        assertNowhereIn(misspelled);

        String contradiction = "redis:\n  password: " + PASSWORD + "\n  sentinel:\n    master: m\n    nodes: [\"a:1\"]\n"
                + "    password: " + PASSWORD + "\n  cluster:\n    nodes: [\"b:2\"]\n";
        assertNowhereIn(catchSettingsException(() -> new SettingsLoader(Map.of()).loadYaml(contradiction, "settings.yaml")));
    }

    @Test
    void aSecretComparesByValueButNeverShowsIt() {
        Secret secret = Secret.of(PASSWORD);

        assertThat(secret).hasToString("<redacted>").isEqualTo(Secret.of(PASSWORD)).isNotEqualTo(Secret.of("other"));
        assertThat(secret.hashCode()).isEqualTo(Secret.of("other").hashCode());
        assertThat(List.of(secret).toString()).doesNotContain(PASSWORD);
        assertThatThrownBy(() -> Secret.of("")).isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining(PASSWORD);
    }

    @Test
    void anEmptyPasswordMeansNoPassword() {
        assertThat(new SettingsLoader(Map.of("ULTRA_SIGNALS_REDIS__PASSWORD", "")).loadWithoutFile().redis().password()).isNull();
        assertThat(new SettingsLoader(Map.of()).loadYaml("redis:\n  password: ''\n", "s").redis().password()).isNull();
    }

    private static void assertNowhereIn(SettingsException e) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertThat(e.getMessage()).doesNotContain(PASSWORD);
        assertThat(e.problem()).doesNotContain(PASSWORD);
        assertThat(trace.toString()).doesNotContain(PASSWORD);
        assertThat(e).hasNoCause();
    }
}
