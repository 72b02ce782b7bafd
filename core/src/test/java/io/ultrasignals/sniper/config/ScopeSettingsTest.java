package io.ultrasignals.sniper.config;

import static io.ultrasignals.sniper.config.SettingsErrorsTest.assertOneLineError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ultrasignals.sniper.script.ScopeCap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** runtime.sniper_mode.scopes: caps per dimension with the fleet's key names, per-value overrides, strict as every key. */
@Tag("unit")
class ScopeSettingsTest {
    private static final String ISSUE_EXAMPLE = """
            runtime:
              sniper_mode:
                max_signals_per_hour: 6
                daily_signal_cap: 20
                scopes:
                  strategy: {max_signals_per_hour: 2, daily_signal_cap: 6}
                  symbol:   {max_signals_per_hour: 1, values: {BTCUSDT: {max_signals_per_hour: 2}}}
            """;

    private static SniperModeSettings load(Map<String, String> env, String yaml) {
        return new SettingsLoader(env).loadYaml(yaml, "settings.yaml").sniperMode();
    }

    @Test
    void dimensionsKeepTheirOrderAndValuesInheritWhatTheyDoNotOverride() {
        SniperModeSettings mode = load(Map.of(), ISSUE_EXAMPLE);
        assertThat(mode.scopes().keySet()).containsExactly("strategy", "symbol");
        assertThat(mode.scopes().get("strategy")).isEqualTo(ScopeSettings.of(2, 6));
        Map<String, String> signal = new LinkedHashMap<>();
        signal.put("symbol", "BTCUSDT");
        signal.put("account", "A1");
        signal.put("strategy", "momentum");
        assertThat(mode.scopeCaps(signal)).as("declared order, then undeclared dimensions without caps").containsExactly(
                new ScopeCap("strategy=momentum", 2, 6), new ScopeCap("symbol=BTCUSDT", 2, 0), new ScopeCap("account=A1", 0, 0));
        assertThat(mode.scopeCaps(Map.of("symbol", "ETHUSDT"))).containsExactly(new ScopeCap("symbol=ETHUSDT", 1, 0));
        assertThat(mode.scopeCaps(Map.of())).isEmpty();
    }

    @Test
    void environmentVariablesOverrideADimensionsCapAndJsonSetsValuesWithTheirCase() {
        SniperModeSettings mode = load(Map.of(
                "ULTRA_SIGNALS_RUNTIME__SNIPER_MODE__SCOPES__SYMBOL__MAX_SIGNALS_PER_HOUR", "3",
                "ULTRA_SIGNALS_RUNTIME__SNIPER_MODE__SCOPES__ACCOUNT__DAILY_SIGNAL_CAP", "9",
                "ULTRA_SIGNALS_RUNTIME__SNIPER_MODE__SCOPES__SYMBOL__VALUES", "{\"ETHUSDT\": {\"daily_signal_cap\": 4}}"),
                ISSUE_EXAMPLE);
        assertThat(mode.scopes().get("symbol")).as("mappings merge key by key: the file's BTCUSDT stays").isEqualTo(
                new ScopeSettings(3, 0, Map.of("BTCUSDT", new ScopeSettings.ValueCaps(2L, null),
                        "ETHUSDT", new ScopeSettings.ValueCaps(null, 4L))));
        assertThat(mode.scopes().get("account")).isEqualTo(ScopeSettings.of(0, 9));
    }

    @Test
    void aDimensionWithoutCapsCountsItsValuesAndCapsNone() {
        SniperModeSettings mode = load(Map.of(), "runtime:\n  sniper_mode:\n    scopes:\n      account:\n");
        assertThat(mode.scopes()).containsExactly(Map.entry("account", ScopeSettings.of(0, 0)));
        assertThat(load(Map.of(), "runtime:\n  sniper_mode: {}\n").scopes()).isEmpty();
    }

    @Test
    void badScopeSettingsAreOneLineWithFileLineAndWhatWasExpected() {
        assertOneLineError(() -> load(Map.of(), "runtime:\n  sniper_mode:\n    scopes:\n      symbol: {max_signal_per_hour: 1}\n"),
                "settings.yaml line 4: runtime.sniper_mode.scopes.symbol.max_signal_per_hour: unknown key,"
                        + " did you mean max_signals_per_hour?");
        assertOneLineError(() -> load(Map.of(), "runtime:\n  sniper_mode:\n    scopes:\n      symbol: {daily_signal_cap: -2}\n"),
                "settings.yaml line 4: runtime.sniper_mode.scopes.symbol.daily_signal_cap: expected an integer 0..1000000000, got -2");
        assertOneLineError(() -> load(Map.of(), "runtime:\n  sniper_mode:\n    scopes:\n      Symbol: {}\n"),
                "settings.yaml line 4: runtime.sniper_mode.scopes.Symbol: a dimension is a-z 0-9 _ from a letter, up to 32 bytes");
        assertOneLineError(() -> load(Map.of(), "runtime:\n  sniper_mode:\n    scopes:\n      symbol: 3\n"),
                "settings.yaml line 4: runtime.sniper_mode.scopes.symbol: expected a mapping of keys, got 3");
        assertOneLineError(() -> load(Map.of(), "runtime:\n  sniper_mode:\n    scopes: [symbol]\n"),
                "settings.yaml line 3: runtime.sniper_mode.scopes: expected a mapping of names to sections, got a list");
        assertOneLineError(() -> load(Map.of(), "runtime:\n  sniper_mode:\n    scopes:\n      symbol:\n        values:\n"
                        + "          \"BTC USDT\": {max_signals_per_hour: 1}\n"),
                "settings.yaml line 6: runtime.sniper_mode.scopes.symbol.values.BTC USDT: a value is A-Z a-z 0-9 . _ / : -, 1..64 bytes");
        assertOneLineError(() -> load(Map.of(), "runtime:\n  sniper_mode:\n    scopes:\n      symbol:\n        values:\n"
                        + "          BTCUSDT: {max_signal_per_hour: 1}\n"),
                "settings.yaml line 6: runtime.sniper_mode.scopes.symbol.values.BTCUSDT.max_signal_per_hour: unknown key,"
                        + " did you mean max_signals_per_hour?");
        assertOneLineError(() -> load(Map.of("ULTRA_SIGNALS_RUNTIME__SNIPER_MODE__SCOPES__SYMBOL__MAX_SIGNALS_PER_HOUR", "one"),
                        ISSUE_EXAMPLE),
                "env ULTRA_SIGNALS_RUNTIME__SNIPER_MODE__SCOPES__SYMBOL__MAX_SIGNALS_PER_HOUR:"
                        + " runtime.sniper_mode.scopes.symbol.max_signals_per_hour: expected an integer 0..1000000000, got \"one\"");
    }

    @Test
    void settingsBuiltInCodeAreCheckedToo() {
        assertThatThrownBy(() -> SniperModeSettings.builder().scopes(Map.of("Sym", ScopeSettings.of(1, 1))).build())
                .hasMessageContaining("runtime.sniper_mode.scopes: a dimension must be a-z 0-9 _");
        assertThatThrownBy(() -> ScopeSettings.of(-1, 0)).hasMessageContaining("max_signals_per_hour");
        assertThat(SniperModeSettings.defaults().scopes()).isEmpty();
        assertThat(SniperModeSettings.defaults().scopeCaps(Map.of("symbol", "X"))).isEqualTo(List.of(new ScopeCap("symbol=X", 0, 0)));
    }
}
