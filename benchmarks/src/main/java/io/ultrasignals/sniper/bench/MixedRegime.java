package io.ultrasignals.sniper.bench;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.config.ScopeSettings;
import io.ultrasignals.sniper.guard.DefaultSniperGuard;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;

/**
 * The mixed regime: a fleet of two guards (half the threads on each) whose hour is open for some signals and capped
 * for others, beside the floors of the same run (PING and acquire EVALSHA, admitted and blocked, on a plain default
 * Lettuce connection, alternated call by call before each round). Three parts per round, each on a fresh namespace:
 * <ol>
 *   <li><b>open → capped</b>: an hourly cap of {@code --open-cap}; the threads run until it is used up and for
 *       {@code --seconds} after. Decisions by regime: admitted (the hour open), blocked by Redis, blocked from
 *       memory; Redis requests per decision in each regime (INFO commandstats: EVALSHA, PING, CLIENT and the other
 *       commands clients send, heartbeats and the invalidation connection included; not the commands scripts run
 *       inside them), the boundary being the first block a thread
 *       saw;</li>
 *   <li><b>capped and open scopes</b>: no fleet cap; half the signals carry {@code symbol=S0..S3} (2 an hour each,
 *       so capped at once), half carry no scope (open). Round trips per decision for each kind (decisions Redis
 *       made, counted by the client), and Redis requests per decision over all;</li>
 *   <li><b>cap 2 with random releases</b>: signals arrive steadily (about one a millisecond per thread), each with an
 *       id; a releaser frees a random admitted id every
 *       20–200 ms through a random guard. The time from each release to the next admission anywhere in the fleet;
 *       overshoot: Redis's hour count above the cap, or not equal to admitted minus released (the books), at the
 *       end.</li>
 * </ol>
 * Latency p50/p99 of each kind of decision, decisions/s per part; medians over rounds, ratios within each round.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.ultrasignals.sniper.bench.MixedRegime
 *     [--rounds 3] [--seconds 3] [--threads 8] [--open-cap 20000] [--calls 5000]</pre>
 */
public final class MixedRegime {
    /** Kinds of decision a part tells apart. */
    private enum Kind {
        ADMITTED("admitted (Redis)"), BLOCKED_BY_REDIS("blocked by Redis"), BLOCKED_FROM_MEMORY("blocked from memory"),
        CAPPED_SCOPE("capped scope, any"), OPEN_SIGNAL("open (no scope), any");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    private int rounds = 3;
    private double seconds = 3;
    private int threads = 8;
    private long openCap = 20_000;
    private int calls = 5_000;
    /** Every figure, by name, one sample per round. */
    private final Map<String, Samples> figures = new LinkedHashMap<>();

    private MixedRegime() {}

