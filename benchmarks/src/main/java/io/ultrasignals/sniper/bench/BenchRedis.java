package io.ultrasignals.sniper.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisServer;

/**
 * A redis-server started for one benchmark (the newest bundled binary, or {@code SNIPER_REDIS_SERVER})
 * and one Lettuce connection to it; closing stops both.
 */
final class BenchRedis implements AutoCloseable {
    private final RedisServer server;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    private BenchRedis(RedisServer server, RedisClient client, StatefulRedisConnection<String, String> connection) {
        this.server = server;
        this.client = client;
        this.connection = connection;
    }

    static BenchRedis start() {
        RedisServer server = RedisServer.start(RedisBinaries.newest());
        RedisClient client = null;
        try {
            client = RedisClient.create(server.uri());
            return new BenchRedis(server, client, client.connect());
        } catch (RuntimeException e) {
            if (client != null) {
                client.shutdown();
            }
            server.close();
            throw e;
        }
    }

    RedisServer server() {
        return server;
    }

    StatefulRedisConnection<String, String> connection() {
        return connection;
    }

    RedisCommands<String, String> sync() {
        return connection.sync();
    }

    /** What ran: version, path and allocator of the server, e.g. for the head of a report. */
    String describe() {
        String memory = sync().info("memory");
        String allocator = "unknown";
        for (String line : memory.split("\r?\n")) {
            if (line.startsWith("mem_allocator:")) {
                allocator = line.substring("mem_allocator:".length()).strip();
            }
        }
        return "redis-server " + server.binary().version() + " (" + server.binary().path() + ", mem_allocator="
                + allocator + "), " + Runtime.getRuntime().availableProcessors() + " cores";
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown();
        server.close();
    }
}
