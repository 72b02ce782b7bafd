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
    static final SettingKey SECTION = RedisSettings.SENTINEL;
    static final SettingKey MASTER = SECTION.key("master");
    static final SettingKey NODES = SECTION.key("nodes");
    static final SettingKey PASSWORD = SECTION.key("password");

    public SentinelSettings {
        if (master == null) {
            throw SettingsException.invalid(MASTER.path(),
                    "is required when " + SECTION.path() + " is set: the master's name as the sentinels know it");
        }
        MASTER.token(master);
        nodes = HostAndPort.atLeastOne(NODES, nodes);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from these settings. */
    public Builder toBuilder() {
        return builder().master(master).nodes(nodes).password(password);
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
