package io.ultrasignals.sniper.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every bad setting gives one line naming the source, the key and what was expected. */
class SettingsErrorsTest {

    static Stream<Arguments> badFiles() {
        return Stream.of(
                // malformed YAML, with its line
                arguments("redis:\n  host: a\n   port: 1\n",
                        "settings.yaml line 3, column 8: malformed YAML: mapping values are not allowed here"),
                arguments("redis:\n  namespace: \"abc\n  port: 1\n",
                        "settings.yaml line 4, column 1: malformed YAML: found unexpected end of stream"
                                + " (while scanning a quoted scalar that starts on line 2)"),
                arguments("- redis\n- runtime\n",
                        "settings.yaml line 1: the settings must be a YAML mapping of sections (redis:, runtime:, ...), got a list"),
                // wrong types
                arguments("runtime:\n  sniper_mode:\n    max_signals_per_hour: two\n",
                        "settings.yaml line 3: runtime.sniper_mode.max_signals_per_hour: expected an integer 0..1000000000, got \"two\""),
                arguments("runtime:\n  sniper_mode:\n    daily_signal_cap: 2.5\n",
                        "settings.yaml line 3: runtime.sniper_mode.daily_signal_cap: expected an integer 0..1000000000, got 2.5"),
                arguments("redis:\n  enabled: maybe\n",
                        "settings.yaml line 2: redis.enabled: expected true or false, got \"maybe\""),
                arguments("redis:\n  timeout: 5s\n",
                        "settings.yaml line 2: redis.timeout: expected a number of seconds from 0.001 to 3600, got \"5s\""),
                arguments("redis:\n  host: null\n",
                        "settings.yaml line 2: redis.host: expected a string, got null"),
                arguments("redis: 5\n",
                        "settings.yaml line 1: redis: expected a mapping of keys, got 5"),
                arguments("sniper_agent:\n  instrument: a.B#c\n",
                        "settings.yaml line 2: sniper_agent.instrument: expected a list of mappings, got \"a.B#c\""),
                arguments("runtime:\n  sniper_mode:\n    window: slidng\n",
                        "settings.yaml line 3: runtime.sniper_mode.window: expected one of fixed, sliding, got \"slidng\"; did you mean sliding?"),
                // negative or absurd caps
                arguments("runtime:\n  sniper_mode:\n    daily_signal_cap: -1\n",
                        "settings.yaml line 3: runtime.sniper_mode.daily_signal_cap: expected an integer 0..1000000000, got -1"),
                arguments("runtime:\n  sniper_mode:\n    max_signals_per_hour: 1000000001\n",
                        "settings.yaml line 3: runtime.sniper_mode.max_signals_per_hour: expected an integer 0..1000000000, got 1000000001"),
                arguments("runtime:\n  sniper_mode:\n    daily_signal_cap: 100000000000000000000000\n",
                        "settings.yaml line 3: runtime.sniper_mode.daily_signal_cap: expected an integer 0..1000000000, got 100000000000000000000000"),
                // ports
                arguments("redis:\n  port: 0\n", "settings.yaml line 2: redis.port: expected an integer 1..65535, got 0"),
                arguments("redis:\n  port: 65536\n", "settings.yaml line 2: redis.port: expected an integer 1..65535, got 65536"),
                arguments("sniper_agent:\n  metrics:\n    port: -1\n",
                        "settings.yaml line 3: sniper_agent.metrics.port: expected an integer 0..65535, got -1"),
                arguments("redis:\n  cluster:\n    nodes: [\"a:1\", \"b:99999\"]\n",
                        "settings.yaml line 3: redis.cluster.nodes[1]: expected \"host:port\" with a port 1..65535, got \"b:99999\""),
                arguments("redis:\n  cluster:\n    nodes: [\"a:1\", \"b\"]\n",
                        "settings.yaml line 3: redis.cluster.nodes[1]: expected \"host:port\" with a port 1..65535, got \"b\""),
                // decision timeout not below the connect timeout: named where either was set
                arguments("redis:\n  decision_timeout_ms: 5000\n",
                        "settings.yaml line 2: redis.decision_timeout_ms: must be below redis.timeout (5 s = 5000 ms), got 5000"),
                arguments("redis:\n  enabled: true\n  timeout: 0.05\n",
                        "settings.yaml line 3: redis.decision_timeout_ms: must be below redis.timeout (0.05 s = 50 ms), got 100"),
                // unknown keys in owned sections, with and without a close match
                arguments("redis:\n  prot: 1\n", "settings.yaml line 2: redis.prot: unknown key, did you mean port?"),
                arguments("runtime:\n  sniper_mode:\n    max_signal_per_hour: 2\n",
                        "settings.yaml line 3: runtime.sniper_mode.max_signal_per_hour: unknown key, did you mean max_signals_per_hour?"),
                arguments("runtime:\n  sniper_mode:\n    fallback:\n      open_wait: 5\n",
                        "settings.yaml line 4: runtime.sniper_mode.fallback.open_wait: unknown key, did you mean open_wait_ms?"),
                arguments("redis:\n  tls:\n    verify: true\n",
                        "settings.yaml line 3: redis.tls.verify: unknown key (known keys: enabled, verify_peer, ca_file)"),
                arguments("sniper_agent:\n  instrument:\n    - method: a.B#c\n      on_blok: throw\n",
                        "settings.yaml line 4: sniper_agent.instrument[0].on_blok: unknown key, did you mean on_block?"),
                arguments("sniper_agent:\n  metrics:\n    adress: 0.0.0.0\n",
                        "settings.yaml line 3: sniper_agent.metrics.adress: unknown key (known keys: enabled, host, port)"),
                arguments("redis:\n  host: a\n  host: b\n",
                        "settings.yaml line 3: redis.host: is set twice in the same mapping; keep one"),
                // a block written twice: YAML readers keep the last one silently, losing the first
                arguments("redis:\n  host: a\nfeatures: {}\nredis:\n  port: 1\n",
                        "settings.yaml line 4: redis: is set twice in the same mapping; keep one"),
                arguments("runtime:\n  sniper_mode: {enabled: true}\n  sniper_mode: {}\n",
                        "settings.yaml line 3: runtime.sniper_mode: is set twice in the same mapping; keep one"),
                arguments("redis:\n  cluster:\n    nodes: &n [*n]\n",
                        "settings.yaml line 3: nested deeper than 40 levels (an alias that contains itself?)"),
                // a misindented block: the seed's keys slipped out of sniper_mode
                arguments("runtime:\n  sniper_mode:\n  enabled: true\n  max_signals_per_hour: 2\n",
                        "settings.yaml line 4: runtime.max_signals_per_hour: belongs under runtime.sniper_mode; is the block indented one level too little?"),
                arguments("sniper_mode:\n  enabled: true\n",
                        "settings.yaml line 1: sniper_mode: belongs under runtime, as runtime.sniper_mode; indent the block under runtime:"),
                // contradictions
                arguments("redis:\n  sentinel:\n    master: m\n    nodes: [\"a:1\"]\n  cluster:\n    nodes: [\"b:2\"]\n",
                        "settings.yaml line 5: redis.cluster: contradicts redis.sentinel: Redis is either Sentinel-managed or a Cluster, set only one of them"),
                arguments("redis:\n  db: 3\n  cluster:\n    nodes: [\"b:2\"]\n",
                        "settings.yaml line 2: redis.db: must be 0 with redis.cluster (Redis Cluster has only database 0), got 3"),
                arguments("redis:\n  username: bob\n",
                        "settings.yaml line 2: redis.username: an ACL user needs redis.password as well (AUTH takes both)"),
                arguments("redis:\n  sentinel:\n    nodes: [\"a:1\"]\n",
                        "settings.yaml line 2: redis.sentinel.master: is required when redis.sentinel is set: the master's name as the sentinels know it"),
                arguments("redis:\n  sentinel:\n    master: m\n",
                        "settings.yaml line 2: redis.sentinel.nodes: expected at least one \"host:port\" with a port 1..65535"),
                arguments("runtime:\n  sniper_mode:\n    fallback:\n      heartbeat_ttl_ms: 500\n",
                        "settings.yaml line 4: runtime.sniper_mode.fallback.heartbeat_ttl_ms: must be above heartbeat_interval_ms (1000),"
                                + " or every guard expires between two heartbeats; got 500"),
                arguments("runtime:\n  sniper_mode:\n    fallback:\n      minimum_calls: 50\n",
                        "settings.yaml line 4: runtime.sniper_mode.fallback.minimum_calls: must be at most sliding_window_calls (20), got 50"),
                arguments("runtime:\n  sniper_mode:\n    fallback:\n      failure_rate_threshold: 0\n",
                        "settings.yaml line 4: runtime.sniper_mode.fallback.failure_rate_threshold: expected a percentage above 0 and at most 100, got 0"),
                // instrument targets
                arguments("sniper_agent:\n  instrument:\n    - method: com.acme.Runner.publish\n",
                        "settings.yaml line 3: sniper_agent.instrument[0].method: expected \"fully.qualified.Class#method\", got \"com.acme.Runner.publish\""),
                arguments("sniper_agent:\n  instrument:\n    - match: exact\n",
                        "settings.yaml line 3: sniper_agent.instrument[0].method: is required: the method to instrument, as \"fully.qualified.Class#method\""),
                arguments("sniper_agent:\n  instrument:\n    - method: a.B#c\n    - method: a.B#c\n",
                        "settings.yaml line 4: sniper_agent.instrument[1].method: names the same method as sniper_agent.instrument[0]: a.B#c"),
                arguments("sniper_agent:\n  instrument:\n    - method: a.B#c\n      on_block: throw\n      return_value: x\n",
                        "settings.yaml line 5: sniper_agent.instrument[0].return_value: is used only with on_block: skip, but on_block is throw"),
                arguments("sniper_agent:\n  instrument:\n    - method: a.B#c\n      exception: java.lang.IllegalStateException\n",
                        "settings.yaml line 4: sniper_agent.instrument[0].exception: is used only with on_block: throw, but on_block is skip"),
                arguments("sniper_agent:\n  instrument:\n    - method: a.B#c\n      on_block: throw\n      exception: not a class\n",
                        "settings.yaml line 5: sniper_agent.instrument[0].exception: expected a fully qualified class name, got \"not a class\""),
                // other values
                arguments("redis:\n  namespace: \"a b\"\n",
                        "settings.yaml line 2: redis.namespace: must not contain spaces or control characters, got \"a b\""),
                arguments("redis:\n  host: \"\"\n", "settings.yaml line 2: redis.host: must not be empty"),
                arguments("redis:\n  tls:\n    enabled: true\n    ca_file: /nonexistent/ca.pem\n",
                        "settings.yaml line 4: redis.tls.ca_file: cannot read the CA file \"/nonexistent/ca.pem\""));
    }

