package io.ultrasignals.sniper.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ultrasignals.sniper.script.ScriptException;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ArgvCallsTest {
    static final long NOW = 19_700L * LocalEngine.DAY_MS + 5;
    final LocalEngine engine = new LocalEngine(() -> NOW);

    List<Object> call(String script, String... argv) {
        return ArgvCalls.call(engine, script, List.of(argv));
    }

    @Test
    void omittedTrailingArgumentsTakeTheScriptsDefaults() {
        assertThat(call("acquire")).containsExactly(1L, "OK", 1L, 1L, 0L, NOW, 0L);
        assertThat(call("acquire", "0001", "2", "0", "0", "", Long.toString(NOW))).containsExactly(0L, "SNIPER_HOURLY_CAP", 1L, 1L,
                LocalEngine.HOUR_MS - 5, NOW, 0L);
        assertThat(call("status")).containsExactly(1L, 1L, 2 * LocalEngine.HOUR_MS, 2 * LocalEngine.DAY_MS, NOW);
    }

    @Test
    void leadingZerosNameTheSameBuckets() {
        long hour = NOW / LocalEngine.HOUR_MS;
        long day = NOW / LocalEngine.DAY_MS;
        assertThat(call("credit", "0" + hour, "00" + day, "03", "b")).containsExactly(1L, 3L, 3L);
        assertThat(engine.status(NOW).hourCount()).isEqualTo(3);
    }

    @Test
    void errorsComeInTheScriptsOrderWithTheRawValue() {
        assertThatThrownBy(() -> call("acquire", "1.5", "x")).isInstanceOf(ScriptException.class)
                .hasMessage("ERR sniper: hourly_cap (ARGV[1]) must be an integer 0..1000000000, got \"1.5\"");
        assertThatThrownBy(() -> call("acquire", "1", "1", "0", "0", "x".repeat(300), "", "rolling"))
                .hasMessage("ERR sniper: signal_id (ARGV[5]) must be at most 256 bytes, got 300");
        assertThatThrownBy(() -> call("acquire", "1", "1", "0", "true"))
                .hasMessage("ERR sniper: mtf_confirmed (ARGV[4]) must be 0 or 1, got \"true\"");
        assertThatThrownBy(() -> call("acquire", "1", "1", "0", "0", "", "", "rolling"))
                .hasMessage("ERR sniper: window (ARGV[7]) must be fixed or sliding, got \"rolling\"");
        assertThatThrownBy(() -> call("credit", "1", "1", "1"))
                .hasMessage("ERR sniper: batch_id (ARGV[4]) must be 1..256 bytes, got 0");
        assertThatThrownBy(() -> call("credit")).hasMessage("ERR sniper: hour_bucket (ARGV[1]) must be a non-negative integer, got \"\"");
        assertThat(engine.storedEntries()).isZero();
    }

    @Test
    void anUnknownScriptIsNotAScriptError() {
        assertThatThrownBy(() -> call("heartbeat", "g1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no v1 script \"heartbeat\"; expected acquire, status, release or credit");
    }
}
