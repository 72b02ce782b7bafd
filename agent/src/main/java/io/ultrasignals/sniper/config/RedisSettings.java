package io.ultrasignals.sniper.config;

import java.time.Duration;

/**
 * The {@code redis} section: where the shared counters live and how to reach them.
 * The first six keys are the ultra_signals seed's ({@code enabled, host, port, db, password, timeout}); the rest are ours.
 *
 * @param enabled         use Redis; when false every guard counts locally on its own
 * @param host            standalone server host (unused with Sentinel or Cluster)
 * @param port            standalone server port, 1..65535
 * @param db              database number, standalone and Sentinel only (Cluster has only db 0)
 * @param username        ACL user, or null for the default user
 * @param password        password of the user, or null for none
 * @param connectTimeout  {@code timeout} in YAML, in seconds: how long connecting may take
 * @param decisionTimeout {@code decision_timeout_ms}: how long one decision may wait for Redis; below connectTimeout
 * @param namespace       prefix of every key, the seed's {@code sniper_signals} by default
 * @param tls             TLS settings
 * @param sentinel        Sentinel settings, or null when Sentinel is not used
 * @param cluster         Cluster settings, or null when Cluster is not used
 */
public record RedisSettings(boolean enabled, String host, int port, int db, String username, Secret password,
                            Duration connectTimeout, Duration decisionTimeout, String namespace, TlsSettings tls,
                            SentinelSettings sentinel, ClusterSettings cluster) {
    static final Checks.Range PORT_RANGE = HostAndPort.PORT_RANGE;
    static final Checks.Range DB_RANGE = new Checks.Range(0, Integer.MAX_VALUE);
    /** {@code timeout}: at least a millisecond, at most an hour. */
    static final Checks.Range CONNECT_TIMEOUT_MILLIS = new Checks.Range(1, 3_600_000);
    static final String TIMEOUT_EXPECTED = "a number of seconds from 0.001 to 3600";
    static final Checks.Range DECISION_TIMEOUT_MILLIS = new Checks.Range(1, 3_600_000);
    static final int MAX_NAMESPACE_LENGTH = 128;

    public RedisSettings {
        Checks.token("redis.host", host);
        PORT_RANGE.check("redis.port", port);
        DB_RANGE.check("redis.db", db);
        if (username != null) {
            Checks.token("redis.username", username);
            if (password == null) {
                throw SettingsException.conflict("redis.username", "redis.password",
                        "an ACL user needs redis.password as well (AUTH takes both)");
            }
        }
        Checks.required("redis.timeout", connectTimeout);
        if (connectTimeout.compareTo(Duration.ofMillis(CONNECT_TIMEOUT_MILLIS.min())) < 0
                || connectTimeout.compareTo(Duration.ofMillis(CONNECT_TIMEOUT_MILLIS.max())) > 0) {
            throw SettingsException.invalid("redis.timeout", "expected " + TIMEOUT_EXPECTED + ", got " + seconds(connectTimeout));
        }
        DECISION_TIMEOUT_MILLIS.checkMillis("redis.decision_timeout_ms", decisionTimeout);
        if (decisionTimeout.compareTo(connectTimeout) >= 0) {
            throw SettingsException.conflict("redis.decision_timeout_ms", "redis.timeout",
                    "must be below redis.timeout (" + seconds(connectTimeout) + " s = " + connectTimeout.toMillis()
                            + " ms), got " + decisionTimeout.toMillis());
        }
        Checks.token("redis.namespace", namespace);
        if (namespace.length() > MAX_NAMESPACE_LENGTH) {
            throw SettingsException.invalid("redis.namespace",
                    "must be at most " + MAX_NAMESPACE_LENGTH + " characters, got " + namespace.length());
        }
        Checks.required("redis.tls", tls);
        if (sentinel != null && cluster != null) {
            throw SettingsException.conflict("redis.cluster", "redis.sentinel",
                    "contradicts redis.sentinel: Redis is either Sentinel-managed or a Cluster, set only one of them");
        }
        if (cluster != null && db != 0) {
            throw SettingsException.conflict("redis.db", "redis.cluster",
                    "must be 0 with redis.cluster (Redis Cluster has only database 0), got " + db);
        }
    }

    public static RedisSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Standalone, Sentinel or Cluster, from which of {@code sentinel} and {@code cluster} is set. */
    public RedisTopology topology() {
        if (cluster != null) {
            return RedisTopology.CLUSTER;
        }
        return sentinel != null ? RedisTopology.SENTINEL : RedisTopology.STANDALONE;
    }

    /**
     * The namespace to pass as {@code KEYS[1]}. In Redis Cluster every key of one decision must hash to one slot,
     * so a namespace without a hash tag is wrapped in one: {@code sniper_signals} becomes {@code {sniper_signals}}
     * and its keys {@code {sniper_signals}:hour:<bucket>}. A namespace that already has a tag is used as written,
     * and so is every namespace outside Cluster.
     */
    public String effectiveNamespace() {
        if (topology() != RedisTopology.CLUSTER || hasHashTag(namespace)) {
            return namespace;
        }
        return "{" + namespace + "}";
    }

    /** Redis hashes only the part between the first '{' and the next '}', when that part is not empty. */
    static boolean hasHashTag(String key) {
        int open = key.indexOf('{');
        if (open < 0) {
            return false;
        }
        int close = key.indexOf('}', open + 1);
        return close > open + 1;
    }

    private static String seconds(Duration duration) {
        return java.math.BigDecimal.valueOf(duration.getSeconds())
                .add(java.math.BigDecimal.valueOf(duration.getNano(), 9)).stripTrailingZeros().toPlainString();
    }

    public static final class Builder {
        private boolean enabled = SettingsDefaults.REDIS_ENABLED;
        private String host = SettingsDefaults.REDIS_HOST;
        private int port = SettingsDefaults.REDIS_PORT;
        private int db = SettingsDefaults.REDIS_DB;
        private String username;
        private Secret password;
        private Duration connectTimeout = SettingsDefaults.REDIS_CONNECT_TIMEOUT;
        private Duration decisionTimeout = SettingsDefaults.REDIS_DECISION_TIMEOUT;
        private String namespace = SettingsDefaults.REDIS_NAMESPACE;
        private TlsSettings tls = TlsSettings.defaults();
        private SentinelSettings sentinel;
        private ClusterSettings cluster;

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

        public Builder db(int db) {
            this.db = db;
            return this;
        }

        public Builder username(String username) {
            this.username = username;
            return this;
        }

        public Builder password(Secret password) {
            this.password = password;
            return this;
        }

        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
            return this;
        }

        public Builder decisionTimeout(Duration decisionTimeout) {
            this.decisionTimeout = decisionTimeout;
            return this;
        }

        public Builder namespace(String namespace) {
            this.namespace = namespace;
            return this;
        }

        public Builder tls(TlsSettings tls) {
            this.tls = tls;
            return this;
        }

        public Builder sentinel(SentinelSettings sentinel) {
            this.sentinel = sentinel;
            return this;
        }

        public Builder cluster(ClusterSettings cluster) {
            this.cluster = cluster;
            return this;
        }

        /** @throws SettingsException naming the first key that is out of range or contradicts another */
        public RedisSettings build() {
            return new RedisSettings(enabled, host, port, db, username, password, connectTimeout, decisionTimeout,
                    namespace, tls, sentinel, cluster);
        }
    }
}
