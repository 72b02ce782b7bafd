package io.ultrasignals.sniper.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RedisClusterTopologyTest {
    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(30);
    /** Masters-only clusters that no test faults, shared by the read-only tests of a binary. */
    private static final Map<RedisBinary, RedisClusterTopology> UNTOUCHED = new ConcurrentHashMap<>();

    static Stream<RedisBinary> binaries() {
        return RedisBinaries.all().stream();
    }

    private static RedisClusterTopology untouched(RedisBinary binary) {
        return UNTOUCHED.computeIfAbsent(binary, RedisClusterTopology::start);
    }

    @AfterAll
    static void stopClusters() {
        UNTOUCHED.values().forEach(RedisClusterTopology::close);
    }

    @ParameterizedTest
    @MethodSource("binaries")
    void threeMastersShareEverySlotEvenly(RedisBinary binary) {
        RedisClusterTopology cluster = untouched(binary);

        assertThat(cluster.nodes()).hasSize(3);
        assertThat(cluster.masters()).containsExactlyInAnyOrderElementsOf(cluster.nodes());
        assertThat(cluster.seedAddresses()).hasSize(3).doesNotHaveDuplicates();
        for (RedisServer node : cluster.nodes()) {
            Map<String, String> info = Replies.info(node.call("CLUSTER", "INFO"));
            assertThat(info.get("cluster_state")).isEqualTo("ok");
            assertThat(info.get("cluster_slots_assigned")).isEqualTo("16384");
            assertThat(info.get("cluster_known_nodes")).isEqualTo("3");
        }
        assertThat(cluster.nodeForSlot(0)).isSameAs(cluster.nodes().get(0));
        assertThat(cluster.nodeForSlot(5461)).isSameAs(cluster.nodes().get(1));
        assertThat(cluster.nodeForSlot(16383)).isSameAs(cluster.nodes().get(2));
        assertThatThrownBy(() -> cluster.nodeForSlot(16384)).hasMessageContaining("0..16383");
    }

    @ParameterizedTest
    @MethodSource("binaries")
    void theLocalSlotRuleAgreesWithTheServersKeyslot(RedisBinary binary) {
        RedisClusterTopology cluster = untouched(binary);
        Random random = new Random(42);
        try (RespConnection node = cluster.nodes().get(0).connect()) {
            for (String key : List.of("sniper_signals", "{sniper_signals}", "{sniper_signals}:hour:490000",
                    "a{}b", "{}{tag}", "foo{bar}{zap}", "{", "}{x}", "{{x}}", "ключ{ü}", "")) {
                assertThat(cluster.slotOf(key)).as(key).isEqualTo(((Long) node.call("CLUSTER", "KEYSLOT", key)).intValue());
            }
            for (int i = 0; i < 300; i++) {
                String key = randomKey(random);
                assertThat(cluster.slotOf(key)).as(key).isEqualTo(((Long) node.call("CLUSTER", "KEYSLOT", key)).intValue());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("binaries")
    void keysOfOneHashTagShareASlotAndNamespacesSpreadOverMasters(RedisBinary binary) {
        RedisClusterTopology cluster = untouched(binary);
        List<String> oneNamespace = List.of("{sniper_signals}", "{sniper_signals}:hour:490000",
                "{sniper_signals}:day:20400", "{sniper_signals}:op:signal-1", "{sniper_signals}:credit:batch-7");
        int slot = cluster.slotOf("{sniper_signals}");
        RedisServer owner = cluster.nodeForSlot(slot);
        for (String key : oneNamespace) {
            assertThat(((Long) owner.call("CLUSTER", "KEYSLOT", key)).intValue()).as(key).isEqualTo(slot);
        }
        // The owner takes them in one multi-key command, as the scripts need; an untagged pair is refused.
        assertThat(owner.call("MSET", oneNamespace.get(1), "1", oneNamespace.get(2), "1")).isEqualTo("OK");
        assertThatThrownBy(() -> owner.call("MSET", "sniper_signals:hour:1", "1", "sniper_signals:day:1", "1"))
                .hasMessageStartingWith("CROSSSLOT");

        Set<RedisServer> owners = Stream.of("{ns-a}", "{ns-b}", "{ns-c}", "{ns-d}", "{ns-e}", "{ns-f}", "{ns-g}")
                .map(ns -> cluster.nodeForSlot(cluster.slotOf(ns))).collect(Collectors.toSet());
        assertThat(owners).hasSizeGreaterThan(1);
    }

    @Test
    void crc16MatchesTheClusterSpecificationsCheckValue() {
        byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertThat(ClusterSlots.crc16(check, 0, check.length)).isEqualTo(0x31C3);
    }

    @ParameterizedTest
    @MethodSource("binaries")
    void killingAMasterHandsItsSlotsToItsReplicaAndARestartRejoinsAsReplica(RedisBinary binary) {
        try (RedisClusterTopology cluster = RedisClusterTopology.builder(binary).withReplicas()
                .password("cluster-secret").start()) {
            assertThat(cluster.nodes()).hasSize(6);
            assertThat(cluster.masters()).containsExactlyInAnyOrderElementsOf(cluster.nodes().subList(0, 3));
            int slot = cluster.slotOf("{sniper_signals}");
            RedisServer master = cluster.nodeForSlot(slot);
            RedisServer replica = cluster.nodes().get(3 + cluster.nodes().indexOf(master));
            assertThat(((List<?>) replica.call("ROLE")).get(0)).isEqualTo("slave");
            try (RespConnection anonymous = new RespConnection(master.host(), master.port(), 2000)) {
                assertThatThrownBy(() -> anonymous.call("GET", "k")).hasMessageStartingWith("NOAUTH");
            }
            master.call("SET", "{sniper_signals}:hour:1", "5");
            master.call("WAIT", "1", "2000");

            cluster.killNode(master);
            RedisServer promoted = cluster.awaitFailover(FAILOVER_TIMEOUT);

            assertThat(promoted).isSameAs(replica);
            assertThat(cluster.nodeForSlot(slot)).isSameAs(replica);
            assertThat(promoted.call("GET", "{sniper_signals}:hour:1")).isEqualTo("5");
            assertThat(promoted.call("INCR", "{sniper_signals}:hour:1")).isEqualTo(6L);
            assertThat(cluster.masters()).hasSize(3).contains(replica).doesNotContain(master);

            // Restarted with its nodes.conf, the former master rejoins as its successor's replica.
            master.restart();
            master.awaitReplicaOf(promoted, FAILOVER_TIMEOUT);
            assertThat(cluster.nodeForSlot(slot)).isSameAs(promoted);
        }
    }

    private static String randomKey(Random random) {
        String alphabet = "ab{}:_x9é";
        StringBuilder key = new StringBuilder();
        int length = random.nextInt(12);
        for (int i = 0; i < length; i++) {
            key.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return key.toString();
    }
}
