package io.ultrasignals.sniper.bench;

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
 * e.g. {@code -f 2 -wi 5 -i 10 -r 5s}. JMH runs one benchmark after another, so on a machine with
 * varying load compare with {@link InterleavedLatency}, which alternates the same calls.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
public class AcquireLatencyBenchmark {
    private BenchRedis redis;
    private LatencyCalls calls;

    @Setup(Level.Trial)
    public void startRedis() {
        redis = BenchRedis.start();
        calls = new LatencyCalls(redis.sync());
    }

    @TearDown(Level.Trial)
    public void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Benchmark
    public String ping() {
        return calls.ping();
    }

    @Benchmark
    public List<Object> acquireFixedAdmitted() {
        return calls.fixedAdmitted();
    }

    @Benchmark
    public List<Object> acquireFixedBlocked() {
        return calls.fixedBlocked();
    }

    @Benchmark
    public List<Object> acquireSlidingAdmitted() {
        return calls.slidingAdmitted();
    }
}
