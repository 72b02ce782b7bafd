package io.ultrasignals.sniper.bench;

import io.lettuce.core.api.sync.RedisCommands;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.ScriptCatalog;
import io.ultrasignals.sniper.script.WindowMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * Issue 3's two targets for the guard, each as a ratio to a floor measured in the same round on the
 * same server, so that load from elsewhere on a shared machine hits both sides alike:
 * <ol>
 *   <li>latency: one thread alternating {@code guard.acquire}, PING and plain EVALSHA on the guard's own connection;
 *       target: acquire's p50 within 1.5x of PING's;</li>
 *   <li>throughput: 64 threads calling {@code guard.acquire} for a fixed time, then
 *       {@code redis-benchmark -P 16 -c 50} sending EVALSHA of acquire with the guard's own arguments;
 *       target: the guard at least 80% of redis-benchmark.</li>
 * </ol>
 * To tell the guard's cost from the client's, each round also times plain Lettuce sync EVALSHA with
 * the same arguments on the guard's connection (beside PING, and from the same threads), and one
 * thread keeping as many {@code acquireAsync} calls in flight as there are threads.
 * Counts every decision not made by Redis (must be 0: caps 0, decision timeout 1 s).
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.ultrasignals.sniper.bench.GuardTargets
 *     [--rounds 5] [--calls 20000] [--seconds 5] [--threads 64] [--requests 400000]</pre>
 */
public final class GuardTargets {
    private static final String NAMESPACE = "bench-guard";
    private static final Signal SIGNAL = Signal.of(true);

    private int rounds = 5;
    private int calls = 20_000;
    private int seconds = 5;
    private int threads = 64;
    private int requests = 400_000;

    private GuardTargets() {}

