package io.ultrasignals.sniper.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.local.ArgvCalls;
import io.ultrasignals.sniper.local.LocalEngine;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The same lua/test-vectors.json against the local fallback engine: every case that needs no raw
 * Redis command must give exactly the scripts' replies, so a fallback decision is the decision
 * Redis would have made on the same counts.
 */
@Tag("unit")
class LocalConformanceTest {
    static Stream<TestVectors.Case> engineCases() {
        return TestVectors.all().stream().filter(c -> !c.redisOnly());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engineCases")
    void vectorHolds(TestVectors.Case testCase) {
        Map<String, LocalEngine> namespaces = new HashMap<>();
        TestVectors.run(testCase, new TestVectors.Target() {
            @Override
            public Object call(String script, List<String> keys, List<String> argv) {
                LocalEngine engine = namespaces.computeIfAbsent(keys.get(0), ns -> new LocalEngine());
                return ArgvCalls.call(engine, script, argv);
            }

            @Override
            public Object redis(List<String> command) {
                throw new AssertionError("a case that is not redis_only ran a raw Redis command: " + command);
            }
        });
    }

    @org.junit.jupiter.api.Test
    void mostCasesApplyToTheLocalEngine() {
        assertThat(engineCases().count()).isGreaterThanOrEqualTo(25);
    }
}
