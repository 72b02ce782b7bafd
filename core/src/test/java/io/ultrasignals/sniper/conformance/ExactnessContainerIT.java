package io.ultrasignals.sniper.conformance;

import io.ultrasignals.sniper.testkit.DockerEngine;
import org.junit.jupiter.api.BeforeAll;

/** Exactness under races, against Redis 7.0.15 in a container ({@code SNIPER_TEST_REDIS=docker}). */
class ExactnessContainerIT extends ExactnessTest {
    @BeforeAll
    static void onlyInContainers() {
        DockerEngine.requireContainerSuite();
    }
}
