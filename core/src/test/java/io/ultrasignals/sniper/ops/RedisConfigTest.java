package io.ultrasignals.sniper.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.RepoRoot;
import io.ultrasignals.sniper.testkit.RespConnection;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ops/redis/redis.conf loads into a real Redis 7 and keeps the promises its comments make. */
class RedisConfigTest {
    @TempDir
    Path dataDir;

    private RedisServer redis;

    @BeforeEach
    void startWithTheShippedConfig() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        // --include reads the file where it stands; the options after it move port and data dir into the test's.
        redis = RedisServer.start(RedisBinaries.newest(), port, "--include", RepoRoot.resolve("ops/redis/redis.conf").toString(),
                "--port", Integer.toString(port), "--dir", dataDir.toString());
    }

    @AfterEach
    void stop() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void persistsEverySecondToTheAppendOnlyFile() {
        assertThat(config("appendonly")).isEqualTo("yes");
        assertThat(config("appendfsync")).isEqualTo("everysec");
        assertThat(dataDir.resolve("appendonlydir")).isDirectory();
    }

    @Test
    void listensOnLoopbackOnlyWithProtectedMode() {
        assertThat(config("bind")).startsWith("127.0.0.1");
        assertThat(config("protected-mode")).isEqualTo("yes");
    }

    /** Eviction would drop a counter silently (it then reads as 0); noeviction refuses the write instead. */
    @Test
    void aFullRedisRefusesWritesAndKeepsTheCounters() {
        assertThat(config("maxmemory-policy")).isEqualTo("noeviction");
        assertThat(Long.parseLong(config("maxmemory"))).isPositive();
        try (RespConnection c = redis.connect()) {
            c.call("SET", "{sniper_signals}:hour:1", "2");
            c.call("CONFIG", "SET", "maxmemory", "1");
            assertThatThrownBy(() -> c.call("INCR", "{sniper_signals}:hour:2")).hasMessageStartingWith("OOM");
            assertThat(c.call("GET", "{sniper_signals}:hour:1")).isEqualTo("2");
        }
    }

    @SuppressWarnings("unchecked")
    private String config(String name) {
        List<Object> reply = (List<Object>) redis.call("CONFIG", "GET", name);
        assertThat(reply).as("CONFIG GET %s", name).hasSize(2);
        return (String) reply.get(1);
    }
}
