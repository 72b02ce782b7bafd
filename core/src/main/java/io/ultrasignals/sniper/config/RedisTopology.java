package io.ultrasignals.sniper.config;

/** Which kind of Redis deployment the settings describe. */
public enum RedisTopology {
    /** One server at {@code redis.host}:{@code redis.port}, database {@code redis.db}. */
    STANDALONE,
    /** Sentinels at {@code redis.sentinel.nodes} name the master {@code redis.sentinel.master}. */
    SENTINEL,
    /** A Redis Cluster reached through the seed nodes {@code redis.cluster.nodes}. */
    CLUSTER
}
