package io.ultrasignals.sniper.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.AcquireReply;
import io.ultrasignals.sniper.script.ScriptCatalog;
import io.ultrasignals.sniper.script.WindowMode;
import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisServer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Round-trip latency of one acquire from one thread on one Lettuce connection (sync API), beside
 * {@code PING} on the same kind of connection: PING is the floor, so acquire minus PING is what the
 * script adds. Every acquire uses the Redis clock and no signal id, as runners do by default.
 *
 * <p>Short by default (this runs on 2-core machines): override with the usual JMH options,
 * e.g. {@code -f 2 -wi 5 -i 10 -r 5s}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class AcquireLatencyBenchmark {
    private static final String[] ADMITTED_NS = {"bench:admitted"};
    private static final String[] BLOCKED_NS = {"bench:blocked"};
    private static final String[] SLIDING_NS = {"bench:sliding"};

    /** Caps 0: no cap applies, so every call is admitted and increments both buckets. */
    private static final String[] ADMITTED =
            new AcquireArgs(0, 0, false, false, null, null, WindowMode.FIXED).argv();
    /** Hourly cap 1: the first call is admitted, every later one is blocked (reads, writes nothing). */
    private static final String[] BLOCKED =
            new AcquireArgs(1, 0, false, false, null, null, WindowMode.FIXED).argv();
    private static final String[] SLIDING =
            new AcquireArgs(0, 0, false, false, null, null, WindowMode.SLIDING).argv();

    private RedisServer server;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;
    private RedisCommands<String, String> redis;
    private String acquireSha;

    @Setup(Level.Trial)
    public void startRedis() {
        server = RedisServer.start(RedisBinaries.newest());
        client = RedisClient.create(server.uri());
        connection = client.connect();
        redis = connection.sync();
        acquireSha = redis.scriptLoad(ScriptCatalog.load().acquire().body());
        // Fail fast if a variant would not measure the path its name promises.
        expect(acquire(ADMITTED_NS, ADMITTED), true, "OK");
        expect(acquire(BLOCKED_NS, BLOCKED), true, "OK");
        expect(acquire(BLOCKED_NS, BLOCKED), false, "SNIPER_HOURLY_CAP");
        expect(acquire(SLIDING_NS, SLIDING), true, "OK");
    }

    @TearDown(Level.Trial)
    public void stopRedis() {
        if (connection != null) {
            connection.close();
        }
        if (client != null) {
            client.shutdown();
        }
        if (server != null) {
            server.close();
        }
    }

    @Benchmark
    public String ping() {
        return redis.ping();
    }

    @Benchmark
    public List<Object> acquireFixedAdmitted() {
        return acquire(ADMITTED_NS, ADMITTED);
    }

    @Benchmark
    public List<Object> acquireFixedBlocked() {
        return acquire(BLOCKED_NS, BLOCKED);
    }

    @Benchmark
    public List<Object> acquireSlidingAdmitted() {
        return acquire(SLIDING_NS, SLIDING);
    }

    private List<Object> acquire(String[] namespace, String[] argv) {
        return redis.evalsha(acquireSha, ScriptOutputType.MULTI, namespace, argv);
    }

    private static void expect(List<Object> raw, boolean allowed, String reason) {
        AcquireReply reply = AcquireReply.fromWire(raw);
        if (reply.allowed() != allowed || !reply.reason().equals(reason)) {
            throw new IllegalStateException("benchmark set-up: expected allowed=" + allowed + " " + reason
                    + ", got " + raw);
        }
    }
}