    public static void main(String[] args) throws Exception {
        MixedRegime m = new MixedRegime();
        try {
            for (int i = 0; i < args.length; i++) {
                String o = args[i];
                String v = CliArgs.value(args, ++i, o);
                switch (o) {
                    case "--rounds" -> m.rounds = CliArgs.positive(o, v);
                    case "--seconds" -> m.seconds = CliArgs.positive(o, v);
                    case "--threads" -> m.threads = Math.max(2, CliArgs.positive(o, v));
                    case "--open-cap" -> m.openCap = CliArgs.positive(o, v);
                    case "--calls" -> m.calls = CliArgs.positive(o, v);
                    default -> throw new IllegalArgumentException("unknown option " + o
                            + "; expected --rounds N, --seconds N, --threads N, --open-cap N, --calls N");
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("MixedRegime: " + e.getMessage());
            System.exit(2);
        }
        m.run();
    }

    private void run() throws Exception {
        try (BenchRedis redis = BenchRedis.start()) {
            System.out.printf(Locale.ROOT, "MixedRegime: %s; %d threads over 2 guards; load average before: %s%n",
                    redis.describe(), threads, LoadAverage.now());
            LatencyCalls plain = new LatencyCalls(redis.sync());
            List<Runnable> floors = List.of(plain::ping, plain::fixedAdmitted, plain::fixedBlocked);
            Phases.alternated(floors, calls); // warm-up
            for (int r = 1; r <= rounds; r++) {
                long[][] lat = Phases.alternated(floors, calls);
                double ping = Quantiles.at(lat[0], 0.5) / 1000.0;
                add("floor PING p50", ping);
                add("floor acquire admitted p50", Quantiles.at(lat[1], 0.5) / 1000.0);
                add("floor acquire blocked p50", Quantiles.at(lat[2], 0.5) / 1000.0);
                System.out.printf(Locale.ROOT, "round %d floors p50 us: PING %.1f, acquire admitted %.1f, blocked %.1f%n", r,
                        ping, Quantiles.at(lat[1], 0.5) / 1000.0, Quantiles.at(lat[2], 0.5) / 1000.0);
                openToCapped(redis, r, ping);
                scopes(redis, r, ping);
                releases(redis, r, ping);
            }
            System.out.printf(Locale.ROOT, "%nmedians over %d rounds (ratios per round, then median; load average after: %s)%n",
                    rounds, LoadAverage.now());
            figures.forEach((name, s) -> System.out.printf(Locale.ROOT, "  %-62s %s%n", name,
                    name.contains("/s") ? String.format(Locale.ROOT, "%,.0f", s.median())
                            : String.format(Locale.ROOT, "%.4f", s.median())));
        }
    }

    /** Part 1: an hour open until the cap is used up, then capped. */
    private void openToCapped(BenchRedis redis, int round, double pingP50) throws InterruptedException {
        String ns = "bench:mixed:open:" + round;
        try (BenchGuard a = BenchGuard.start(redis.server(), ns, openCap, 0, Duration.ofMillis(100));
             BenchGuard b = BenchGuard.start(redis.server(), ns, openCap, 0, Duration.ofMillis(100))) {
            Recorder rec = new Recorder();
            AtomicLong boundaryCommands = new AtomicLong(-1);
            AtomicLong boundaryDecisions = new AtomicLong();
            AtomicLong firstBlock = new AtomicLong();
            AtomicLong decisions = new AtomicLong();
            long startCommands = commandCalls(redis);
            long start = System.nanoTime();
            Spinners spin = new Spinners(threads, a, b, (t, g) -> {
                return () -> {
                    long s = System.nanoTime();
                    Decision d = g.acquire(Signal.of(true));
                    long took = System.nanoTime() - s;
                    long n = decisions.incrementAndGet();
                    if (!d.allowed() && firstBlock.compareAndSet(0, System.nanoTime())) {
                        boundaryDecisions.set(n);
                        boundaryCommands.set(commandCalls(redis));
                    }
                    rec.add(t, d.allowed() ? Kind.ADMITTED : d.backend() == Backend.CACHE ? Kind.BLOCKED_FROM_MEMORY
                            : Kind.BLOCKED_BY_REDIS, took, d);
                };
            });
            long limit = start + Duration.ofSeconds(60).toNanos();
            while (firstBlock.get() == 0 && System.nanoTime() < limit) {
                Phases.sleepQuietly(5);
            }
            long capReached = firstBlock.get();
            Phases.sleepQuietly((long) (seconds * 1000));
            spin.stop();
            long end = System.nanoTime();
            long endCommands = commandCalls(redis);
            if (capReached == 0) {
                throw new IllegalStateException("open -> capped: the cap of " + openCap + " was not used up in 60 s");
            }
            long admitted = rec.count(Kind.ADMITTED);
            if (admitted != openCap) {
                throw new IllegalStateException("open -> capped: " + admitted + " admitted against a cap of " + openCap);
            }
            double openSeconds = (capReached - start) / 1e9;
            double cappedSeconds = (end - capReached) / 1e9;
            long cappedDecisions = decisions.get() - boundaryDecisions.get();
            double openCmd = (double) (boundaryCommands.get() - startCommands) / Math.max(1, boundaryDecisions.get());
            double cappedCmd = (double) (endCommands - boundaryCommands.get()) / Math.max(1, cappedDecisions);
            add("1 open->capped: decisions/s while open", boundaryDecisions.get() / openSeconds);
            add("1 open->capped: decisions/s while capped", cappedDecisions / cappedSeconds);
            add("1 open->capped: Redis requests per decision while open", openCmd);
            add("1 open->capped: Redis requests per decision while capped", cappedCmd);
            System.out.printf(Locale.ROOT, "round %d part 1 open -> capped (cap %d): open %.2f s, %,.0f/s, %.3f requests/decision;"
                            + " capped %.2f s, %,.0f/s, %.5f requests/decision; overshoot %d%n", round, openCap, openSeconds,
                    boundaryDecisions.get() / openSeconds, openCmd, cappedSeconds, cappedDecisions / cappedSeconds, cappedCmd,
                    Math.max(0, admitted - openCap));
            rec.report("1 open->capped", round, pingP50, Kind.ADMITTED, Kind.BLOCKED_BY_REDIS, Kind.BLOCKED_FROM_MEMORY);
        }
    }

    /** Part 2: capped scopes beside open signals, interleaved on every thread. */
    private void scopes(BenchRedis redis, int round, double pingP50) throws InterruptedException {
        String ns = "bench:mixed:scopes:" + round;
        Map<String, ScopeSettings> scopes = Map.of("symbol", ScopeSettings.of(2, 0));
        try (BenchGuard a = BenchGuard.start(redis.server(), ns, 0, 0, scopes, Duration.ofMillis(100));
             BenchGuard b = BenchGuard.start(redis.server(), ns, 0, 0, scopes, Duration.ofMillis(100))) {
            Recorder rec = new Recorder();
            AtomicLong decisions = new AtomicLong();
            // Let the scopes cap first (their blocks then come from memory), as a fleet in its hour would.
            for (int i = 0; i < 4; i++) {
                for (int k = 0; k < 3; k++) {
                    a.guard().acquire(Signal.of(true).scope("symbol", "S" + i));
                }
            }
            long before = commandCalls(redis);
            long start = System.nanoTime();
            Spinners spin = new Spinners(threads, a, b, (t, g) -> {
                long[] n = {0};
                return () -> {
                    boolean scoped = n[0]++ % 2 == 0;
                    Signal s = scoped ? Signal.of(true).scope("symbol", "S" + (n[0] % 8 / 2)) : Signal.of(true);
                    long t0 = System.nanoTime();
                    Decision d = g.acquire(s);
                    long took = System.nanoTime() - t0;
                    decisions.incrementAndGet();
                    rec.add(t, scoped ? Kind.CAPPED_SCOPE : Kind.OPEN_SIGNAL, took, d);
                };
            });
            Phases.sleepQuietly((long) (seconds * 1000));
            spin.stop();
            double took = (System.nanoTime() - start) / 1e9;
            long commands = commandCalls(redis) - before;
            if (rec.admittedOf(Kind.CAPPED_SCOPE) != 0) {
                throw new IllegalStateException("scopes: a capped scope admitted " + rec.admittedOf(Kind.CAPPED_SCOPE));
            }
            add("2 scopes: decisions/s", decisions.get() / took);
            add("2 scopes: Redis requests per decision (all)", (double) commands / decisions.get());
            add("2 scopes: round trips per decision, capped scope", rec.redisShare(Kind.CAPPED_SCOPE));
            add("2 scopes: round trips per decision, open", rec.redisShare(Kind.OPEN_SIGNAL));
            System.out.printf(Locale.ROOT, "round %d part 2 scopes: %,.0f decisions/s, %.3f requests/decision; round trips"
                            + " per decision: capped scope %.5f, open %.3f; capped scope admitted %d%n", round,
                    decisions.get() / took, (double) commands / decisions.get(), rec.redisShare(Kind.CAPPED_SCOPE),
                    rec.redisShare(Kind.OPEN_SIGNAL), rec.admittedOf(Kind.CAPPED_SCOPE));
            rec.report("2 scopes", round, pingP50, Kind.CAPPED_SCOPE, Kind.OPEN_SIGNAL);
        }
    }

    /** Part 3: cap 2 an hour, signals with ids from every thread, random releases. */
    private void releases(BenchRedis redis, int round, double pingP50) throws InterruptedException {
        String ns = "bench:mixed:releases:" + round;
        try (BenchGuard a = BenchGuard.start(redis.server(), ns, 2, 0, Duration.ofMillis(100));
             BenchGuard b = BenchGuard.start(redis.server(), ns, 2, 0, Duration.ofMillis(100))) {
            Recorder rec = new Recorder();
            ConcurrentLinkedQueue<String> admittedIds = new ConcurrentLinkedQueue<>();
            AtomicLong admitted = new AtomicLong();
            AtomicLong decisions = new AtomicLong();
            AtomicLong pendingRelease = new AtomicLong();
            List<Long> releaseToAdmission = java.util.Collections.synchronizedList(new ArrayList<>());
            long before = commandCalls(redis);
            long start = System.nanoTime();
            Spinners spin = new Spinners(threads, a, b, (t, g) -> {
                long[] n = {0};
                return () -> {
                    // Steadily, about one signal a millisecond per thread (each id is remembered until its hour ends).
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                    String id = "r" + round + "-" + t + "-" + n[0]++;
                    long t0 = System.nanoTime();
                    Decision d = g.acquire(Signal.withId(id, true));
                    long now = System.nanoTime();
                    decisions.incrementAndGet();
                    if (d.allowed()) {
                        admitted.incrementAndGet();
                        admittedIds.add(id);
                        long released = pendingRelease.getAndSet(0);
                        if (released != 0) {
                            releaseToAdmission.add(now - released);
                        }
                    }
                    rec.add(t, d.allowed() ? Kind.ADMITTED : d.backend() == Backend.CACHE ? Kind.BLOCKED_FROM_MEMORY
                            : Kind.BLOCKED_BY_REDIS, now - t0, d);
                };
            });
            long released = 0;
            long end = start + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                Phases.sleepQuietly(ThreadLocalRandom.current().nextLong(20, 201));
                String id = admittedIds.poll();
                if (id == null) {
                    continue;
                }
                DefaultSniperGuard g = (ThreadLocalRandom.current().nextBoolean() ? a : b).guard();
                long at = System.nanoTime();
                if (g.release(id).released()) {
                    released++;
                    pendingRelease.compareAndSet(0, at);
                }
            }
            spin.stop();
            double took = (System.nanoTime() - start) / 1e9;
            long commands = commandCalls(redis) - before;
            List<String> t = redis.sync().time();
            long hour = (Long.parseLong(t.get(0)) * 1000) / 3_600_000L;
            String count = redis.sync().get(ns + ":hour:" + hour);
            long onRedis = count == null ? 0 : Long.parseLong(count);
            long overshoot = Math.max(0, onRedis - 2) + Math.abs(onRedis - (admitted.get() - released));
            long[] gaps = releaseToAdmission.stream().mapToLong(Long::longValue).sorted().toArray();
            add("3 releases: decisions/s", decisions.get() / took);
            add("3 releases: Redis requests per decision", (double) commands / decisions.get());
            if (gaps.length > 0) {
                add("3 releases: release -> next admission p50 ms", Quantiles.at(gaps, 0.5) / 1e6);
                add("3 releases: release -> next admission p90 ms", Quantiles.at(gaps, 0.9) / 1e6);
                add("3 releases: release -> next admission max ms", gaps[gaps.length - 1] / 1e6);
            }
            add("3 releases: overshoot", overshoot);
            System.out.printf(Locale.ROOT, "round %d part 3 releases: %,.0f decisions/s, %.4f requests/decision, %d released,"
                            + " %d admitted; release -> next admission (%d) p50 %.2f ms, max %.2f ms; overshoot %d%n", round,
                    decisions.get() / took, (double) commands / decisions.get(), released, admitted.get(), gaps.length,
                    gaps.length == 0 ? Double.NaN : Quantiles.at(gaps, 0.5) / 1e6,
                    gaps.length == 0 ? Double.NaN : gaps[gaps.length - 1] / 1e6, overshoot);
            rec.report("3 releases", round, pingP50, Kind.ADMITTED, Kind.BLOCKED_BY_REDIS, Kind.BLOCKED_FROM_MEMORY);
        }
    }

    private void add(String name, double value) {
        figures.computeIfAbsent(name, k -> new Samples()).add(value);
    }

    /** The commands clients send themselves; every other command in INFO commandstats ran inside a script. */
    private static final java.util.Set<String> REQUESTS = java.util.Set.of("evalsha", "eval", "ping", "client", "hello",
            "script", "auth", "select", "command");

    /**
     * Requests Redis has served (INFO commandstats): the commands clients send (EVALSHA, PING, CLIENT, ...), not the
     * commands scripts run inside them, which commandstats counts too. INFO itself excluded.
     */
    private static long commandCalls(BenchRedis redis) {
        long total = 0;
        for (String line : redis.sync().info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_")) {
                String command = line.substring("cmdstat_".length(), line.indexOf(':'));
                if (REQUESTS.contains(command)) {
                    total += CommandStats.of(line, command).calls();
                }
            }
        }
        return total;
    }

