package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.testkit.DockerEngine;
import org.junit.jupiter.api.BeforeAll;

/**
 * The fault suite with Redis 7.0.15 in a container ({@code SNIPER_TEST_REDIS=docker}): pause is
 * {@code docker pause} (the cgroup freezer), kill is {@code docker kill}, a restart a new container on the same
 * files; the books must come out as with a process.
 */
class FaultInjectionContainerIT extends FaultInjectionTest {
    @BeforeAll
    static void onlyInContainers() {
        DockerEngine.requireContainerSuite();
    }
}
