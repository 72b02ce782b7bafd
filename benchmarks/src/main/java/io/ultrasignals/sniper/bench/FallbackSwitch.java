package io.ultrasignals.sniper.bench;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.guard.DefaultSniperGuard;
import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * How long decisions take while a guard switches to its fallback: a guard (decision timeout 100 ms,
 * default breaker settings, policy local) decides from 4 threads against a real redis-server; the
 * server is stopped with SIGSTOP (nothing answers: every call waits out its timeout) or killed with
 * SIGKILL (connections refused: calls fail at once). Timed: every decision not made by Redis from
 * the fault until each thread's first decision made locally without trying Redis (breaker open), i.e.
 * the decisions that paid for the switch. Then Redis is resumed (or restarted) and the guard must be
 * back on Redis before the next repetition.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.ultrasignals.sniper.bench.FallbackSwitch
 *     [--repeat 10] [--threads 4] [--timeout-ms 100]</pre>
 */
public final class FallbackSwitch {
    /**
     * The guard's details for a local decision made without trying Redis: the breaker is open, or
     * local admissions wait to be credited (after the first local admission, the usual case).
     */
    private static final java.util.Set<String> NO_REDIS_WAIT = java.util.Set.of("circuit open", "reconciling");
    private static final Signal SIGNAL = Signal.of(true);

    private record Timed(long startNanos, long endNanos, Backend backend, String detail) {
        long nanos() {
            return endNanos - startNanos;
        }
    }

    private enum Fault { SIGSTOP, SIGKILL }

    private int repeat = 10;
    private int threads = 4;
    private int timeoutMs = 100;

    /** Decisions completing after this instant (nanoTime) are recorded; Long.MAX_VALUE: not recording. */
    private volatile long faultAt = Long.MAX_VALUE;
    private List<List<Timed>> recorded;
    private AtomicIntegerArray switched;

    private FallbackSwitch() {}