    /** Threads calling their own step until stopped; even threads decide through guard a, odd ones through b. */
    private static final class Spinners {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> all = new ArrayList<>();

        Spinners(int n, BenchGuard a, BenchGuard b, BiFunction<Integer, DefaultSniperGuard, Runnable> stepOf) {
            for (int t = 0; t < n; t++) {
                Runnable step = stepOf.apply(t, (t % 2 == 0 ? a : b).guard());
                Thread thread = new Thread(() -> {
                    while (!stop.get()) {
                        step.run();
                    }
                }, "mixed-" + t);
                thread.setDaemon(true);
                all.add(thread);
            }
            all.forEach(Thread::start);
        }

        void stop() throws InterruptedException {
            stop.set(true);
            for (Thread t : all) {
                t.join();
            }
        }
    }

    /** Latencies by kind, per thread (no contention while recording), merged when reported. */
    private final class Recorder {
        private final Map<Integer, EnumMap<Kind, long[]>> byThread = new java.util.concurrent.ConcurrentHashMap<>();
        private final Map<Integer, EnumMap<Kind, long[]>> sizes = new java.util.concurrent.ConcurrentHashMap<>();

        /** Records one decision; for kinds of any outcome, also whether Redis made it and whether it admitted. */
        void add(int thread, Kind kind, long nanos, Decision d) {
            EnumMap<Kind, long[]> lat = byThread.computeIfAbsent(thread, t -> new EnumMap<>(Kind.class));
            EnumMap<Kind, long[]> n = sizes.computeIfAbsent(thread, t -> new EnumMap<>(Kind.class));
            long[] c = n.computeIfAbsent(kind, k -> new long[3]);   // decisions, made by Redis, admitted
            long[] buf = lat.computeIfAbsent(kind, k -> new long[1024]);
            if (c[0] == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
                lat.put(kind, buf);
            }
            buf[(int) c[0]] = nanos;
            c[0]++;
            c[1] += d.backend() == Backend.REDIS ? 1 : 0;
            c[2] += d.admitted() ? 1 : 0;
        }

