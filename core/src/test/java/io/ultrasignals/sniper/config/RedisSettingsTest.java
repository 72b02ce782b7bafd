package io.ultrasignals.sniper.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@Tag("unit")
class RedisSettingsTest {
    private static final ClusterSettings CLUSTER = ClusterSettings.of(List.of(new HostAndPort("n1", 7000)));

    @ParameterizedTest
    @CsvSource({
        "sniper_signals,        {sniper_signals}",
        "{sniper_signals},      {sniper_signals}",
        "{prod}:sniper,         {prod}:sniper",
        "prod:{sniper},         prod:{sniper}",
        // An empty tag {} does not count for Redis, so the namespace still needs one.
        "{}sniper,              {{}sniper}",
        // Only the first '{' counts: "a}b{" has no tag.
        "a}b{,                  {a}b{}",
    })
    void inClusterANamespaceWithoutAHashTagIsWrappedInOne(String namespace, String effective) {
        RedisSettings redis = RedisSettings.builder().namespace(namespace).cluster(CLUSTER).build();

        assertThat(redis.topology()).isEqualTo(RedisTopology.CLUSTER);
        assertThat(redis.effectiveNamespace()).isEqualTo(effective);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sniper_signals", "{sniper_signals}", "a}b{"})
    void outsideClusterTheNamespaceIsUsedAsWritten(String namespace) {
        assertThat(RedisSettings.builder().namespace(namespace).build().effectiveNamespace()).isEqualTo(namespace);
        RedisSettings sentinel = RedisSettings.builder().namespace(namespace)
                .sentinel(SentinelSettings.builder().master("m").nodes(List.of(new HostAndPort("s", 26379))).build()).build();
        assertThat(sentinel.topology()).isEqualTo(RedisTopology.SENTINEL);
        assertThat(sentinel.effectiveNamespace()).isEqualTo(namespace);
    }

    @Test
    void aNamespaceTooLongForComfortIsRefused() {
        assertThatThrownBy(() -> RedisSettings.builder().namespace("n".repeat(129)).build())
                .isInstanceOf(SettingsException.class)
                .hasMessage("redis.namespace: must be at most 128 characters, got 129");
        assertThat(RedisSettings.builder().namespace("n".repeat(128)).build().namespace()).hasSize(128);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "redis.internal:6379 | redis.internal | 6379",
        "10.0.0.1:26379      | 10.0.0.1       | 26379",
        "[::1]:7000          | ::1            | 7000",
        "[fe80::1%eth0]:1    | fe80::1%eth0   | 1",
        " padded:65535       | padded         | 65535",
    })
    void hostAndPortParsesWhatPeopleWrite(String text, String host, int port) {
        HostAndPort parsed = HostAndPort.parse("k", text);

        assertThat(parsed).isEqualTo(new HostAndPort(host, port));
        assertThat(HostAndPort.parse("k", parsed.toString())).isEqualTo(parsed);
    }

    @ParameterizedTest
    @ValueSource(strings = {"host", "host:", ":6379", "host:0", "host:65536", "host:http", "::1:6379", "[::1]", "[]:1",
        "a b:1", "host:6379x", "host:-1", "host:1234567"})
    void hostAndPortRefusesTheRestNamingTheKey(String text) {
        assertThatThrownBy(() -> HostAndPort.parse("redis.cluster.nodes[0]", text))
                .isInstanceOf(SettingsException.class)
                .hasMessage("redis.cluster.nodes[0]: expected \"host:port\" with a port 1..65535, got " + Checks.quote(text));
    }
}
