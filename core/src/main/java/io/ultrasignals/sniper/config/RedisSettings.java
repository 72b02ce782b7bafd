package io.ultrasignals.sniper.config;

import java.math.BigDecimal;
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
    static final SettingKey SECTION = SettingKey.root("redis");
    static final SettingKey ENABLED = SECTION.key("enabled");
    static final SettingKey HOST = SECTION.key("host");
    static final SettingKey PORT = SECTION.key("port", HostAndPort.PORT_RANGE);
    static final SettingKey DB = SECTION.key("db", new Checks.Range(0, Integer.MAX_VALUE));
    static final SettingKey USERNAME = SECTION.key("username");
    static final SettingKey PASSWORD = SECTION.key("password");
    /** Seconds in YAML, held in milliseconds: at least a millisecond, at most an hour. */
    static final SettingKey CONNECT_TIMEOUT = SECTION.key("timeout", new Checks.Range(1, 3_600_000));
    static final String CONNECT_TIMEOUT_EXPECTED = "a number of seconds from 0.001 to 3600";
    static final SettingKey DECISION_TIMEOUT = SECTION.key("decision_timeout_ms", new Checks.Range(1, 3_600_000));
    static final SettingKey NAMESPACE = SECTION.key("namespace");
    static final int MAX_NAMESPACE_LENGTH = 128;
    static final SettingKey TLS = SECTION.key("tls");
    static final SettingKey SENTINEL = SECTION.key("sentinel");
    static final SettingKey CLUSTER = SECTION.key("cluster");

    public RedisSettings {
        HOST.token(host);
        PORT.check(port);
        DB.check(db);
        if (username != null) {
            USERNAME.token(username);
            if (password == null) {
                throw SettingsException.conflict(USERNAME.path(), PASSWORD.path(),
                        "an ACL user needs " + PASSWORD.path() + " as well (AUTH takes both)");
            }
        }
        CONNECT_TIMEOUT.required(connectTimeout);
        if (!connectTimeoutFits(seconds(connectTimeout))) {
            throw SettingsException.invalid(CONNECT_TIMEOUT.path(),
                    "expected " + CONNECT_TIMEOUT_EXPECTED + ", got " + shown(connectTimeout));
        }
        DECISION_TIMEOUT.checkMillis(decisionTimeout);
        if (decisionTimeout.compareTo(connectTimeout) >= 0) {
            throw SettingsException.conflict(DECISION_TIMEOUT.path(), CONNECT_TIMEOUT.path(),
                    "must be below " + CONNECT_TIMEOUT.path() + " (" + shown(connectTimeout) + " s = "
                            + connectTimeout.toMillis() + " ms), got " + decisionTimeout.toMillis());
        }
        NAMESPACE.token(namespace);
        if (namespace.length() > MAX_NAMESPACE_LENGTH) {
            throw SettingsException.invalid(NAMESPACE.path(),
                    "must be at most " + MAX_NAMESPACE_LENGTH + " characters, got " + namespace.length());
        }
        TLS.required(tls);
        if (sentinel != null && cluster != null) {
            throw SettingsException.conflict(CLUSTER.path(), SENTINEL.path(), "contradicts " + SENTINEL.path()
                    + ": Redis is either Sentinel-managed or a Cluster, set only one of them");
        }
        if (cluster != null && db != 0) {
            throw SettingsException.conflict(DB.path(), CLUSTER.path(),
                    "must be 0 with " + CLUSTER.path() + " (Redis Cluster has only database 0), got " + db);
        }
    }

    /** The one range rule of {@code timeout}, for YAML's decimal seconds and for a Duration built in code alike. */
    static boolean connectTimeoutFits(BigDecimal seconds) {
        return CONNECT_TIMEOUT.range().contains(seconds.movePointRight(3));
    }

    public static RedisSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from these settings: change a few, keep the rest (Lettuce's {@code mutate()}). */
    public Builder toBuilder() {
        return builder().enabled(enabled).host(host).port(port).db(db).username(username).password(password)
                .connectTimeout(connectTimeout).decisionTimeout(decisionTimeout).namespace(namespace).tls(tls)
                .sentinel(sentinel).cluster(cluster);
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

    private static BigDecimal seconds(Duration duration) {
        return BigDecimal.valueOf(duration.getSeconds()).add(BigDecimal.valueOf(duration.getNano(), 9));
    }

    /** Seconds as an error shows them: {@code 0.05}, {@code 5}. */
    private static String shown(Duration duration) {
        return seconds(duration).stripTrailingZeros().toPlainString();
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