        long count(Kind kind) {
            return total(kind, 0);
        }

        long admittedOf(Kind kind) {
            return total(kind, 2);
        }

        /** Decisions of this kind Redis made, per decision: the round trips it cost. */
        double redisShare(Kind kind) {
            return (double) total(kind, 1) / Math.max(1, total(kind, 0));
        }

        private long total(Kind kind, int field) {
            long sum = 0;
            for (EnumMap<Kind, long[]> n : sizes.values()) {
                long[] c = n.get(kind);
                sum += c == null ? 0 : c[field];
            }
            return sum;
        }

        void report(String part, int round, double pingP50, Kind... kinds) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "round %d %s latency p50/p99 us:", round, part));
            for (Kind kind : kinds) {
                long[] all = merged(kind);
                if (all.length == 0) {
                    line.append(' ').append(kind.label).append(" none;");
                    continue;
                }
                double p50 = Quantiles.at(all, 0.5) / 1000.0;
                double p99 = Quantiles.at(all, 0.99) / 1000.0;
                MixedRegime.this.add(part + ": " + kind.label + " p50 us", p50);
                MixedRegime.this.add(part + ": " + kind.label + " p99 us", p99);
                MixedRegime.this.add(part + ": " + kind.label + " p50 / PING p50", p50 / pingP50);
                line.append(String.format(Locale.ROOT, " %s %.2f/%.1f (%d, p50 %.3fx PING);", kind.label, p50, p99, all.length,
                        p50 / pingP50));
            }
            System.out.println(line);
        }

        private long[] merged(Kind kind) {
            long[] out = new long[0];
            for (Integer t : byThread.keySet()) {
                long[] buf = byThread.get(t).get(kind);
                long[] c = sizes.get(t).get(kind);
                if (buf == null) {
                    continue;
                }
                int from = out.length;
                out = Arrays.copyOf(out, from + (int) c[0]);
                System.arraycopy(buf, 0, out, from, (int) c[0]);
            }
            Arrays.sort(out);
            return out;
        }
    }
}
