package io.ultrasignals.sniper.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.testkit.DockerEngine;
import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every vector of lua/test-vectors.json on Redis 7.0.15 in a container ({@code SNIPER_TEST_REDIS=docker}). */
class RedisConformanceContainerIT extends RedisConformanceTest {
    @BeforeAll
    static void onlyInContainers() {
        DockerEngine.requireContainerSuite();
    }

    @Test
    void theStaticServerRunsInAContainer() {
        try (RedisServer server = RedisServer.start(RedisBinaries.newest())) {
            assertThat(server.inContainer()).isTrue();
            assertThat(server.call("PING")).isEqualTo("PONG");
        }
    }
}
