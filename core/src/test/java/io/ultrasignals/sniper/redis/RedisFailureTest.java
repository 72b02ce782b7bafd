package io.ultrasignals.sniper.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCommandExecutionException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Error replies as Redis 7.0.15 and 6.2.11 send them (copied from real servers), classified by their code. */
@Tag("unit")
class RedisFailureTest {
    @ParameterizedTest(name = "{1}: {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "OOM command not allowed when used memory > 'maxmemory'. script: d25cafe0655916551ae4bc6aa167e01eb664c006, on @user_script:160.|OUT_OF_MEMORY",
        "ERR Error running script (call to f_d25cafe0655916551ae4bc6aa167e01eb664c006): @user_script:160: @user_script: 160: -OOM command not allowed when used memory > 'maxmemory'.|OUT_OF_MEMORY",
        "READONLY You can't write against a read only replica. script: d25cafe0655916551ae4bc6aa167e01eb664c006, on @user_script:160.|READ_ONLY",
        "ERR Error running script (call to f_d25cafe0655916551ae4bc6aa167e01eb664c006): @user_script:160: @user_script: 160: -READONLY You can't write against a read only replica.|READ_ONLY",
        "LOADING Redis is loading the dataset in memory|LOADING",
        "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.|BUSY",
        "NOREPLICAS Not enough good replicas to write. script: 64ac20e8d0a03aaa0eae00b63ee3347431b617df, on @user_script:1.|NO_REPLICAS",
        "ERR Error running script (call to f_64ac20e8d0a03aaa0eae00b63ee3347431b617df): @user_script:1: @user_script: 1: -NOREPLICAS Not enough good replicas to write.|NO_REPLICAS",
        "NOPERM this user has no permissions to run the 'evalsha' command|PERMISSION",
        "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.|OTHER",
        "ERR Error running script (call to f_x): @user_script:1: user_script:1: Script attempted to access nonexistent global variable 'x'|OTHER",
        "ERR sniper: key t:hour:1 holds a value of another type|DATA",
    })
    void errorRepliesAreClassifiedByTheirCode(String message, RedisFailure expected) {
        assertThat(RedisFailure.of(new RedisCommandExecutionException(message))).isEqualTo(expected);
        assertThat(RedisFailure.of(ScriptRunner.translate(new RedisCommandExecutionException(message)))).isEqualTo(expected);
    }
}