    @ParameterizedTest
    @MethodSource("badFiles")
    void aBadFileIsOneLineNamingLineKeyAndExpectation(String yaml, String expected) {
        assertOneLineError(() -> new SettingsLoader(Map.of()).loadYaml(yaml, "settings.yaml"), expected);
    }

    static Stream<Arguments> badEnvironments() {
        return Stream.of(
                arguments(Map.of("ULTRA_SIGNALS_REDIS__PORT", "70000"),
                        "env ULTRA_SIGNALS_REDIS__PORT: redis.port: expected an integer 1..65535, got 70000"),
                arguments(Map.of("ULTRA_SIGNALS_RUNTIME__SNIPER_MODE__MAX_SIGNALS_PER_HOUR", "two"),
                        "env ULTRA_SIGNALS_RUNTIME__SNIPER_MODE__MAX_SIGNALS_PER_HOUR: runtime.sniper_mode.max_signals_per_hour:"
                                + " expected an integer 0..1000000000, got \"two\""),
                arguments(Map.of("ULTRA_SIGNALS_REDIS__HOTS", "x"),
                        "env ULTRA_SIGNALS_REDIS__HOTS: redis.hots: unknown key, did you mean host?"),
                arguments(Map.of("ULTRA_SIGNALS_SNIPER_AGENT__METRICS__PROT", "1"),
                        "env ULTRA_SIGNALS_SNIPER_AGENT__METRICS__PROT: sniper_agent.metrics.prot: unknown key, did you mean port?"),
                arguments(Map.of("ULTRA_SIGNALS_RUNTIME__SNIPER_MODE__CAP", "3"),
                        "env ULTRA_SIGNALS_RUNTIME__SNIPER_MODE__CAP: runtime.sniper_mode.cap: unknown key (known keys: enabled,"
                                + " mtf_confirm, max_signals_per_hour, daily_signal_cap, window, enforcement, fallback, scopes)"),
                arguments(Map.of("ULTRA_SIGNALS_REDIS____HOST", "x"),
                        "env ULTRA_SIGNALS_REDIS____HOST: empty key in redis..host: levels are separated by exactly two underscores"),
                arguments(Map.of("ULTRA_SIGNALS_RUNTIME__DAILY_SIGNAL_CAP", "3"),
                        "env ULTRA_SIGNALS_RUNTIME__DAILY_SIGNAL_CAP: runtime.daily_signal_cap: belongs under runtime.sniper_mode;"
                                + " is the block indented one level too little?"),
                arguments(Map.of("ULTRA_SIGNALS_REDIS__TIMEOUT", "0.05"),
                        "env ULTRA_SIGNALS_REDIS__TIMEOUT: redis.decision_timeout_ms: must be below redis.timeout (0.05 s = 50 ms), got 100"),
                arguments(Map.of("ULTRA_SIGNALS_REDIS__CLUSTER__NODES", "[\"a:1\"]",
                                "ULTRA_SIGNALS_REDIS__SENTINEL", "{\"master\": \"m\", \"nodes\": [\"b:2\"]}"),
                        "env ULTRA_SIGNALS_REDIS__CLUSTER__NODES: redis.cluster: contradicts redis.sentinel:"
                                + " Redis is either Sentinel-managed or a Cluster, set only one of them"),
                arguments(Map.of("ULTRA_SIGNALS_REDIS__CLUSTER__NODES", "[\"a:1\", 7]"),
                        "env ULTRA_SIGNALS_REDIS__CLUSTER__NODES: redis.cluster.nodes[1]: expected \"host:port\" with a port 1..65535, got \"7\""));
    }

    @ParameterizedTest
    @MethodSource("badEnvironments")
    void aBadVariableIsOneLineNamingTheVariable(Map<String, String> env, String expected) {
        assertOneLineError(() -> new SettingsLoader(env).loadWithoutFile(), expected);
    }

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
