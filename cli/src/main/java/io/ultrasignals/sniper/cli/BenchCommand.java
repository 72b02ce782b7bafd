package io.ultrasignals.sniper.cli;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisServerCommands;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.guard.GuardListener;
import io.ultrasignals.sniper.redis.RedisConnections;
import io.ultrasignals.sniper.redis.RedisLink;
import io.ultrasignals.sniper.script.Buckets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongPredicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Decisions beside PING from the same threads on the guard's own connection, alternated in rounds
 * (PING, decisions, decisions, PING, ...) so that both see the same minute of a shared machine; the
 * ratios are the figures to read. A run in which the fallback decided more than a trace measured the
 * fallback, not Redis: it says so and exits {@link SniperCli#FALLBACK_DECIDED}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Decision latency and throughput against the configured Redis, alternated with PING from the "
                + "same threads on the same connection, for sizing a deployment. Counts go to a throwaway namespace, "
                + "<namespace>-bench-<random>, deleted at the end; never to the real counters. Exits 4 when the fallback made more than 0.1%% of the decisions.")
final class BenchCommand implements Callable<Integer> {
    /** Share of decisions the fallback may make before the run no longer measures Redis. */
    static final double FALLBACK_TRACE = 0.001;

    @Mixin
    CommonOptions common;

    @Option(names = "--threads", defaultValue = "8", description = "Deciding threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--seconds", defaultValue = "10", description = "Time spent deciding, over all rounds (default ${DEFAULT-VALUE}); PING gets as long again.")
    int seconds;

    @Option(names = "--rounds", defaultValue = "4", description = "Rounds of PING and decisions, alternated (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--ids", description = "Give every signal an id (one op key per signal, deleted with the namespace).")
    boolean ids;

    @Option(names = "--capped", description = "The capped regime: the settings' caps (2 an hour, 6 a day when none), used up "
            + "before measuring, so every decision is a block (answered from memory once Redis has said so). Reports Redis "
            + "commands per decision (INFO commandstats) and admissions, which must be 0.")
    boolean capped;

    /** What one phase of one round measured. */
    private record Phase(long calls, double seconds, Latencies latencies) {
        double perSecond() {
            return calls / seconds;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (threads < 1 || seconds < 1 || rounds < 1) {
            throw new SniperCli.UsageException("--threads, --seconds and --rounds must be at least 1");
        }
        if (capped && seconds > CAPPED_MAX_SECONDS) {
            throw new SniperCli.UsageException("--capped runs within one hour: --seconds must be at most " + CAPPED_MAX_SECONDS
                    + ", got " + seconds);
        }
        SniperSettings base = common.settings();
        if (!base.redis().enabled()) {
            throw new SniperCli.UsageException("bench measures Redis: set redis.enabled: true (ULTRA_SIGNALS_REDIS__ENABLED=true)");
        }
        // A namespace of its own for this run, deleted at the end: never the production counters, nothing left behind.
        String namespace = base.redis().namespace() + "-bench-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
        long hourly = 0;
        long daily = 0;
        if (capped) {
            boolean none = base.sniperMode().maxSignalsPerHour() == 0 && base.sniperMode().dailySignalCap() == 0;
            hourly = none ? 2 : base.sniperMode().maxSignalsPerHour();
            daily = none ? 6 : base.sniperMode().dailySignalCap();
        }
        SniperSettings settings = Overrides.apply(base, namespace, hourly, daily, false);
        GuardSession session = GuardSession.open(settings, true, GuardListener.NONE);
        try (session) {
            return measure(session);
        } finally {
            // After the guard has left the fleet (its last heartbeat writes to the namespace too).
            deleteNamespace(settings);
        }
    }

