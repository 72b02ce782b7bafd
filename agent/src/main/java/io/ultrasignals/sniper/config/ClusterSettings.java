package io.ultrasignals.sniper.config;

import java.util.List;

/**
 * {@code redis.cluster}: a Redis Cluster. The client discovers the rest of the cluster from these seed nodes.
 *
 * @param nodes seed nodes, at least one
 */
public record ClusterSettings(List<HostAndPort> nodes) {

    public ClusterSettings {
        nodes = Checks.immutableList("redis.cluster.nodes", nodes);
        if (nodes.isEmpty()) {
            throw SettingsException.invalid("redis.cluster.nodes", "expected at least one " + HostAndPort.EXPECTED);
        }
    }

    public static ClusterSettings of(List<HostAndPort> nodes) {
        return new ClusterSettings(nodes);
    }
}
