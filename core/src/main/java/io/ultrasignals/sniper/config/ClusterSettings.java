package io.ultrasignals.sniper.config;

import java.util.List;

/**
 * {@code redis.cluster}: a Redis Cluster. The client discovers the rest of the cluster from these seed nodes.
 *
 * @param nodes seed nodes, at least one
 */
public record ClusterSettings(List<HostAndPort> nodes) {
    static final SettingKey NODES = RedisSettings.CLUSTER.key("nodes");

    public ClusterSettings {
        nodes = HostAndPort.atLeastOne(NODES, nodes);
    }

    public static ClusterSettings of(List<HostAndPort> nodes) {
        return new ClusterSettings(nodes);
    }
}