    private int measure(GuardSession session) throws InterruptedException {
        SniperGuard guard = session.runtime.guard();
        StatefulConnection<String, String> connection = session.runtime.link().orElseThrow().connection();
        Map<String, LongAdder> notByRedis = new ConcurrentHashMap<>();
        AtomicLong sequence = new AtomicLong();
        if (capped) {
            stayInOneHour(connection);
            useUpTheCap(guard);
        }
        LongPredicate decide = start -> {
            Decision d = guard.acquire(ids ? Signal.withId("bench-" + sequence.incrementAndGet() + "-" + start, true)
                    : Signal.of(true));
            if (capped && d.allowed()) {
                admittedWhileCapped.increment();
            }
            // Redis's own block, answered from this guard's memory of it: Redis decided it.
            if (d.backend() != Backend.REDIS && d.backend() != Backend.CACHE) {
                notByRedis.computeIfAbsent(d.backend().label() + (d.detail() == null ? "" : ": " + d.detail()),
                        k -> new LongAdder()).increment();
            }
            return true;
        };
        LongPredicate ping = start -> ping(connection);
        long phaseMillis = Math.max(100, seconds * 1000L / rounds);
        // Warm-up: JIT and the script cache, so the first round is not the slowest.
        run(ping, Math.min(phaseMillis, 500));
        run(decide, Math.min(phaseMillis, 500));
        notByRedis.clear();
        admittedWhileCapped.reset();
        long commandsBefore = capped ? commandCalls(connection) : 0;

        Progress progress = new Progress(System.err, !common.json);
        List<Phase> decisions = new ArrayList<>();
        List<Phase> pings = new ArrayList<>();
        List<Double> throughputRatios = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            progress.bar((double) r / rounds, String.format("round %d of %d", r + 1, rounds));
            Phase p;
            Phase d;
            if (r % 2 == 0) {
                p = run(ping, phaseMillis);
                d = run(decide, phaseMillis);
            } else {
                d = run(decide, phaseMillis);
                p = run(ping, phaseMillis);
            }
            pings.add(p);
            decisions.add(d);
            throughputRatios.add(d.perSecond() / p.perSecond());
        }
        progress.done();
        long commands = capped ? commandCalls(connection) - commandsBefore : -1;
        return report(decisions, pings, throughputRatios, new TreeMap<>(notByRedis), commands);
    }

    private final LongAdder admittedWhileCapped = new LongAdder();

    /** Time a capped run may take beyond its phases: using up the cap, the session's start and end. */
    private static final long CAPPED_MARGIN_MILLIS = 10_000;

    /** The longest capped run: it must fit in one hour, whose cap it uses up. */
    static final int CAPPED_MAX_SECONDS = 1_700;

    /**
     * A capped run measures one hour's used-up cap: when the hour turns, the next hour has room and admits, as it
     * should. So a run that would not end before the hour turns (on the Redis clock) first waits for the next hour.
     */
    private void stayInOneHour(StatefulConnection<String, String> connection) throws InterruptedException {
        long wait = waitForOneHour(redisTimeMillis(connection), seconds, rounds);
        if (wait > 0) {
            System.err.printf("bench --capped: waiting %d s for the next hour on the Redis clock, so that the run "
                    + "stays in one hour's used-up cap%n", (wait + 999) / 1000);
            Thread.sleep(wait);
        }
    }

    /** How long a capped run of these phases starting at {@code nowMillis} waits for the next hour: 0 when it fits. */
    static long waitForOneHour(long nowMillis, int seconds, int rounds) {
        long phaseMillis = Math.max(100, seconds * 1000L / rounds);
        long needed = 2 * Math.min(phaseMillis, 500) + 2 * seconds * 1000L + CAPPED_MARGIN_MILLIS;
        long left = Buckets.HOUR_MS - Math.floorMod(nowMillis, Buckets.HOUR_MS);
        return left < needed ? left + 200 : 0;
    }

    private static long redisTimeMillis(StatefulConnection<String, String> connection) {
        List<String> time = server(connection).time();
        return Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
    }

    /** The server commands of the guard's connection, standalone or Cluster. */
    @SuppressWarnings("unchecked")
    private static RedisServerCommands<String, String> server(StatefulConnection<String, String> connection) {
        return connection instanceof StatefulRedisClusterConnection<?, ?> c
                ? ((StatefulRedisClusterConnection<String, String>) c).sync()
                : ((StatefulRedisConnection<String, String>) connection).sync();
    }

