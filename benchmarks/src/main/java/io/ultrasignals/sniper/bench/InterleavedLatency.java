package io.ultrasignals.sniper.bench;

import static io.ultrasignals.sniper.bench.Quantiles.at;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The calls of {@link AcquireLatencyBenchmark}, timed alternately (PING, acquire variants, PING, ...)
 * from one thread on one connection, so that each sees the same load from the rest of the machine
 * and the ratios to PING hold even where other processes come and go. JMH times one benchmark after
 * another, which on a shared machine can compare a quiet minute with a busy one.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.ultrasignals.sniper.bench.InterleavedLatency
 *     [--calls 100000] [--warmup 20000]</pre>
 */
public final class InterleavedLatency {
    private record Op(String label, Supplier<Object> call) {}

    private InterleavedLatency() {}

    public static void main(String[] args) {
        int calls = 100_000;
        int warmup = 20_000;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--calls" -> calls = CliArgs.positive("--calls", CliArgs.value(args, ++i, "--calls"));
                    case "--warmup" -> warmup = CliArgs.positive("--warmup", CliArgs.value(args, ++i, "--warmup"));
                    default -> throw new IllegalArgumentException("unknown option " + args[i]
                            + "; expected --calls N, --warmup N");
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("InterleavedLatency: " + e.getMessage());
            System.exit(2);
        }
        run(calls, warmup);
    }

    private static void run(int calls, int warmup) {
        try (BenchRedis redis = BenchRedis.start()) {
            LatencyCalls c = new LatencyCalls(redis.sync());
            List<Op> ops = List.of(new Op("ping (floor)", c::ping), new Op("acquire fixed, admitted", c::fixedAdmitted),
                    new Op("acquire fixed, blocked", c::fixedBlocked), new Op("acquire sliding, admitted", c::slidingAdmitted));
            System.out.printf(Locale.ROOT, "%s; %d calls of each, alternated, after %d of each as warm-up%n",
                    redis.describe(), calls, warmup);
            for (int i = 0; i < warmup; i++) {
                ops.forEach(op -> op.call().get());
            }
            long[][] nanos = new long[ops.size()][calls];
            for (int i = 0; i < calls; i++) {
                for (int k = 0; k < ops.size(); k++) {
                    int j = (i + k) % ops.size(); // rotate the order: no call always follows the same one
                    long start = System.nanoTime();
                    ops.get(j).call().get();
                    nanos[j][i] = System.nanoTime() - start;
                }
            }
            print(ops, nanos);
        }
    }

    private static void print(List<Op> ops, long[][] nanos) {
        for (long[] n : nanos) {
            Arrays.sort(n);
        }
        System.out.printf(Locale.ROOT, "%n%-28s %9s %9s %9s %9s %9s %12s %12s%n", "call (us)", "mean", "p50", "p90",
                "p99", "p99.9", "p50/PING", "p99/PING");
        long[] ping = nanos[0];
        for (int j = 0; j < ops.size(); j++) {
            long[] n = nanos[j];
            System.out.printf(Locale.ROOT, "%-28s %9.1f %9.1f %9.1f %9.1f %9.1f %12.2f %12.2f%n", ops.get(j).label(),
                    Arrays.stream(n).average().orElse(Double.NaN) / 1000.0, at(n, 0.50) / 1000.0, at(n, 0.90) / 1000.0,
                    at(n, 0.99) / 1000.0, at(n, 0.999) / 1000.0, (double) at(n, 0.50) / at(ping, 0.50),
                    (double) at(n, 0.99) / at(ping, 0.99));
        }
    }
}
