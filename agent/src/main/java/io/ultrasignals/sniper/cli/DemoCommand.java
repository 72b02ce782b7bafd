package io.ultrasignals.sniper.cli;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.GuardStatus;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.guard.GuardListener;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Simulated runners emit signals (some without MTF confirmation) into one guard; shows live "
                + "progress and a summary. Without Redis in settings it runs on local counters; with Redis it uses "
                + "<namespace>-demo, and if Redis goes away mid-run you see the fallback take over.")
final class DemoCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--runners", defaultValue = "4", description = "Simulated runner threads (default ${DEFAULT-VALUE}).")
    int runners;

    @Option(names = "--signals", defaultValue = "40", description = "Signals per runner (default ${DEFAULT-VALUE}).")
    int signals;

    @Option(names = "--interval-ms", defaultValue = "20", description = "Pause between a runner's signals (default ${DEFAULT-VALUE}).")
    int intervalMillis;

    @Option(names = "--unconfirmed", defaultValue = "0.25",
            description = "Share of signals without MTF confirmation (default ${DEFAULT-VALUE}).")
    double unconfirmed;

    @Option(names = "--hourly-cap", defaultValue = "60", description = "Hourly cap for the demo (default ${DEFAULT-VALUE}).")
    long hourlyCap;

    @Option(names = "--daily-cap", defaultValue = "100", description = "Daily cap for the demo (default ${DEFAULT-VALUE}).")
    long dailyCap;

    @Option(names = "--seed", defaultValue = "7", description = "Random seed, for a repeatable run (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (runners < 1 || signals < 1 || intervalMillis < 0 || unconfirmed < 0 || unconfirmed > 1) {
            throw new SniperCli.UsageException("demo: --runners and --signals must be at least 1, --interval-ms at least 0, "
                    + "--unconfirmed between 0 and 1");
        }
        SniperSettings base = common.settings();
        SniperSettings settings = Overrides.apply(base, base.redis().namespace() + "-demo", hourlyCap, dailyCap, true);
        System.err.printf("sniper demo: %d runners x %d signals, caps %d/hour %d/day, MTF required, %s%n", runners, signals,
                hourlyCap, dailyCap, settings.redis().enabled()
                        ? "Redis namespace " + settings.redis().effectiveNamespace() : "local counters (no Redis configured)");
        try (GuardSession session = GuardSession.open(settings, false, GuardListener.NONE)) {
            SniperGuard guard = session.runtime.guard();
            Map<Reason, AtomicLong> byReason = new ConcurrentHashMap<>();
            Map<Backend, AtomicLong> byBackend = new ConcurrentHashMap<>();
            AtomicLong done = new AtomicLong();
            AtomicLong admitted = new AtomicLong();
            List<Latencies> latencies = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int r = 0; r < runners; r++) {
                Latencies mine = new Latencies();
                latencies.add(mine);
                Random random = new Random(seed + r);
                int runner = r;
                Thread t = new Thread(() -> {
                    for (int i = 0; i < signals; i++) {
                        boolean mtf = random.nextDouble() >= unconfirmed;
                        long start = System.nanoTime();
                        Decision d = guard.acquire(Signal.withId("demo-" + seed + "-" + runner + "-" + i, mtf));
                        mine.add(System.nanoTime() - start);
                        byReason.computeIfAbsent(d.reason(), k -> new AtomicLong()).incrementAndGet();
                        byBackend.computeIfAbsent(d.backend(), k -> new AtomicLong()).incrementAndGet();
                        if (d.allowed()) {
                            admitted.incrementAndGet();
                        }
                        done.incrementAndGet();
                        sleep(intervalMillis + random.nextInt(intervalMillis + 1));
                    }
                }, "demo-runner-" + r);
                threads.add(t);
                t.start();
            }
            long total = (long) runners * signals;
            Progress progress = new Progress(System.err, !common.json);
            while (threads.stream().anyMatch(Thread::isAlive)) {
                Thread.sleep(100);
                progress.bar((double) done.get() / total, String.format("%d/%d  admitted %d  blocked: mtf %d, hourly %d, daily %d  %s",
                        done.get(), total, admitted.get(), count(byReason, Reason.SNIPER_MTF_REQUIRED),
                        count(byReason, Reason.SNIPER_HOURLY_CAP), count(byReason, Reason.SNIPER_DAILY_CAP), backends(byBackend)));
            }
            progress.done();
            Latencies all = new Latencies();
            latencies.forEach(all::addAll);
            GuardStatus status = guard.status();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("signals", total);
            out.put("admitted", admitted.get());
            Map<String, Long> blocked = new LinkedHashMap<>();
            for (Reason reason : Reason.values()) {
                if (reason != Reason.OK && count(byReason, reason) > 0) {
                    blocked.put(reason.name(), count(byReason, reason));
                }
            }
            out.put("blocked", blocked);
            out.put("hour_count", status.hourCount());
            out.put("hourly_cap", status.hourlyCap());
            out.put("day_count", status.dayCount());
            out.put("daily_cap", status.dailyCap());
            Map<String, Long> backends = new LinkedHashMap<>();
            byBackend.forEach((b, n) -> backends.put(b.label(), n.get()));
            out.put("decided_by", backends);
            out.put("latency_p50_us", all.micros(0.5));
            out.put("latency_p99_us", all.micros(0.99));
            out.put("latency_max_us", all.micros(1.0));
            if (common.json) {
                System.out.println(Json.of(out));
            } else {
                System.out.println("Summary");
                System.out.printf("  signals           %d from %d runners%n", total, runners);
                System.out.printf("  admitted          %d%n", admitted.get());
                blocked.forEach((reason, n) -> System.out.printf("  blocked           %d  %s%n", n, reason));
                System.out.printf("  hour count / cap  %d / %d%n", status.hourCount(), status.hourlyCap());
                System.out.printf("  day count / cap   %d / %d%n", status.dayCount(), status.dailyCap());
                System.out.printf("  decided by        %s%n", backends);
                System.out.printf("  decision latency  %s%n", all.summary());
            }
            return SniperCli.OK;
        }
    }

    private static long count(Map<Reason, AtomicLong> map, Reason reason) {
        AtomicLong n = map.get(reason);
        return n == null ? 0 : n.get();
    }

    private static String backends(Map<Backend, AtomicLong> map) {
        Map<Backend, Long> sorted = new EnumMap<>(Backend.class);
        map.forEach((b, n) -> sorted.put(b, n.get()));
        StringBuilder sb = new StringBuilder();
        sorted.forEach((b, n) -> sb.append(b.label()).append(' ').append(n).append(' '));
        return sb.toString().trim();
    }

    private static void sleep(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
