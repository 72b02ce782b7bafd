package io.ultrasignals.sniper.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCommandExecutionException;
import io.ultrasignals.sniper.script.ScriptException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The scripts' error replies, told apart once where a reply is decoded, then carried typed. */
@Tag("unit")
class SniperErrorReplyTest {
    @Test
    void classifiesTheScriptsOwnReplies() {
        assertThat(SniperErrorReply.of("ERR sniper: deadline_ms passed (now 5, deadline 4)")).isEqualTo(SniperErrorReply.DEADLINE_PASSED);
        assertThat(SniperErrorReply.of("ERR sniper: key ns:h:1 holds a non-integer")).isEqualTo(SniperErrorReply.CORRUPT_DATA);
        assertThat(SniperErrorReply.of("ERR sniper: hourly_cap must be an integer")).isEqualTo(SniperErrorReply.BAD_ARGUMENT);
        assertThat(SniperErrorReply.of("OOM command not allowed")).isNull();
        assertThat(SniperErrorReply.of(null)).isNull();
    }

    @Test
    void eachKindLeavesTheRunnerTyped() {
        assertThat(ScriptRunner.translate(new RedisCommandExecutionException("ERR sniper: key ns:h:1 holds a non-integer")))
                .isInstanceOf(CorruptDataException.class);
        assertThat(ScriptRunner.translate(new RedisCommandExecutionException("ERR sniper: hourly_cap must be an integer")))
                .isExactlyInstanceOf(ScriptException.class);
        RuntimeException late = ScriptRunner.translate(new RedisCommandExecutionException("ERR sniper: deadline_ms passed"));
        assertThat(late).isInstanceOf(RedisUnavailableException.class);
        assertThat(((RedisUnavailableException) late).failure()).isEqualTo(RedisFailure.TIMEOUT);
        assertThat(ScriptRunner.refusedAsLate(late)).isTrue();
        assertThat(RedisFailure.of(new RedisCommandExecutionException("ERR sniper: key ns:d:1 holds a list"))).isEqualTo(RedisFailure.DATA);
    }
}