    /**
     * Admits signals (with ids, in the throwaway namespace) until Redis blocks one at the cap; at most a million. A
     * block by the fallback (Redis slow or away) is not the cap: filling goes on.
     */
    private static void useUpTheCap(SniperGuard guard) {
        for (int i = 0; i < 1_000_000; i++) {
            Decision d = guard.acquire(Signal.withId("bench-fill-" + i, true));
            if (!d.allowed() && d.backend() == Backend.REDIS
                    && (d.reason() == Reason.SNIPER_HOURLY_CAP || d.reason() == Reason.SNIPER_DAILY_CAP)) {
                return;
            }
        }
        throw new IllegalStateException("--capped: Redis did not block at the cap after 1,000,000 attempts; set smaller "
                + "caps, and check that Redis answers (sniper status)");
    }

    /**
     * Every command Redis has run, INFO commandstats (PING and INFO excluded: the floor's and this count's own).
     * Redis-wide: other clients of the same server count too.
     */
    private static long commandCalls(StatefulConnection<String, String> connection) {
        String info = server(connection).info("commandstats");
        long total = 0;
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("cmdstat_") && !line.startsWith("cmdstat_info:") && !line.startsWith("cmdstat_ping:")) {
                int calls = line.indexOf("calls=");
                int end = line.indexOf(',', calls);
                total += Long.parseLong(line.substring(calls + "calls=".length(), end));
            }
        }
        return total;
    }

    /** Deletes the run's namespace on a connection of its own; a failure is reported, and changes no figure. */
    private void deleteNamespace(SniperSettings settings) {
        String namespace = settings.redis().effectiveNamespace();
        try (RedisLink link = RedisConnections.link(settings.redis()).start()) {
            if (!link.awaitConnected(settings.redis().connectTimeout())) {
                throw new IllegalStateException("not connected");
            }
            long deleted = new NamespaceKeys(link.connection(), namespace).deleteAll();
            if (!common.json) {
                System.err.printf("deleted the bench namespace %s (%d keys)%n", namespace, deleted);
            }
        } catch (RuntimeException e) {
            System.err.println("sniper: bench could not delete its namespace " + namespace + " (" + e.getMessage()
                    + "); delete its keys by hand: SCAN MATCH " + NamespaceKeys.escapeGlob(namespace) + ":*");
        }
    }

    private int report(List<Phase> decisions, List<Phase> pings, List<Double> throughputRatios, Map<String, LongAdder> notByRedis,
                       long commands) {
        Latencies d = pooled(decisions);
        Latencies p = pooled(pings);
        long total = decisions.stream().mapToLong(Phase::calls).sum();
        long fallback = notByRedis.values().stream().mapToLong(LongAdder::sum).sum();
        double decisionRate = total / decisions.stream().mapToDouble(Phase::seconds).sum();
        double pingRate = pings.stream().mapToLong(Phase::calls).sum() / pings.stream().mapToDouble(Phase::seconds).sum();
        boolean measuredFallback = fallback > total * FALLBACK_TRACE;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("threads", threads);
        out.put("rounds", rounds);
        out.put("decisions", total);
        out.put("decisions_per_second", Math.round(decisionRate));
        out.put("ping_per_second", Math.round(pingRate));
        out.put("throughput_vs_ping", median(throughputRatios));
        out.put("p50_us", d.micros(0.5));
        out.put("p90_us", d.micros(0.9));
        out.put("p99_us", d.micros(0.99));
        out.put("p999_us", d.micros(0.999));
        out.put("max_us", d.micros(1.0));
        out.put("ping_p50_us", p.micros(0.5));
        out.put("ping_p99_us", p.micros(0.99));
        out.put("p50_vs_ping", ratio(d.micros(0.5), p.micros(0.5)));
        out.put("p99_vs_ping", ratio(d.micros(0.99), p.micros(0.99)));
        out.put("not_decided_by_redis", fallback);
        Map<String, Long> by = new LinkedHashMap<>();
        notByRedis.forEach((k, v) -> by.put(k, v.sum()));
        out.put("not_decided_by_redis_by_cause", by);
        out.put("ping_failures", failures.sum());
        out.put("measured_fallback", measuredFallback);
        if (capped) {
            out.put("admitted_while_capped", admittedWhileCapped.sum());
            out.put("redis_commands_per_decision", (double) commands / Math.max(1, total));
        }
        if (common.json) {
            System.out.println(Json.of(out));
        } else {
            System.out.printf("%d threads, %d rounds of PING and decisions alternated (%d s of each)%n", threads, rounds, seconds);
            System.out.printf("decisions: %,d, %,.0f/s; PING from the same threads on the same connection: %,.0f/s; "
                    + "decisions/s / PING/s = %.2f (median of rounds)%n", total, decisionRate, pingRate, median(throughputRatios));
            System.out.println("decision latency: " + d.summary());
            System.out.println("PING latency:     " + p.summary());
            System.out.printf("decision / PING: p50 %.2f, p99 %.2f%n", (double) out.get("p50_vs_ping"), (double) out.get("p99_vs_ping"));
            if (failures.sum() > 0) {
                System.out.printf("%,d PINGs failed (timed out or refused)%n", failures.sum());
            }
            if (fallback > 0) {
                System.out.printf("%,d decisions (%.3f%%) were not made by Redis: %s%n", fallback, 100.0 * fallback / Math.max(1, total), by);
            }
            if (capped) {
                System.out.printf("capped: %,d decisions admitted (must be 0); Redis commands per decision %.6f "
                        + "(INFO commandstats, PING and INFO excluded, heartbeats included)%n", admittedWhileCapped.sum(),
                        (double) commands / Math.max(1, total));
            }
            if (measuredFallback) {
                System.out.printf("FAILED: the fallback made more than %.1f%% of the decisions, so these figures are not "
                        + "Redis's; see the causes above%n", 100 * FALLBACK_TRACE);
            }
        }
        return measuredFallback ? SniperCli.FALLBACK_DECIDED : SniperCli.OK;
    }

    /** {@code threads} threads calling {@code call} (given its start in nanos) back to back for {@code millis}. */
    private final LongAdder failures = new LongAdder();

    private Phase run(LongPredicate call, long millis) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Latencies> perThread = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Latencies mine = new Latencies();
            perThread.add(mine);
            Thread w = new Thread(() -> {
                ready.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                while (!stop.get()) {
                    long start = System.nanoTime();
                    try {
                        call.test(start);
                    } catch (RuntimeException failed) {
                        failures.increment(); // a PING that timed out: counted, not timed
                        continue;
                    }
                    mine.add(System.nanoTime() - start);
                }
            }, "bench-" + t);
            w.setDaemon(true);
            workers.add(w);
            w.start();
        }
        ready.await();
        long started = System.nanoTime();
        go.countDown();
        Thread.sleep(millis);
        stop.set(true);
        for (Thread w : workers) {
            w.join();
        }
        double elapsed = (System.nanoTime() - started) / 1e9;
        Latencies all = new Latencies();
        perThread.forEach(all::addAll);
        return new Phase(all.count(), elapsed, all);
    }

    private static Latencies pooled(List<Phase> phases) {
        Latencies all = new Latencies();
        phases.forEach(p -> all.addAll(p.latencies()));
        return all;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double ratio(double a, double b) {
        return b == 0 ? 0 : a / b;
    }

    /** PING on the guard's own connection: the round-trip floor. */
    @SuppressWarnings("unchecked")
    private static boolean ping(StatefulConnection<String, String> connection) {
        if (connection instanceof StatefulRedisClusterConnection<?, ?> c) {
            ((StatefulRedisClusterConnection<String, String>) c).sync().ping();
        } else {
            ((StatefulRedisConnection<String, String>) connection).sync().ping();
        }
        return true;
    }
}
