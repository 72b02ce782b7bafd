package io.ultrasignals.sniper.config;

/**
 * {@code sniper_agent.metrics}: the agent's Prometheus scrape endpoint.
 *
 * @param enabled serve {@code /metrics} and {@code /health}
 * @param host    address to bind; loopback by default
 * @param port    port to bind, 0..65535; 0 picks a free port (the agent logs which)
 */
public record MetricsSettings(boolean enabled, String host, int port) {
    static final SettingKey SECTION = AgentSettings.METRICS;
    static final SettingKey ENABLED = SECTION.key("enabled");
    static final SettingKey HOST = SECTION.key("host");
    /** 0 as well: a free port. */
    static final SettingKey PORT = SECTION.key("port", new Checks.Range(0, 65535));

    public MetricsSettings {
        HOST.token(host);
        PORT.check(port);
    }

    public static MetricsSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from these settings. */
    public Builder toBuilder() {
        return builder().enabled(enabled).host(host).port(port);
    }

    public static final class Builder {
        private boolean enabled = SettingsDefaults.METRICS_ENABLED;
        private String host = SettingsDefaults.METRICS_HOST;
        private int port = SettingsDefaults.METRICS_PORT;

        private Builder() {
        }

        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public MetricsSettings build() {
            return new MetricsSettings(enabled, host, port);
        }
    }
}
