package io.ultrasignals.sniper.config;

import java.util.List;

/**
 * {@code redis.sentinel}: find the master through Redis Sentinel and follow it across a failover.
 *
 * @param master   the master's name as the sentinels know it
 * @param nodes    the sentinels, at least one
 * @param password the sentinels' own password (their {@code requirepass}), or null; the master's is {@code redis.password}
 */
public record SentinelSettings(String master, List<HostAndPort> nodes, Secret password) {

    public SentinelSettings {
        if (master == null) {
            throw SettingsException.invalid("redis.sentinel.master",
                    "is required when redis.sentinel is set: the master's name as the sentinels know it");
        }
        Checks.token("redis.sentinel.master", master);
        nodes = Checks.immutableList("redis.sentinel.nodes", nodes);
        if (nodes.isEmpty()) {
            throw SettingsException.invalid("redis.sentinel.nodes", "expected at least one " + HostAndPort.EXPECTED);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private String master;
        private List<HostAndPort> nodes = List.of();
        private Secret password;

        private Builder() {
        }

        public Builder master(String master) {
            this.master = master;
            return this;
        }

        public Builder nodes(List<HostAndPort> nodes) {
            this.nodes = nodes;
            return this;
        }

        public Builder password(Secret password) {
            this.password = password;
            return this;
        }

        public SentinelSettings build() {
            return new SentinelSettings(master, nodes, password);
        }
    }
}
