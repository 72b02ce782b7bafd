package io.ultrasignals.sniper.cli;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.guard.GuardListener;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Decision latency and throughput against the configured Redis, beside PING on the same "
                + "connection, for sizing a deployment. Counts go to <namespace>-bench, never to the real counters.")
final class BenchCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--threads", defaultValue = "8", description = "Deciding threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--seconds", defaultValue = "10", description = "How long to run (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--ids", description = "Give every signal an id (stores one op key per signal, for 48 h).")
    boolean ids;

    @Override
    public Integer call() throws Exception {
        if (threads < 1 || seconds < 1) {
            throw new SniperCli.UsageException("--threads and --seconds must be at least 1");
        }
        SniperSettings base = common.settings();
        if (!base.redis().enabled()) {
            throw new SniperCli.UsageException("bench measures Redis: set redis.enabled: true (ULTRA_SIGNALS_REDIS__ENABLED=true)");
        }
        SniperSettings settings = Overrides.apply(base, base.redis().namespace() + "-bench", 0, 0, false);
        try (GuardSession session = GuardSession.open(settings, true, GuardListener.NONE)) {
            Latencies ping = pingFloor(session);
            SniperGuard guard = session.runtime.guard();
            Latencies all = new Latencies();
            AtomicLong done = new AtomicLong();
            AtomicLong notRedis = new AtomicLong();
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            List<Thread> workers = new ArrayList<>();
            List<Latencies> perThread = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Latencies mine = new Latencies();
                perThread.add(mine);
                int thread = t;
                Thread w = new Thread(() -> {
                    long n = 0;
                    while (System.nanoTime() < end) {
                        long start = System.nanoTime();
                        Decision d = guard.acquire(ids ? Signal.withId("bench-" + thread + "-" + (n++) + "-" + start, true)
                                : Signal.of(true));
                        mine.add(System.nanoTime() - start);
                        done.incrementAndGet();
                        if (d.backend() != Backend.REDIS) {
                            notRedis.incrementAndGet();
                        }
                    }
                }, "bench-" + t);
                workers.add(w);
                w.start();
            }
            long started = System.nanoTime();
            Progress progress = new Progress(System.err, !common.json);
            while (workers.stream().anyMatch(Thread::isAlive)) {
                Thread.sleep(200);
                double elapsed = (System.nanoTime() - started) / 1e9;
                progress.bar(Math.min(1.0, elapsed / seconds), String.format("%,d decisions  %,.0f/s", done.get(),
                        done.get() / Math.max(elapsed, 0.001)));
            }
            progress.done();
            double elapsed = (System.nanoTime() - started) / 1e9;
            perThread.forEach(all::addAll);
            double throughput = done.get() / elapsed;
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("threads", threads);
            out.put("decisions", done.get());
            out.put("decisions_per_second", Math.round(throughput));
            out.put("p50_us", all.micros(0.5));
            out.put("p90_us", all.micros(0.9));
            out.put("p99_us", all.micros(0.99));
            out.put("p999_us", all.micros(0.999));
            out.put("max_us", all.micros(1.0));
            out.put("ping_p50_us", ping.micros(0.5));
            out.put("p50_vs_ping", ping.micros(0.5) == 0 ? 0 : all.micros(0.5) / ping.micros(0.5));
            out.put("not_decided_by_redis", notRedis.get());
            if (common.json) {
                System.out.println(Json.of(out));
            } else {
                System.out.printf("%d threads, %d s: %,d decisions, %,.0f decisions/s%n", threads, seconds, done.get(), throughput);
                System.out.println("decision latency: " + all.summary());
                System.out.printf("PING on the same connection (1 thread): p50 %.0f us; decision p50 / PING p50 = %.2f%n",
                        ping.micros(0.5), (double) out.get("p50_vs_ping"));
                if (notRedis.get() > 0) {
                    System.out.printf("warning: %,d decisions were not made by Redis (timeouts or errors)%n", notRedis.get());
                }
            }
            return SniperCli.OK;
        }
    }

    /** PING from one thread on the guard's own connection: the round-trip floor. */
    @SuppressWarnings("unchecked")
    private static Latencies pingFloor(GuardSession session) {
        var connection = session.runtime.link().orElseThrow().connection();
        Latencies ping = new Latencies();
        for (int i = 0; i < 2000; i++) {
            long start = System.nanoTime();
            if (connection instanceof StatefulRedisClusterConnection<?, ?> c) {
                ((StatefulRedisClusterConnection<String, String>) c).sync().ping();
            } else {
                ((StatefulRedisConnection<String, String>) connection).sync().ping();
            }
            if (i >= 200) {
                ping.add(System.nanoTime() - start);
            }
        }
        return ping;
    }
}