    public static void main(String[] args) {
        GuardTargets t = new GuardTargets();
        try {
            for (int i = 0; i < args.length; i++) {
                String o = args[i];
                int v = CliArgs.positive(o, CliArgs.value(args, ++i, o));
                switch (o) {
                    case "--rounds" -> t.rounds = v;
                    case "--calls" -> t.calls = v;
                    case "--seconds" -> t.seconds = v;
                    case "--threads" -> t.threads = v;
                    case "--requests" -> t.requests = v;
                    default -> throw new IllegalArgumentException("unknown option " + o
                            + "; expected --rounds N, --calls N, --seconds N, --threads N, --requests N");
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("GuardTargets: " + e.getMessage());
            System.exit(2);
        }
        t.run();
    }

    private void run() {
        Optional<RedisBenchmarkTool> tool = RedisBenchmarkTool.find();
        try (BenchRedis redis = BenchRedis.start();
             BenchGuard guard = BenchGuard.start(redis.server(), NAMESPACE, 0, Duration.ofMillis(1000))) {
            RedisCommands<String, String> ping = guard.connectionCommands();
            System.out.printf(Locale.ROOT, "%s; %d rounds%n", redis.describe(), rounds);
            List<String> evalsha = evalshaLikeTheGuard(redis.sync(), NAMESPACE);
            Samples p50Ratio = new Samples();
            Samples p99Ratio = new Samples();
            Samples acquireP50 = new Samples();
            Samples pingP50 = new Samples();
            Samples guardRps = new Samples();
            Samples toolRps = new Samples();
            Samples rpsRatio = new Samples();
            Samples lettuceRps = new Samples();
            Samples asyncRps = new Samples();
            String sha = evalsha.get(1);
            String[] keys = {NAMESPACE};
            String[] argv = evalsha.subList(4, evalsha.size()).toArray(String[]::new);
            Runnable lettuceCall = () -> ping.evalsha(sha, io.lettuce.core.ScriptOutputType.MULTI, keys, argv);
            List<Runnable> alternated = List.of(() -> guard.record(guard.guard().acquire(SIGNAL)), ping::ping, lettuceCall);
            Samples plainP50 = new Samples();
            // Warm-up: JIT, the script cache, Lettuce's buffers.
            Phases.alternated(alternated, calls);
            throughput(guard, 2);
            for (int r = 1; r <= rounds; r++) {
                long[][] lat = Phases.alternated(alternated, calls);
                plainP50.add(Quantiles.at(lat[2], 0.5) / 1000.0);
                double a50 = Quantiles.at(lat[0], 0.5) / 1000.0;
                double p50 = Quantiles.at(lat[1], 0.5) / 1000.0;
                acquireP50.add(a50);
                pingP50.add(p50);
                p50Ratio.add(a50 / p50);
                p99Ratio.add((double) Quantiles.at(lat[0], 0.99) / Quantiles.at(lat[1], 0.99));
                double rps = throughput(guard, seconds);
                guardRps.add(rps);
                double plain = throughput(lettuceCall, seconds);
                lettuceRps.add(plain);
                double async = asyncThroughput(guard, seconds);
                asyncRps.add(async);
                String line = String.format(Locale.ROOT,
                        "round %d: 1 thread p50 acquire %.1f us, PING %.1f us (x%.2f), plain EVALSHA %.1f us; p99 %.1f / %.1f us; %d threads %.0f acquire/s (plain Lettuce EVALSHA %.0f/s; acquireAsync, %d in flight from 1 thread, %.0f/s)",
                        r, a50, p50, a50 / p50, Quantiles.at(lat[2], 0.5) / 1000.0, Quantiles.at(lat[0], 0.99) / 1000.0, Quantiles.at(lat[1], 0.99) / 1000.0,
                        threads, rps, plain, threads, async);
                if (tool.isPresent()) {
                    RedisBenchmarkTool.Result res = tool.get().run(redis.server().host(), redis.server().port(), requests,
                            50, 16, evalsha);
                    toolRps.add(res.rps());
                    rpsRatio.add(rps / res.rps());
                    line += String.format(Locale.ROOT, "; redis-benchmark %.0f/s (guard = %.0f%%)", res.rps(),
                            100 * rps / res.rps());
                }
                System.out.println(line + "; load " + LoadAverage.now());
            }
            System.out.printf(Locale.ROOT, "%nmedians over %d rounds (min..max):%n", rounds);
            System.out.printf(Locale.ROOT, "  1 thread p50: acquire %.1f us, PING %.1f us; acquire/PING %.2f (%.2f..%.2f), target <= 1.5%n",
                    acquireP50.median(), pingP50.median(), p50Ratio.median(), p50Ratio.min(), p50Ratio.max());
            System.out.printf(Locale.ROOT, "  1 thread p50: plain Lettuce sync EVALSHA (same args) %.1f us%n", plainP50.median());
            System.out.printf(Locale.ROOT, "  1 thread p99: acquire/PING %.2f (%.2f..%.2f)%n", p99Ratio.median(),
                    p99Ratio.min(), p99Ratio.max());
            System.out.printf(Locale.ROOT, "  %d threads: guard %.0f acquire/s (%.0f..%.0f)%n", threads, guardRps.median(),
                    guardRps.min(), guardRps.max());
            System.out.printf(Locale.ROOT, "  %d threads: plain Lettuce sync EVALSHA on the guard's connection %.0f/s (%.0f..%.0f); guard / plain %.0f%%%n",
                    threads, lettuceRps.median(), lettuceRps.min(), lettuceRps.max(), 100 * guardRps.median() / lettuceRps.median());
            System.out.printf(Locale.ROOT, "  guard acquireAsync, %d in flight from one thread: %.0f/s (%.0f..%.0f)%n",
                    threads, asyncRps.median(), asyncRps.min(), asyncRps.max());
            if (tool.isPresent()) {
                System.out.printf(Locale.ROOT, "  redis-benchmark -P 16 -c 50 EVALSHA acquire: %.0f/s (%.0f..%.0f)%n",
                        toolRps.median(), toolRps.min(), toolRps.max());
                System.out.printf(Locale.ROOT, "  guard / redis-benchmark: %.0f%% (%.0f%%..%.0f%%), target >= 80%%%n",
                        100 * rpsRatio.median(), 100 * rpsRatio.min(), 100 * rpsRatio.max());
            } else {
                System.out.println("  redis-benchmark not on PATH (package redis-tools): throughput target not checked");
            }
            System.out.printf(Locale.ROOT, "  decisions: %d, not made by Redis (fallback): %d%n", guard.decisions(),
                    guard.notByRedis());
        }
    }

    /** EVALSHA of acquire with exactly what the guard sends: caps 0, MTF confirmed, and a deadline (far ahead). */
    static List<String> evalshaLikeTheGuard(RedisCommands<String, String> redis, String namespace) {
        String sha = ScriptCatalog.load().acquire().sha1();
        redis.scriptLoad(ScriptCatalog.load().acquire().body());
        List<String> cmd = new ArrayList<>(List.of("EVALSHA", sha, "1", namespace));
        cmd.addAll(Arrays.asList(new AcquireArgs(0, 0, false, true, null, null, WindowMode.FIXED).argv()));
        long redisNowMs = Long.parseLong(redis.time().get(0)) * 1000;
        cmd.add(Long.toString(redisNowMs + 86_400_000L));
        return cmd;
    }

    /**
     * Decisions per second from one thread keeping {@link #threads} {@code acquireAsync} calls in flight:
     * the same concurrency on the connection without a blocked thread per decision.
     */
    private double asyncThroughput(BenchGuard guard, int secs) {
        java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(threads);
        LongAdder done = new LongAdder();
        long start = System.nanoTime();
        long end = start + secs * 1_000_000_000L;
        while (System.nanoTime() < end) {
            window.acquireUninterruptibly();
            guard.guard().acquireAsync(SIGNAL).whenComplete((d, e) -> {
                if (d != null) {
                    guard.record(d);
                }
                done.increment();
                window.release();
            });
        }
        long counted = done.sum();
        long elapsed = System.nanoTime() - start;
        window.acquireUninterruptibly(threads); // let the last calls finish before the next phase
        return counted / (elapsed / 1e9);
    }

    /** Decisions per second from {@link #threads} threads sharing the guard for {@code secs} seconds. */
    private double throughput(BenchGuard guard, int secs) {
        return throughput(() -> guard.record(guard.guard().acquire(SIGNAL)), secs);
    }

    /** Calls per second from {@link #threads} threads for {@code secs} seconds. */
    private double throughput(Runnable call, int secs) {
        return Phases.concurrent(call, threads, secs).perSecond();
    }
}
