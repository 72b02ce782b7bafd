package io.ultrasignals.sniper.bench;

import io.lettuce.core.ScriptOutputType;
import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.guard.DefaultSniperGuard;
import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.ScriptCatalog;
import io.ultrasignals.sniper.script.WindowMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The capped regime: the hour's cap used up, every signal of the fleet blocked. Same redis-server, same run:
 * <ul>
 *   <li><b>PING</b> and <b>acquire EVALSHA</b> (a cap already used up) on a plain default Lettuce connection: the
 *       floors;</li>
 *   <li><b>guard</b>: {@code SniperGuard.acquire} with the default caps (2 an hour, 6 a day) and settings, its
 *       blocks answered from memory once Redis has said so.</li>
 * </ul>
 * Each round: latency on one thread (the three alternated call by call), then throughput from each thread count
 * (forward order on odd rounds, reverse on even), and Redis's commands per blocked decision over the guard's phase
 * at the largest thread count (INFO commandstats: every command Redis ran in it, heartbeats and the invalidation
 * connection's PINGs included, INFO itself excluded). Then the fleet's reaction: two guards blocked from memory,
 * threads spinning on both, a release (release.lua by EVALSHA on the plain connection) and the time until the
 * fleet's next admission, repeated; then the same with the cap raised by one through a stored policy (control.lua
 * policy_set) instead of a release. Overshoot is any admission beyond the freed slot, or an hour count above the cap.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.ultrasignals.sniper.bench.CappedRegime
 *     [--rounds 5] [--calls 20000] [--seconds 2] [--threads 1,64] [--trials 50]</pre>
 */
public final class CappedRegime {
    private static final Signal SIGNAL = Signal.of(true);
    private static final long HOURLY_CAP = 2;
    private static final long DAILY_CAP = 6;
    private static final String NS = "bench:capped";

    private int rounds = 5;
    private int calls = 20_000;
    private double seconds = 2;
    private int[] threadCounts = {1, 64};
    private int trials = 50;

    private final LongAdder admittedWhileCapped = new LongAdder();
    private final LongAdder notFromMemory = new LongAdder();

    private CappedRegime() {}

    public static void main(String[] args) throws Exception {
        CappedRegime c = new CappedRegime();
        try {
            for (int i = 0; i < args.length; i++) {
                String o = args[i];
                String v = CliArgs.value(args, ++i, o);
                switch (o) {
                    case "--rounds" -> c.rounds = CliArgs.positive(o, v);
                    case "--calls" -> c.calls = CliArgs.positive(o, v);
                    case "--seconds" -> c.seconds = CliArgs.positive(o, v);
                    case "--threads" -> c.threadCounts = Arrays.stream(v.split(",")).mapToInt(t -> CliArgs.positive(o, t)).toArray();
                    case "--trials" -> c.trials = CliArgs.positive(o, v);
                    default -> throw new IllegalArgumentException("unknown option " + o
                            + "; expected --rounds N, --calls N, --seconds N, --threads N,N, --trials N");
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("CappedRegime: " + e.getMessage());
            System.exit(2);
        }
        c.run();
    }

    private void run() throws Exception {
        try (BenchRedis redis = BenchRedis.start();
             BenchGuard a = BenchGuard.start(redis.server(), NS, HOURLY_CAP, DAILY_CAP, Duration.ofMillis(100));
             BenchGuard b = BenchGuard.start(redis.server(), NS, HOURLY_CAP, DAILY_CAP, Duration.ofMillis(100))) {
            System.out.println("CappedRegime: " + redis.describe() + "; load average before: " + LoadAverage.now());
            LatencyCalls plain = new LatencyCalls(redis.sync());
            for (int i = 1; i <= HOURLY_CAP; i++) {
                if (!a.guard().acquire(Signal.withId("fill-" + i, true)).allowed()) {
                    throw new IllegalStateException("set-up: fill-" + i + " not admitted");
                }
            }
            awaitFromMemory(a.guard());
            awaitFromMemory(b.guard());
            DefaultSniperGuard guard = a.guard();
            List<Runnable> list = List.of(plain::ping, plain::fixedBlocked, () -> blocked(guard));
            List<String> names = List.of("PING", "acquire EVALSHA (capped)", "guard (capped)");
            Phases.alternated(list, calls); // warm-up
            Phases.concurrent(list.get(2), threadCounts[threadCounts.length - 1], 1);
            admittedWhileCapped.reset();
            notFromMemory.reset();

            Samples p50Ratio = new Samples();
            Samples[] p50 = {new Samples(), new Samples(), new Samples()};
            Samples[][] rate = new Samples[threadCounts.length][3];
            Samples[] rateRatio = new Samples[threadCounts.length];
            Samples commandsPerDecision = new Samples();
            for (int t = 0; t < threadCounts.length; t++) {
                rateRatio[t] = new Samples();
                for (int k = 0; k < 3; k++) {
                    rate[t][k] = new Samples();
                }
            }
            for (int r = 1; r <= rounds; r++) {
                long[][] lat = Phases.alternated(list, calls);
                double[] m = new double[3];
                for (int k = 0; k < 3; k++) {
                    m[k] = Quantiles.at(lat[k], 0.5) / 1000.0;
                    p50[k].add(m[k]);
                }
                p50Ratio.add(m[2] / m[0]);
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                        "round %d: p50 us PING %.1f, acquire %.1f, guard %.2f (guard/PING %.3f)", r, m[0], m[1], m[2], m[2] / m[0]));
                for (int t = 0; t < threadCounts.length; t++) {
                    int threads = threadCounts[t];
                    double[] perSecond = new double[3];
                    for (int step = 0; step < 3; step++) {
                        int k = r % 2 == 1 ? step : 2 - step;
                        boolean last = t == threadCounts.length - 1 && k == 2;
                        long before = last ? commandCalls(redis) : 0;
                        long decisionsBefore = decisions.get();
                        perSecond[k] = Phases.concurrent(list.get(k), threads, seconds).perSecond();
                        if (last) {
                            long made = decisions.get() - decisionsBefore;
                            commandsPerDecision.add((double) (commandCalls(redis) - before) / Math.max(1, made));
                        }
                        rate[t][k].add(perSecond[k]);
                    }
                    rateRatio[t].add(perSecond[2] / perSecond[0]);
                    line.append(String.format(Locale.ROOT, "; %d threads /s PING %,.0f, acquire %,.0f, guard %,.0f (guard/PING %.1f)",
                            threads, perSecond[0], perSecond[1], perSecond[2], perSecond[2] / perSecond[0]));
                }
                System.out.println(line);
            }
            System.out.println();
            System.out.printf(Locale.ROOT, "medians of %d rounds (load average after: %s)%n", rounds, LoadAverage.now());
            for (int k = 0; k < 3; k++) {
                System.out.printf(Locale.ROOT, "  %-26s p50 %8.2f us%n", names.get(k), p50[k].median());
            }
            System.out.printf(Locale.ROOT, "  blocked p50 / PING p50: %.3f (target <= 0.1)%n", p50Ratio.median());
            for (int t = 0; t < threadCounts.length; t++) {
                System.out.printf(Locale.ROOT, "  %d threads: PING %,.0f/s, acquire %,.0f/s, guard %,.0f/s; guard / PING %.1f%s%n",
                        threadCounts[t], rate[t][0].median(), rate[t][1].median(), rate[t][2].median(), rateRatio[t].median(),
                        t == threadCounts.length - 1 ? " (target >= 20)" : "");
            }
            System.out.printf(Locale.ROOT, "  Redis commands per blocked decision (%d threads): %.6f (target <= 0.01)%n",
                    threadCounts[threadCounts.length - 1], commandsPerDecision.median());
            System.out.printf("  guard decisions admitted while capped: %d (must be 0); not from memory: %d%n",
                    admittedWhileCapped.sum(), notFromMemory.sum());
            releaseToAdmission(redis, a, b);
            raiseToAdmission(redis, a, b);
        }
    }

