package io.ultrasignals.sniper.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.AcquireReply;
import io.ultrasignals.sniper.script.ScriptCatalog;
import io.ultrasignals.sniper.script.SniperScript;
import io.ultrasignals.sniper.script.WindowMode;
import io.ultrasignals.sniper.testkit.RedisBinary;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisFleet;
import io.ultrasignals.sniper.testkit.RedisServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Many threads over several connections acquire against one namespace: exactly the cap is admitted,
 * every round. The original read-compare-increment over several round trips overshot by up to N-1.
 */
@ExtendWith(RedisExtension.class)
class ExactnessTest {
    private static final int CONNECTIONS = 4;
    private static final int THREADS = 16;
    private static final int ATTEMPTS_PER_THREAD = 40;
    private static final int ROUNDS = 5;

    static Stream<Arguments> scenarios() {
        List<Arguments> out = new ArrayList<>();
        for (RedisBinary binary : io.ultrasignals.sniper.testkit.RedisBinaries.all()) {
            out.add(Arguments.of(binary, WindowMode.FIXED, 37, 0));
            out.add(Arguments.of(binary, WindowMode.FIXED, 0, 23));
            out.add(Arguments.of(binary, WindowMode.SLIDING, 41, 500));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} hourly={2} daily={3}")
    @MethodSource("scenarios")
    void exactlyTheCapIsAdmitted(RedisBinary binary, WindowMode window, int hourlyCap, int dailyCap, RedisFleet fleet)
            throws Exception {
        RedisServer server = fleet.shared(binary);
        SniperScript acquire = ScriptCatalog.load().acquire();
        int expected = hourlyCap == 0 ? dailyCap : dailyCap == 0 ? hourlyCap : Math.min(hourlyCap, dailyCap);
        RedisClient client = RedisClient.create(server.uri());
        List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            for (int i = 0; i < CONNECTIONS; i++) {
                connections.add(client.connect());
            }
            connections.get(0).sync().scriptLoad(acquire.source());
            for (int round = 0; round < ROUNDS; round++) {
                String ns = "exact-" + window + "-" + round + "-" + System.nanoTime();
                // Fixed instant in the middle of an hour, so no bucket boundary splits a round.
                String[] argv = new AcquireArgs(hourlyCap, dailyCap, false, false, null,
                        1_700_000_000_000L, window).argv();
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Integer>> admittedPerThread = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    StatefulRedisConnection<String, String> connection = connections.get(t % CONNECTIONS);
                    admittedPerThread.add(pool.submit(() -> {
                        start.await();
                        int admitted = 0;
                        for (int i = 0; i < ATTEMPTS_PER_THREAD; i++) {
                            List<Object> raw = connection.sync().evalsha(acquire.sha1(), ScriptOutputType.MULTI,
                                    new String[] {ns}, argv);
                            if (AcquireReply.fromWire(raw).allowed()) {
                                admitted++;
                            }
                        }
                        return admitted;
                    }));
                }
                start.countDown();
                int total = 0;
                for (Future<Integer> f : admittedPerThread) {
                    total += f.get(60, TimeUnit.SECONDS);
                }
                assertThat(total).as("round " + round + " admitted (of " + THREADS * ATTEMPTS_PER_THREAD + " attempts)")
                        .isEqualTo(expected);
                assertThat(server.call("GET", ns + ":hour:472222")).isEqualTo(Integer.toString(expected));
                assertThat(server.call("GET", ns + ":day:19675")).isEqualTo(Integer.toString(expected));
            }
        } finally {
            pool.shutdownNow();
            connections.forEach(StatefulRedisConnection::close);
            client.shutdown();
        }
    }
}
