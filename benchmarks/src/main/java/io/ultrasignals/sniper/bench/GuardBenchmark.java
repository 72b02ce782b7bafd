package io.ultrasignals.sniper.bench;

import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import java.time.Duration;
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
 * {@link SniperGuard#acquire} through the Java API (settings, runtime, breaker, EVALSHA on the
 * guard's one Lettuce connection) against a real redis-server, beside {@code PING} on that same
 * connection: PING is the floor. Caps 0, so every call is admitted and counted; decision timeout
 * 1 s, so a slow moment on a loaded machine still measures Redis, not the fallback. Every decision
 * not made by Redis is counted and printed at the end of the trial (it must be 0).
 *
 * <p>Threads: {@code -t 1}, {@code -t 8}, {@code -t 64} (all threads share the one guard, as a
 * runner's threads do). Modes: SampleTime (percentiles) and Throughput (ops/us).
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.SampleTime, Mode.Throughput})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
public class GuardBenchmark {
    private static final Signal SIGNAL = Signal.of(true);

    private BenchRedis redis;
    private BenchGuard guard;
    private io.lettuce.core.api.sync.RedisCommands<String, String> sameConnection;

    @Setup(Level.Trial)
    public void startGuard() {
        redis = BenchRedis.start();
        guard = BenchGuard.start(redis.server(), "bench-guard", 0, Duration.ofMillis(1000));
        sameConnection = guard.connectionCommands();
    }

    @TearDown(Level.Trial)
    public void stopGuard() {
        if (guard != null) {
            System.out.printf("%n[GuardBenchmark] decisions: %d, not made by Redis (fallback): %d%n",
                    guard.decisions(), guard.notByRedis());
            guard.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Benchmark
    public Decision acquire() {
        return guard.record(guard.guard().acquire(SIGNAL));
    }

    @Benchmark
    public String ping() {
        return sameConnection.ping();
    }
}
