package io.ultrasignals.sniper.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RedisSentinelTopologyTest {
    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(30);

    static Stream<RedisBinary> binaries() {
        return RedisBinaries.all().stream();
    }

    @Test
    void comesUpWithTheFirstNodeAsMasterAndTheSecondReplicatingIt() {
        try (RedisSentinelTopology topology = RedisSentinelTopology.start(RedisBinaries.newest())) {
            RedisServer first = topology.dataNodes().get(0);
            RedisServer second = topology.dataNodes().get(1);

            assertThat(topology.currentMaster()).isEqualTo(new HostPort("127.0.0.1", first.port()));
            assertThat(topology.master()).isSameAs(first);
            assertThat(topology.replica()).isSameAs(second);
            assertThat(((List<?>) second.call("ROLE")).get(0)).isEqualTo("slave");
            assertThat(topology.sentinelAddresses()).hasSize(3)
                    .allSatisfy(a -> assertThat(a.host()).isEqualTo("127.0.0.1"))
                    .doesNotHaveDuplicates();
            for (RedisServer sentinel : topology.sentinels()) {
                assertThat(Replies.info(sentinel.call("INFO", "server")).get("redis_mode")).isEqualTo("sentinel");
            }
            assertThatThrownBy(() -> topology.awaitFailover(Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("killMaster()");
        }
    }

    @ParameterizedTest
    @MethodSource("binaries")
    void killingThePasswordProtectedMasterPromotesTheReplicaAndARestartRejoinsAsReplica(RedisBinary binary) {
        try (RedisSentinelTopology topology = RedisSentinelTopology.start(binary, "topology-secret")) {
            RedisServer master = topology.master();
            RedisServer replica = topology.replica();
            try (RespConnection anonymous = new RespConnection(master.host(), master.port(), 2000)) {
                assertThatThrownBy(() -> anonymous.call("GET", "k")).hasMessageStartingWith("NOAUTH");
            }
            master.call("SET", "written-before-failover", "kept");
            master.call("WAIT", "1", "2000");

            RedisServer killed = topology.killMaster();
            RedisServer promoted = topology.awaitFailover(FAILOVER_TIMEOUT);

            assertThat(killed).isSameAs(master);
            assertThat(killed.isAlive()).isFalse();
            assertThat(promoted).isSameAs(replica);
            assertThat(topology.currentMaster()).isEqualTo(new HostPort("127.0.0.1", replica.port()));
            assertThat(topology.master()).isSameAs(replica);
            assertThat(promoted.call("GET", "written-before-failover")).isEqualTo("kept");
            assertThat(promoted.call("SET", "written-after-failover", "1")).isEqualTo("OK");

            topology.restartAsReplica(killed, FAILOVER_TIMEOUT);
            assertThat(topology.replica()).isSameAs(killed);
            assertThat(killed.call("GET", "written-after-failover")).isEqualTo("1");
        }
    }

}
