package io.ultrasignals.sniper.testkit;

/** A Redis a test talks to: a process ({@link RedisServer}) or a container ({@link RedisContainer}). */
public interface RedisEndpoint {
    /** Always loopback: servers and containers (host network) bind 127.0.0.1 only. */
    default String host() {
        return "127.0.0.1";
    }

    int port();

    /** A fresh blocking connection, authenticated when the server has a password; the caller closes it. */
    RespConnection connect();

    /** {@code redis://host:port} */
    default String uri() {
        return "redis://" + host() + ":" + port();
    }

    /** Runs one command on a short-lived connection. */
    default Object call(String... args) {
        try (RespConnection c = connect()) {
            return c.call(args);
        }
    }

    default void flushAll() {
        call("FLUSHALL");
    }
}
