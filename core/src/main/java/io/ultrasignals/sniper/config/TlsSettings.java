package io.ultrasignals.sniper.config;

import java.nio.file.Path;

/**
 * {@code redis.tls}: TLS to Redis (and to sentinels when Sentinel is used).
 *
 * @param enabled    connect with TLS
 * @param verifyPeer check the server's certificate and host name; turn off only for tests
 * @param caFile     PEM file of the certificate authorities to trust, or null for the JVM's trust store
 */
public record TlsSettings(boolean enabled, boolean verifyPeer, Path caFile) {
    static final SettingKey SECTION = RedisSettings.TLS;
    static final SettingKey ENABLED = SECTION.key("enabled");
    static final SettingKey VERIFY_PEER = SECTION.key("verify_peer");
    static final SettingKey CA_FILE = SECTION.key("ca_file");

    public static TlsSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from these settings. */
    public Builder toBuilder() {
        return builder().enabled(enabled).verifyPeer(verifyPeer).caFile(caFile);
    }

    public static final class Builder {
        private boolean enabled = SettingsDefaults.TLS_ENABLED;
        private boolean verifyPeer = SettingsDefaults.TLS_VERIFY_PEER;
        private Path caFile;

        private Builder() {
        }

        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        public Builder verifyPeer(boolean verifyPeer) {
            this.verifyPeer = verifyPeer;
            return this;
        }

        public Builder caFile(Path caFile) {
            this.caFile = caFile;
            return this;
        }

        public TlsSettings build() {
            return new TlsSettings(enabled, verifyPeer, caFile);
        }
    }
}
