package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCommandExecutionException;
import io.ultrasignals.sniper.redis.RedisFailure;
import io.ultrasignals.sniper.redis.RedisUnavailableException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A fallback's cause names the failure's kind once, and for an unexpected reply what Redis said. */
@Tag("unit")
class FallbackCauseTest {
    private static final String NOREPLICAS = "NOREPLICAS Not enough good replicas to write. script: 64ac20e8d0a03aaa0eae00b63ee3347431b617df, on @user_script:1.";
    private static final String MASTERDOWN = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";

    @Test
    void aRefusedWriteForWantOfReplicasIsItsOwnKind() {
        RuntimeException error = classified(NOREPLICAS);
        RedisFailure kind = RedisFailure.of(error);
        assertThat(kind).isEqualTo(RedisFailure.NO_REPLICAS);
        assertThat(FallbackCause.outage(kind, error)).isEqualTo(new FallbackCause("noreplicas", false));
    }

    @Test
    void anUnexpectedReplyIsNamedOnceWithRedisText() {
        RuntimeException error = classified(MASTERDOWN);
        RedisFailure kind = RedisFailure.of(error);
        assertThat(kind).isEqualTo(RedisFailure.OTHER);
        assertThat(FallbackCause.outage(kind, new CompletionException(error)).detail()).isEqualTo("other: " + MASTERDOWN);
        // Unclassified (straight from Lettuce) it reads the same.
        RuntimeException raw = new RedisCommandExecutionException(MASTERDOWN);
        assertThat(FallbackCause.outage(RedisFailure.of(raw), raw).detail()).isEqualTo("other: " + MASTERDOWN);
    }

    /** As the script runner hands a failed call to the guard. */
    private static RuntimeException classified(String reply) {
        RedisCommandExecutionException e = new RedisCommandExecutionException(reply);
        return new RedisUnavailableException(RedisFailure.of(e), e);
    }
}
