package io.ultrasignals.sniper.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ultrasignals.sniper.script.WindowMode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("unit")
class SettingsLoaderTest {

    static String resource(String name) {
        try (InputStream in = SettingsLoaderTest.class.getResourceAsStream("/config/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static SniperSettings load(String yaml) {
        return load(yaml, Map.of());
    }

    static SniperSettings load(String yaml, Map<String, String> env) {
        return new SettingsLoader(env).loadYaml(yaml, "settings.yaml");
    }

    @Test
    void theUltraSignalsSampleParsesAndOnlyTheOwnedSectionsCount(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("settings.yaml");
        Files.writeString(file, resource("ultra-signals-settings.yaml"));

        SniperSettings settings = new SettingsLoader(Map.of()).load(file);

        assertThat(settings.redis()).isEqualTo(RedisSettings.builder().enabled(true).build());
        assertThat(settings.sniperMode()).isEqualTo(SniperModeSettings.builder()
                .enabled(true).mtfConfirm(true).maxSignalsPerHour(3).dailySignalCap(8).build());
        assertThat(settings.agent()).isEqualTo(AgentSettings.defaults());
    }

    private static Map<String, ScopeSettings> everyKeyScopes() {
        Map<String, ScopeSettings> scopes = new java.util.LinkedHashMap<>();
        scopes.put("strategy", ScopeSettings.of(2, 6));
        scopes.put("symbol", new ScopeSettings(1, 0, Map.of("BTCUSDT", new ScopeSettings.ValueCaps(3L, 9L))));
        return scopes;
    }

    @Test
    void everyKeyOfTheSentinelVariantReachesItsField() {
        SniperSettings s = load(resource("every-key.yaml"));

        RedisSettings redis = s.redis();
        assertThat(redis.enabled()).isTrue();
        assertThat(redis.host()).isEqualTo("redis.internal");
        assertThat(redis.port()).isEqualTo(6380);
        assertThat(redis.db()).isEqualTo(2);
        assertThat(redis.username()).isEqualTo("sniper");
        assertThat(redis.password().reveal()).isEqualTo("s3cr3t-redis-pw");
        assertThat(redis.connectTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(redis.decisionTimeout()).isEqualTo(Duration.ofMillis(80));
        assertThat(redis.namespace()).isEqualTo("prod_sniper");
        assertThat(redis.tls()).isEqualTo(TlsSettings.builder().enabled(true).verifyPeer(false).build());
        assertThat(redis.sentinel().master()).isEqualTo("mymaster");
        assertThat(redis.sentinel().nodes()).containsExactly(
                new HostAndPort("10.0.0.1", 26379), new HostAndPort("10.0.0.2", 26379), new HostAndPort("::1", 26379));
        assertThat(redis.sentinel().password().reveal()).isEqualTo("s3cr3t-sentinel-pw");
        assertThat(redis.cluster()).isNull();
        assertThat(redis.topology()).isEqualTo(RedisTopology.SENTINEL);
        assertThat(redis.effectiveNamespace()).isEqualTo("prod_sniper");

        SniperModeSettings mode = s.sniperMode();
        assertThat(mode).isEqualTo(SniperModeSettings.builder()
                .enabled(true).mtfConfirm(true).maxSignalsPerHour(4).dailySignalCap(0)
                .window(WindowMode.SLIDING).enforcement(Enforcement.SHADOW)
                .fallback(FallbackSettings.builder()
                        .policy(FallbackPolicy.DENY).failureRateThreshold(25.5f).minimumCalls(10).slidingWindowCalls(40)
                        .openWait(Duration.ofMillis(500)).permittedCallsInHalfOpen(3)
                        .heartbeatInterval(Duration.ofMillis(250)).heartbeatTtl(Duration.ofMillis(1500)).fleetSize(3).build())
                .scopes(everyKeyScopes()).audit(new AuditSettings("desk-a/momentum", 50_000, 72))
                .build());

        AgentSettings agent = s.agent();
        assertThat(agent.metrics()).isEqualTo(MetricsSettings.builder().enabled(false).host("0.0.0.0").port(0).build());
        assertThat(agent.instrument()).containsExactly(
                InstrumentTarget.builder("com.acme.signals.Runner#publish").match(MatchMode.SUPERTYPE)
                        .signalId("arg0.id").mtfConfirmed("arg0.mtfConfirmed").onBlock(BlockAction.SKIP)
                        .returnValue("false").scopes(Map.of("symbol", "arg0.symbol", "strategy", "momentum")).build(),
                InstrumentTarget.builder("com.acme.signals.Other#emit").onBlock(BlockAction.THROW)
                        .exception("java.lang.IllegalStateException").build());
        assertThat(agent.instrument().get(0).className()).isEqualTo("com.acme.signals.Runner");
        assertThat(agent.instrument().get(0).methodName()).isEqualTo("publish");
        assertThat(agent.onMisconfiguration()).isEqualTo(MisconfigurationPolicy.DISABLE);
    }

    @Test
    void theClusterVariantWrapsTheNamespaceInAHashTag() {
        RedisSettings redis = load(resource("every-key-cluster.yaml")).redis();

        assertThat(redis.topology()).isEqualTo(RedisTopology.CLUSTER);
        assertThat(redis.cluster().nodes()).extracting(HostAndPort::toString)
                .containsExactly("10.0.0.1:7000", "10.0.0.2:7000", "10.0.0.3:7000");
        assertThat(redis.namespace()).isEqualTo("prod_sniper");
        assertThat(redis.effectiveNamespace()).isEqualTo("{prod_sniper}");
    }

    @Test
    void noFileAndNoEnvironmentGiveTheDefaults() {
        assertThat(new SettingsLoader(Map.of()).loadWithoutFile()).isEqualTo(SniperSettings.defaults());
        assertThat(load("")).isEqualTo(SniperSettings.defaults());
        assertThat(load("# only a comment\n")).isEqualTo(SniperSettings.defaults());
        assertThat(load("redis:\nruntime:\n  sniper_mode:\nsniper_agent:\n")).isEqualTo(SniperSettings.defaults());
    }

    @Test
    void theDefaultsAreTheSeedsAndOurDocumentedOnes() {
        SniperSettings d = SniperSettings.defaults();
        assertThat(d.redis().enabled()).isFalse();
        assertThat(d.redis().host()).isEqualTo("localhost");
        assertThat(d.redis().port()).isEqualTo(6379);
        assertThat(d.redis().db()).isZero();
        assertThat(d.redis().password()).isNull();
        assertThat(d.redis().username()).isNull();
        assertThat(d.redis().connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(d.redis().decisionTimeout()).isEqualTo(Duration.ofMillis(100));
        assertThat(d.redis().namespace()).isEqualTo("sniper_signals");
        assertThat(d.redis().effectiveNamespace()).isEqualTo("sniper_signals");
        assertThat(d.redis().tls()).isEqualTo(new TlsSettings(false, true, null));
        assertThat(d.redis().topology()).isEqualTo(RedisTopology.STANDALONE);
        assertThat(d.sniperMode().enabled()).isFalse();
        assertThat(d.sniperMode().mtfConfirm()).isFalse();
        assertThat(d.sniperMode().maxSignalsPerHour()).isEqualTo(2);
        assertThat(d.sniperMode().dailySignalCap()).isEqualTo(6);
        assertThat(d.sniperMode().window()).isEqualTo(WindowMode.FIXED);
        assertThat(d.sniperMode().enforcement()).isEqualTo(Enforcement.ENFORCE);
        assertThat(d.sniperMode().fallback()).isEqualTo(new FallbackSettings(FallbackPolicy.LOCAL, 50f, 5, 20,
                Duration.ofMillis(2000), 2, Duration.ofMillis(1000), Duration.ofMillis(5000), 0));
        assertThat(d.agent().metrics()).isEqualTo(new MetricsSettings(true, "127.0.0.1", 9464));
        assertThat(d.agent().instrument()).isEmpty();
        assertThat(d.agent().onMisconfiguration()).isEqualTo(MisconfigurationPolicy.EXIT);
    }

    @Test
    void environmentBeatsFileAndFileBeatsDefaults() {
        String yaml = "redis:\n  host: file-host\n  port: 7000\nruntime:\n  sniper_mode:\n    daily_signal_cap: 9\n";
        Map<String, String> env = Map.of(
                "ULTRA_SIGNALS_REDIS__HOST", "env-host",
                "ULTRA_SIGNALS_RUNTIME__SNIPER_MODE__MAX_SIGNALS_PER_HOUR", "5");

        SniperSettings s = load(yaml, env);

        assertThat(s.redis().host()).isEqualTo("env-host");          // env over file
        assertThat(s.redis().port()).isEqualTo(7000);                // file over default
        assertThat(s.redis().db()).isEqualTo(0);                     // default
        assertThat(s.sniperMode().maxSignalsPerHour()).isEqualTo(5); // env over default
        assertThat(s.sniperMode().dailySignalCap()).isEqualTo(9);    // file over default
    }

    @Test
    void environmentAloneOverridesTheDefaults() {
        SniperSettings s = new SettingsLoader(Map.of(
                "ULTRA_SIGNALS_REDIS__ENABLED", "true",
                "ULTRA_SIGNALS_RUNTIME__SNIPER_MODE__DAILY_SIGNAL_CAP", "12")).loadWithoutFile();

        assertThat(s.redis().enabled()).isTrue();
        assertThat(s.sniperMode().dailySignalCap()).isEqualTo(12);
    }

    @Test
    void environmentValuesAreReadAsJsonWhenTheyAreJson() {
        SniperSettings s = new SettingsLoader(Map.of(
                "ULTRA_SIGNALS_REDIS__ENABLED", "true",
                "ULTRA_SIGNALS_REDIS__TIMEOUT", "0.5",
                "ULTRA_SIGNALS_REDIS__DECISION_TIMEOUT_MS", "50",
                "ULTRA_SIGNALS_REDIS__USERNAME", "null",
                "ULTRA_SIGNALS_REDIS__CLUSTER__NODES", "[\"a:1\",\"b:2\"]",
                "ULTRA_SIGNALS_REDIS__TLS", "{\"enabled\": true, \"verify_peer\": false}",
                "ULTRA_SIGNALS_SNIPER_AGENT__INSTRUMENT", "[{\"method\":\"com.acme.Runner#publish\",\"on_block\":\"throw\"}]"))
                .loadWithoutFile();

        assertThat(s.redis().enabled()).isTrue();
        assertThat(s.redis().connectTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.redis().decisionTimeout()).isEqualTo(Duration.ofMillis(50));
        assertThat(s.redis().username()).isNull();
        assertThat(s.redis().cluster().nodes()).containsExactly(new HostAndPort("a", 1), new HostAndPort("b", 2));
        assertThat(s.redis().tls()).isEqualTo(new TlsSettings(true, false, null));
        assertThat(s.agent().instrument()).containsExactly(
                InstrumentTarget.builder("com.acme.Runner#publish").onBlock(BlockAction.THROW).build());
    }

    @Test
    void aStringKeyTakesTheVariableAsWritten() {
        SniperSettings s = new SettingsLoader(Map.of(
                "ULTRA_SIGNALS_REDIS__PASSWORD", "007",
                "ULTRA_SIGNALS_REDIS__HOST", "10.1.2.3",
                "ULTRA_SIGNALS_REDIS__NAMESPACE", "1.50")).loadWithoutFile();

        assertThat(s.redis().password().reveal()).isEqualTo("007");
        assertThat(s.redis().host()).isEqualTo("10.1.2.3");
        assertThat(s.redis().namespace()).isEqualTo("1.50");
    }

    @Test
    void aJsonObjectMergesIntoTheFileAndTheMoreSpecificVariableWins() {
        String yaml = "redis:\n  host: file-host\n  port: 7000\n";
        SniperSettings s = load(yaml, Map.of(
                "ULTRA_SIGNALS_REDIS", "{\"host\": \"object-host\", \"db\": 3}",
                "ULTRA_SIGNALS_REDIS__HOST", "specific-host"));

        assertThat(s.redis().host()).isEqualTo("specific-host");
        assertThat(s.redis().db()).isEqualTo(3);
        assertThat(s.redis().port()).isEqualTo(7000);
    }

    @Test
    void nodeListsAlsoTakeACommaSeparatedString() {
        SniperSettings s = new SettingsLoader(Map.of(
                "ULTRA_SIGNALS_REDIS__SENTINEL__MASTER", "mymaster",
                "ULTRA_SIGNALS_REDIS__SENTINEL__NODES", "s1:26379, s2:26379")).loadWithoutFile();

        assertThat(s.redis().sentinel().nodes()).containsExactly(new HostAndPort("s1", 26379), new HostAndPort("s2", 26379));
    }

    @Test
    void variablesOfOtherSectionsOrPrefixesAreIgnored() {
        SniperSettings s = new SettingsLoader(Map.of(
                "ULTRA_SIGNALS_FEATURES__TREND__EMA", "not an int",
                "ULTRA_SIGNALS_TRADING", "{broken json",
                "ULTRA_SIGNALS_RUNTIME__OTHER_KEY", "anything",
                "ULTRA_SIGNALSREDIS__PORT", "1",
                "REDIS__PORT", "1",
                "ULTRA_SIGNALS_", "x")).loadWithoutFile();

        assertThat(s).isEqualTo(SniperSettings.defaults());
    }

    @Test
    void aNullSectionOrAnEnvNullTurnsSentinelOff() {
        String yaml = "redis:\n  sentinel:\n    master: m\n    nodes: [\"s:26379\"]\n";
        assertThat(load(yaml).redis().topology()).isEqualTo(RedisTopology.SENTINEL);
        assertThat(load(yaml, Map.of("ULTRA_SIGNALS_REDIS__SENTINEL", "null")).redis().topology())
                .isEqualTo(RedisTopology.STANDALONE);
        assertThat(load("redis:\n  sentinel: {master: null, nodes: []}\n  cluster: {nodes: []}\n").redis().topology())
                .isEqualTo(RedisTopology.STANDALONE);
    }

    @Test
    void lenientScalarsReadAsThePythonSideReadsThem() {
        String yaml = """
                redis:
                  enabled: "yes"
                  port: "6390"
                  timeout: "1.5"
                runtime:
                  sniper_mode:
                    enabled: on
                    mtf_confirm: 0
                    window: SLIDING
                    max_signals_per_hour: 0x10
                    daily_signal_cap: 1_000
                """;
        SniperSettings s = load(yaml);

        assertThat(s.redis().enabled()).isTrue();
        assertThat(s.redis().port()).isEqualTo(6390);
        assertThat(s.redis().connectTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(s.sniperMode().enabled()).isTrue();
        assertThat(s.sniperMode().mtfConfirm()).isFalse();
        assertThat(s.sniperMode().window()).isEqualTo(WindowMode.SLIDING);
        assertThat(s.sniperMode().maxSignalsPerHour()).isEqualTo(16);
        assertThat(s.sniperMode().dailySignalCap()).isEqualTo(1000);
    }

    @Test
    void mergeKeysWorkInsideOwnedSections() {
        String yaml = """
                base: &base
                  host: shared-host
                  port: 7001
                redis:
                  <<: *base
                  port: 7002
                """;
        RedisSettings redis = load(yaml).redis();

        assertThat(redis.host()).isEqualTo("shared-host");
        assertThat(redis.port()).isEqualTo(7002);
    }

    @Test
    void aReadableCaFileIsAccepted(@TempDir Path dir) throws IOException {
        Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        String yaml = "redis:\n  tls:\n    enabled: true\n    ca_file: " + ca + "\n";

        assertThat(load(yaml).redis().tls().caFile()).isEqualTo(ca);
    }

    @Test
    void aMissingFileIsOneLineNamingIt(@TempDir Path dir) {
        Path missing = dir.resolve("nope.yaml");

        assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(missing))
                .isInstanceOf(SettingsException.class)
                .hasMessage(missing + ": cannot read the settings file: no such file");
    }

    @Test
    void aFileThatIsNotUtf8IsRefused(@TempDir Path dir) throws IOException {
        Path file = Files.write(dir.resolve("latin1.yaml"), new byte[] {'a', ':', ' ', (byte) 0xE9, '\n'});

        assertThatThrownBy(() -> new SettingsLoader(Map.of()).load(file))
                .isInstanceOf(SettingsException.class)
                .hasMessage(file + ": cannot read the settings file: it is not UTF-8 text");
    }

    @Test
    void theEnvironmentMapIsCopiedAtConstruction() {
        java.util.HashMap<String, String> env = new java.util.HashMap<>(Map.of("ULTRA_SIGNALS_REDIS__PORT", "7000"));
        SettingsLoader loader = new SettingsLoader(env);
        env.put("ULTRA_SIGNALS_REDIS__PORT", "not a port");

        assertThat(loader.loadWithoutFile().redis().port()).isEqualTo(7000);
    }
}
