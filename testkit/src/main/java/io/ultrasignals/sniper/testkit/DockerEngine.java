package io.ultrasignals.sniper.testkit;

import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;

/**
 * Whether a Docker engine answers (Testcontainers' own check: {@code DOCKER_HOST}, else the default socket).
 * Without one the container suite is skipped on a developer's machine and fails under CI ({@code CI=true}),
 * where {@code .ci/run} starts {@code dockerd}.
 */
public final class DockerEngine {
    private DockerEngine() {}

    public static void requireOrSkip() {
        if (available()) {
            return;
        }
        String message = "no Docker engine answers (DOCKER_HOST=" + System.getenv("DOCKER_HOST") + "); the *ContainerIT "
                + "suite needs one: apt-get install docker.io and start dockerd as .ci/run does";
        if (Tools.isCi()) {
            throw new IllegalStateException(message + " [CI=true: a missing engine fails the build]");
        }
        Assumptions.abort("skipped: " + message);
    }

    /**
     * For the {@code *ContainerIT} classes: a Docker engine (see {@link #requireOrSkip}) and
     * {@code SNIPER_TEST_REDIS=docker}, which the build's container-suite execution sets, so that every
     * {@link RedisServer} of a static binary really runs in a container.
     */
    public static void requireContainerSuite() {
        requireOrSkip();
        // Only a hand-picked -Dit.test brings these classes into the plain execution; the suite itself always sets it.
        Assumptions.assumeTrue("docker".equals(System.getenv(ContainerLauncher.MODE_VARIABLE)),
                "skipped here: the *ContainerIT suite runs with " + ContainerLauncher.MODE_VARIABLE
                        + "=docker, in the container-suite execution of the agent's failsafe plugin");
    }

    public static boolean available() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }
}
