package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.testkit.DockerEngine;
import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisFleet;
import io.ultrasignals.sniper.testkit.RedisServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fault suite with Redis 7.0.15 in a container ({@code SNIPER_TEST_REDIS=docker}): pause is
 * {@code docker pause} (the cgroup freezer), kill is {@code docker kill}, a restart a new container on the same
 * files; the books must come out as with a process, with one exception stated below.
 */
class FaultInjectionContainerIT extends FaultInjectionTest {
    /** Two guards x two threads in {@code runThrough}: at most one call in flight per thread. */
    private static final int CALLS_IN_FLIGHT = 4;

    @BeforeAll
    static void onlyInContainers() {
        DockerEngine.requireContainerSuite();
    }

    /**
     * The freezer is not SIGSTOP: it can stop redis-server after a script ran and before its reply left. That call
     * times out, the guard decides it locally, and Redis counted it too; without a signal id nothing can settle it
     * (with ids the replay does: {@code pausedRedisLongerThanTheTimeout} holds exactly). The deadline still stops
     * every call that had not started: at most one surplus per call in flight, never a lost admission.
     */
    @Override
    @Test
    void pausedRedisWithoutSignalIdsIsProtectedByTheDeadline(RedisFleet fleet) throws Exception {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest());
        assertThat(redis.inContainer()).isTrue();
        TestSettings s = settings(redis);
        FaultRun run = runThrough(s.build(), io.ultrasignals.sniper.guard.GuardListener.NONE, false, () -> {
            redis.pause();
            sleep(1200);
            redis.resume();
        });
        long counted = FaultChecks.redisHourCount(redis, s.namespace());
        assertThat(counted).as("Redis's count vs the admissions made").isBetween(run.admitted(),
                run.admitted() + CALLS_IN_FLIGHT);
    }
}