    private final AtomicLong decisions = new AtomicLong();

    private void blocked(DefaultSniperGuard guard) {
        Decision d = guard.acquire(SIGNAL);
        decisions.incrementAndGet();
        if (d.allowed()) {
            admittedWhileCapped.increment();
        }
        if (d.backend() != Backend.CACHE) {
            notFromMemory.increment();
        }
    }

    /** Blocked signals until one is answered from memory (the pushes of the cap's own writes may come late). */
    private static void awaitFromMemory(DefaultSniperGuard guard) {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < end) {
            Decision d = guard.acquire(SIGNAL);
            if (d.allowed()) {
                throw new IllegalStateException("set-up: admitted with the cap used up: " + d);
            }
            if (d.backend() == Backend.CACHE && guard.cachedBlocks() > 0) {
                return;
            }
            Phases.sleepQuietly(1);
        }
        throw new IllegalStateException("set-up: no block from memory within 10 s");
    }

    /** Every command Redis has run (INFO commandstats), INFO itself excluded. */
    private static long commandCalls(BenchRedis redis) {
        long total = 0;
        for (String line : redis.sync().info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_") && !line.startsWith("cmdstat_info:")) {
                String command = line.substring("cmdstat_".length(), line.indexOf(':'));
                total += CommandStats.of(line, command).calls();
            }
        }
        return total;
    }

    /**
     * Two guards blocked from memory, four threads spinning on each; a release by EVALSHA; the time until either
     * guard admits. Between trials (spinners stopped) the admitted anonymous signal is swapped for one with an id,
     * to release in the next trial: a DECR of both buckets and an acquire with that id on the plain connection.
     */
    private void releaseToAdmission(BenchRedis redis, BenchGuard a, BenchGuard b) throws InterruptedException {
        var sync = redis.sync();
        String releaseSha = sync.scriptLoad(ScriptCatalog.load().release().body());
        String acquireSha = sync.scriptLoad(ScriptCatalog.load().acquire().body());
        String[] ns = {NS};
        String[] toRelease = {"fill-1"};
        toAdmission(redis, a, b, "release", new Freeing() {
            @Override
            public long free(int trial) {
                List<?> released = sync.evalsha(releaseSha, ScriptOutputType.MULTI, ns, toRelease[0]);
                if (!Long.valueOf(1).equals(released.get(0))) {
                    throw new IllegalStateException("trial " + trial + ": " + toRelease[0] + " not released: " + released);
                }
                return HOURLY_CAP;
            }

            @Override
            public void reset(int trial) {
                // Swap the anonymous admission for one with an id, released by the next trial.
                String hourKey = NS + ":hour:" + (serverMillis(redis) / 3_600_000L);
                String dayKey = NS + ":day:" + (serverMillis(redis) / 86_400_000L);
                sync.decr(hourKey);
                sync.decr(dayKey);
                toRelease[0] = "x-" + trial;
                String[] argv = new AcquireArgs(HOURLY_CAP, DAILY_CAP, false, true, toRelease[0], null, WindowMode.FIXED).argv();
                List<?> got = sync.evalsha(acquireSha, ScriptOutputType.MULTI, ns, argv);
                if (!Long.valueOf(1).equals(got.get(0))) {
                    throw new IllegalStateException("trial " + trial + ": the swap was not admitted: " + got);
                }
            }
        });
    }

    /**
     * The cap raised by one through a stored policy (control.lua policy_set on the plain connection), trial after
     * trial (the hour's count grows by one each time); the policy is cleared at the end (the settings' cap, used up).
     */
    private void raiseToAdmission(BenchRedis redis, BenchGuard a, BenchGuard b) throws InterruptedException {
        var sync = redis.sync();
        String controlSha = sync.scriptLoad(ScriptCatalog.load().control().body());
        String[] ns = {NS};
        long[] cap = {HOURLY_CAP};
        toAdmission(redis, a, b, "cap raised by a stored policy", new Freeing() {
            @Override
            public long free(int trial) {
                cap[0]++;
                sync.evalsha(controlSha, ScriptOutputType.MULTI, ns, "policy_set", "bench", Long.toString(cap[0]), "0");
                return cap[0];
            }

            @Override
            public void reset(int trial) {
            }
        });
        sync.evalsha(controlSha, ScriptOutputType.MULTI, ns, "policy_clear", "bench");
    }

    /** What frees one slot in a trial of {@link #toAdmission}, and what readies the next trial. */
    private interface Freeing {
        /** Frees one slot; returns the hourly cap after it. */
        long free(int trial);

        void reset(int trial);
    }

    /**
     * Two guards blocked from memory, four threads spinning on each; {@code freeing} frees one slot; the time until
     * either guard admits, and any overshoot, over {@link #trials} trials.
     */
    private void toAdmission(BenchRedis redis, BenchGuard a, BenchGuard b, String what, Freeing freeing)
            throws InterruptedException {
        var sync = redis.sync();
        long[] nanos = new long[trials];
        long overshoot = 0;
        for (int trial = 0; trial < trials; trial++) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong firstAdmission = new AtomicLong();
            LongAdder admitted = new LongAdder();
            List<Thread> spinners = new ArrayList<>();
            for (DefaultSniperGuard g : List.of(a.guard(), b.guard())) {
                for (int i = 0; i < 4; i++) {
                    Thread t = new Thread(() -> {
                        while (!stop.get()) {
                            if (g.acquire(SIGNAL).allowed()) {
                                firstAdmission.compareAndSet(0, System.nanoTime());
                                admitted.increment();
                            }
                        }
                    }, "spinner");
                    t.setDaemon(true);
                    t.start();
                    spinners.add(t);
                }
            }
            awaitFromMemory(a.guard());
            awaitFromMemory(b.guard());
            Phases.sleepQuietly(20);
            long capNow = freeing.free(trial);
            long releasedAt = System.nanoTime();
            long end = releasedAt + Duration.ofSeconds(5).toNanos();
            while (firstAdmission.get() == 0 && System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            Phases.sleepQuietly(50); // any overshoot would show in this time
            stop.set(true);
            for (Thread t : spinners) {
                t.join();
            }
            if (firstAdmission.get() == 0) {
                throw new IllegalStateException("trial " + trial + ": no admission within 5 s of the " + what);
            }
            nanos[trial] = firstAdmission.get() - releasedAt;
            long hour = Long.parseLong(sync.get(NS + ":hour:" + (serverMillis(redis) / 3_600_000L)));
            overshoot += Math.max(0, admitted.sum() - 1) + Math.max(0, hour - capNow);
            freeing.reset(trial);
        }
        Arrays.sort(nanos);
        System.out.printf(Locale.ROOT, "  %s -> next admission in the fleet (2 guards, 4 threads each, %d trials): "
                        + "p50 %.2f ms, p90 %.2f ms, max %.2f ms; overshoot %d (must be 0)%n", what, trials,
                Quantiles.at(nanos, 0.5) / 1e6, Quantiles.at(nanos, 0.9) / 1e6, nanos[nanos.length - 1] / 1e6, overshoot);
    }

    private static long serverMillis(BenchRedis redis) {
        List<String> t = redis.sync().time();
        return Long.parseLong(t.get(0)) * 1000 + Long.parseLong(t.get(1)) / 1000;
    }
}