    public static void main(String[] args) {
        FallbackSwitch f = new FallbackSwitch();
        try {
            for (int i = 0; i < args.length; i++) {
                String o = args[i];
                int v = CliArgs.positive(o, CliArgs.value(args, ++i, o));
                switch (o) {
                    case "--repeat" -> f.repeat = v;
                    case "--threads" -> f.threads = v;
                    case "--timeout-ms" -> f.timeoutMs = v;
                    default -> throw new IllegalArgumentException("unknown option " + o
                            + "; expected --repeat N, --threads N, --timeout-ms N");
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("FallbackSwitch: " + e.getMessage());
            System.exit(2);
        }
        for (Fault fault : Fault.values()) {
            f.run(fault);
        }
    }

    private void run(Fault fault) {
        try (RedisServer server = RedisServer.start(RedisBinaries.newest());
             BenchGuard bench = BenchGuard.start(server, "bench-switch", 0, Duration.ofMillis(timeoutMs))) {
            DefaultSniperGuard guard = bench.guard();
            System.out.printf(Locale.ROOT, "%n== %s: redis-server %s, decision timeout %d ms, %d threads, %d repetitions, load %s%n",
                    fault, server.binary().version(), timeoutMs, threads, repeat, LoadAverage.now());
            AtomicBoolean stop = new AtomicBoolean();
            recorded = new ArrayList<>();
            switched = new AtomicIntegerArray(threads);
            List<Thread> workers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                recorded.add(new ArrayList<>());
                int me = i;
                Thread t = new Thread(() -> decide(bench, me, stop), "switch-bench-" + i);
                t.setDaemon(true);
                t.start();
                workers.add(t);
            }
            List<long[]> all = new ArrayList<>();
            Samples perSwitch = new Samples();
            Samples switchMillis = new Samples();
            Map<String, Integer> details = new TreeMap<>();
            for (int r = 1; r <= repeat; r++) {
                awaitRedisDecides(guard);
                sleep(500);
                clearRecords();
                faultAt = System.nanoTime();
                if (fault == Fault.SIGSTOP) {
                    server.pause();
                } else {
                    server.kill();
                }
                boolean done = awaitSwitched(Duration.ofSeconds(20));
                faultAt = Long.MAX_VALUE;
                if (fault == Fault.SIGSTOP) {
                    server.resume();
                } else {
                    server.restart();
                }
                List<Timed> episode = episode();
                long[] nanos = episode.stream().mapToLong(Timed::nanos).sorted().toArray();
                long first = episode.stream().mapToLong(Timed::startNanos).min().orElse(0);
                long last = episode.stream().mapToLong(Timed::endNanos).max().orElse(0);
                episode.forEach(t -> details.merge(t.backend().label() + ": " + t.detail(), 1, Integer::sum));
                all.add(nanos);
                perSwitch.add(nanos.length);
                switchMillis.add((last - first) / 1e6);
                System.out.printf(Locale.ROOT, "rep %2d: %s %4d decisions, switch %.1f ms, p50 %.3f ms, max %.1f ms; load %s%n",
                        r, done ? "" : "(DID NOT SWITCH within 20 s)", nanos.length, (last - first) / 1e6,
                        nanos.length == 0 ? 0 : Quantiles.at(nanos, 0.5) / 1e6,
                        nanos.length == 0 ? 0 : nanos[nanos.length - 1] / 1e6, LoadAverage.now());
            }
            stop.set(true);
            long[] every = all.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            System.out.printf(Locale.ROOT, "%s summary over %d switches: decisions during a switch %d (median per switch %.0f, "
                            + "min %.0f, max %.0f); switch duration median %.1f ms (min %.1f, max %.1f)%n", fault, repeat,
                    every.length, perSwitch.median(), perSwitch.min(), perSwitch.max(), switchMillis.median(),
                    switchMillis.min(), switchMillis.max());
            if (every.length > 0) {
                System.out.printf(Locale.ROOT, "  latency of those decisions: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms, count %d%n",
                        Quantiles.at(every, 0.5) / 1e6, Quantiles.at(every, 0.9) / 1e6, Quantiles.at(every, 0.99) / 1e6,
                        every[every.length - 1] / 1e6, every.length);
            }
            System.out.println("  decided by (backend: detail): " + details);
            System.out.printf(Locale.ROOT, "  decisions in the run: %d, not made by Redis: %d%n", bench.decisions(),
                    bench.notByRedis());
        }
    }

    /** A worker: decides without pause; while a fault is on, records what the switch cost this thread. */
    private void decide(BenchGuard bench, int me, AtomicBoolean stop) {
        while (!stop.get()) {
            long start = System.nanoTime();
            Decision d = bench.record(bench.guard().acquire(SIGNAL));
            long end = System.nanoTime();
            long at = faultAt;
            if (end >= at && d.backend() != Backend.REDIS && switched.get(me) == 0) {
                synchronized (recorded.get(me)) {
                    recorded.get(me).add(new Timed(start, end, d.backend(), d.detail()));
                }
                if (d.backend() == Backend.LOCAL && NO_REDIS_WAIT.contains(d.detail())) {
                    switched.set(me, 1);
                }
            } else if (d.backend() != Backend.REDIS) {
                // Not timed (recovery): pace local decisions as a runner would. Back to back, each local
                // admission marks the ledger dirty again before the heartbeat has credited the last
                // batch, and the guard stays on "reconciling" for many seconds (see README).
                sleep(1);
            }
        }
    }

    private void clearRecords() {
        for (int i = 0; i < threads; i++) {
            synchronized (recorded.get(i)) {
                recorded.get(i).clear();
            }
            switched.set(i, 0);
        }
    }

    private List<Timed> episode() {
        List<Timed> out = new ArrayList<>();
        for (List<Timed> l : recorded) {
            synchronized (l) {
                out.addAll(l);
            }
        }
        return out;
    }

    private boolean awaitSwitched(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (int i = 0; i < threads; i++) {
                all &= switched.get(i) == 1;
            }
            if (all) {
                return true;
            }
            sleep(1);
        }
        return false;
    }

    /** Back on Redis, breaker closed, local admissions credited. */
    private static void awaitRedisDecides(DefaultSniperGuard guard) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (guard.currentBackend() == Backend.REDIS && guard.reconciled()) {
                return;
            }
            sleep(10);
        }
        throw new IllegalStateException("the guard did not return to Redis within 60 s");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
