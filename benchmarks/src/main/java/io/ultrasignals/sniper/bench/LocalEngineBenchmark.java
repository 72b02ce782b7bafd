package io.ultrasignals.sniper.bench;

import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import io.ultrasignals.sniper.local.LocalEngine;
import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.AcquireReply;
import io.ultrasignals.sniper.script.WindowMode;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The local engine's decision cost (what the fallback pays per decision) beside Resilience4j's
 * {@link AtomicRateLimiter#acquirePermission()}, the lock-free limiter of the library the guard's
 * breaker comes from. All threads share one engine and one limiter, as a runner's threads would.
 * Threads: {@code -t 1} and {@code -t 8}.
 *
 * <p>Variants: caps 0 (no cap applies, every call admitted and counted); caps 1e9 (admitted through
 * both cap comparisons); hourly cap 1 (blocked: reads only). The limiter: a limit no benchmark
 * reaches in its period (every call permitted), and an exhausted one (every call refused). The
 * engine is new each iteration so a capped one never fills up.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.Throughput, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
public class LocalEngineBenchmark {
    private static final AcquireArgs UNCAPPED = new AcquireArgs(0, 0, false, true, null, null, WindowMode.FIXED);
    private static final AcquireArgs CAPPED = new AcquireArgs(AcquireArgs.MAX_CAP, AcquireArgs.MAX_CAP, false, true,
            null, null, WindowMode.FIXED);
    private static final AcquireArgs BLOCKED = new AcquireArgs(1, 0, false, true, null, null, WindowMode.FIXED);

    private LocalEngine engine;
    private AtomicRateLimiter permitting;
    private AtomicRateLimiter exhausted;

    @Setup(Level.Iteration)
    public void fresh() {
        engine = new LocalEngine();
        if (!engine.acquire(BLOCKED).allowed() || engine.acquire(BLOCKED).allowed()) {
            throw new IllegalStateException("benchmark set-up: hourly cap 1 should admit once, then block");
        }
        permitting = new AtomicRateLimiter("permitting", RateLimiterConfig.custom()
                .limitForPeriod(Integer.MAX_VALUE).limitRefreshPeriod(Duration.ofSeconds(1))
                .timeoutDuration(Duration.ZERO).build());
        exhausted = new AtomicRateLimiter("exhausted", RateLimiterConfig.custom()
                .limitForPeriod(1).limitRefreshPeriod(Duration.ofHours(1)).timeoutDuration(Duration.ZERO).build());
        exhausted.acquirePermission();
        if (exhausted.acquirePermission() || !permitting.acquirePermission()) {
            throw new IllegalStateException("benchmark set-up: rate limiters not in the state their names say");
        }
    }

    @Benchmark
    public AcquireReply localUncapped() {
        return engine.acquire(UNCAPPED);
    }

    @Benchmark
    public AcquireReply localCapped() {
        return engine.acquire(CAPPED);
    }

    @Benchmark
    public AcquireReply localBlocked() {
        return engine.acquire(BLOCKED);
    }

    @Benchmark
    public boolean rateLimiterPermitted() {
        return permitting.acquirePermission();
    }

    @Benchmark
    public boolean rateLimiterRefused() {
        return exhausted.acquirePermission();
    }
}
