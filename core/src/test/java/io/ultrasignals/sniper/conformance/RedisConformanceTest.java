package io.ultrasignals.sniper.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.script.ScriptCatalog;
import io.ultrasignals.sniper.script.SniperScript;
import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisBinary;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisFleet;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.RespConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every case of lua/test-vectors.json against real Redis 7.0 and 6.2, through EVALSHA on a raw connection. */
@ExtendWith(RedisExtension.class)
class RedisConformanceTest {
    private static final ScriptCatalog SCRIPTS = ScriptCatalog.load();

    static Stream<Arguments> casesOnEveryRedis() {
        List<Arguments> args = new ArrayList<>();
        for (RedisBinary binary : RedisBinaries.all()) {
            for (TestVectors.Case c : TestVectors.all()) {
                args.add(Arguments.of(binary, c));
            }
        }
        return args.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("casesOnEveryRedis")
    void vectorHolds(RedisBinary binary, TestVectors.Case testCase, RedisFleet fleet) {
        RedisServer server = fleet.shared(binary);
        server.flushAll();
        try (RespConnection connection = server.connect()) {
            TestVectors.run(testCase, new EvalshaTarget(connection));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ultrasignals.sniper.testkit.RedisBinaries#all")
    void vectorsCoverEveryScriptAndReason(RedisBinary ignored) {
        String all = TestVectors.all().toString();
        assertThat(TestVectors.all()).hasSizeGreaterThan(20);
        String raw = String.valueOf(TestVectors.all().stream().flatMap(c -> c.steps().stream()).toList());
        for (String needle : List.of("\"acquire\"", "\"status\"", "\"release\"", "\"credit\"", "\"heartbeat\"", "SNIPER_MTF_REQUIRED",
                "SNIPER_HOURLY_CAP", "SNIPER_DAILY_CAP", "\"sliding\"", "ERR sniper:")) {
            assertThat(raw).as("vectors mention " + needle + " (cases: " + all + ")").contains(needle);
        }
    }

    /** EVALSHA with the catalog's SHA; loads the script on NOSCRIPT (a fresh server has none). */
    static final class EvalshaTarget implements TestVectors.Target {
        private final RespConnection connection;

        EvalshaTarget(RespConnection connection) {
            this.connection = connection;
        }

        @Override
        public Object call(String script, List<String> keys, List<String> argv) {
            SniperScript s = SCRIPTS.get(script, 1);
            List<String> cmd = new ArrayList<>();
            cmd.add("EVALSHA");
            cmd.add(s.sha1());
            cmd.add(Integer.toString(keys.size()));
            cmd.addAll(keys);
            cmd.addAll(argv);
            try {
                return connection.call(cmd);
            } catch (RespConnection.RespError e) {
                if (!e.getMessage().startsWith("NOSCRIPT")) {
                    throw e;
                }
                connection.call("SCRIPT", "LOAD", s.source());
                return connection.call(cmd);
            }
        }

        @Override
        public Object redis(List<String> command) {
            return connection.call(command);
        }
    }
}
