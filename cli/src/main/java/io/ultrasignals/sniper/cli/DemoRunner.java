package io.ultrasignals.sniper.cli;

import io.micrometer.core.instrument.Gauge;
import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.GuardStatus;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.SniperGuards;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.metrics.MonitoredGuard;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One runner of the demo's fleet, a JVM of its own: a guard built with the public API
 * ({@link SniperGuards#startWithMetrics}), signals at a steady pace, one line per event on stdout for the
 * demo that started it ({@link DemoProtocol}). Commands come on stdin; when stdin closes (the demo is gone)
 * the runner stops, so no runner outlives its demo.
 */
public final class DemoRunner {
    private static final long STATUS_EVERY_MS = 200;
    private static final long CONNECT_WAIT_MS = 20_000;
    private static final long CREDIT_WAIT_MS = 15_000;

    private DemoRunner() {}

    /** Arguments: runner index, hourly cap, daily cap, interval ms, unconfirmed share, seed, run id, [settings file]. */
    public static void main(String[] args) throws Exception {
        SniperCli.quietLogging();
        int index = Integer.parseInt(args[0]);
        long hourlyCap = Long.parseLong(args[1]);
        long dailyCap = Long.parseLong(args[2]);
        long intervalMs = Long.parseLong(args[3]);
        double unconfirmed = Double.parseDouble(args[4]);
        long seed = Long.parseLong(args[5]);
        String runId = args[6];
        Path config = args.length > 7 ? Path.of(args[7]) : null;
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        BlockingQueue<String> commands = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> readCommands(commands), "demo-runner-stdin");
        reader.setDaemon(true);
        reader.start();

        SniperSettings settings = DemoSettings.forRun(DemoSettings.load(config, System.getenv()), hourlyCap, dailyCap);
        try (MonitoredGuard monitored = SniperGuards.startWithMetrics(settings)) {
            SniperGuard guard = monitored.guard();
            GuardStatus ready = awaitRedis(guard);
            if (ready == null) {
                out.println(DemoProtocol.FAILED + " guard not on Redis after " + CONNECT_WAIT_MS + " ms");
                System.exit(3);
            }
            out.println(DemoProtocol.READY + " " + ready.hourCount() + " " + ready.dayCount());
            if (!DemoProtocol.GO.equals(commands.take())) {
                return;
            }
            Random random = new Random(seed * 1000 + index);
            Deque<String> admittedIds = new ArrayDeque<>();
            long nextStatus = 0;
            int i = 0;
            boolean paused = false;
            String command;
            while (true) {
                command = commands.poll(paused ? STATUS_EVERY_MS : intervalMs / 2 + random.nextInt((int) intervalMs + 1),
                        TimeUnit.MILLISECONDS);
                if (command != null) {
                    if (command.equals(DemoProtocol.PAUSE)) {
                        paused = true;
                        out.println(DemoProtocol.PAUSED);
                    } else if (command.equals(DemoProtocol.GO)) {
                        paused = false;
                    } else if (command.startsWith(DemoProtocol.RELEASE + " ")) {
                        int wanted = Integer.parseInt(command.substring(DemoProtocol.RELEASE.length() + 1));
                        int released = 0;
                        while (released < wanted && !admittedIds.isEmpty()) {
                            if (guard.release(admittedIds.pollLast()).released()) {
                                released++;
                            }
                        }
                        out.println(DemoProtocol.RELEASED + " " + released);
                    } else {
                        break; // STOP or EXIT
                    }
                } else if (!paused) {
                    boolean mtf = random.nextDouble() >= unconfirmed;
                    String id = "demo-" + runId + "-" + index + "-" + ++i;
                    Signal signal = Signal.withId(id, mtf);
                    if (i % DemoSettings.SCOPED_EVERY == 0) {
                        signal = signal.scope(DemoSettings.SCOPE_DIMENSION, DemoSettings.SCOPED_STRATEGY);
                    }
                    long start = System.nanoTime();
                    Decision d = guard.acquire(signal);
                    long nanos = System.nanoTime() - start;
                    if (d.allowed()) {
                        admittedIds.addLast(id);
                    }
                    out.println(DemoProtocol.DECISION + " " + d.backend().label() + " " + d.reason().name() + " " + nanos
                            + " " + (d.layer() == null ? "-" : d.layer()));
                }
                long now = System.currentTimeMillis();
                if (now >= nextStatus) {
                    out.println(DemoProtocol.STATUS + " " + hourBudget(monitored) + " " + monitored.metrics().registry()
                            .find("sniper.fallback.active").gauge().value() + " " + guard.status().liveGuards());
                    nextStatus = now + STATUS_EVERY_MS;
                }
            }
            if (DemoProtocol.EXIT.equals(command)) {
                return;
            }
            // Stopped: the books are complete once every local admission is credited.
            long deadline = System.currentTimeMillis() + CREDIT_WAIT_MS;
            GuardStatus s = guard.status();
            while ((s.pendingCredits() > 0 || s.backend() != Backend.REDIS) && System.currentTimeMillis() < deadline) {
                Thread.sleep(100);
                s = guard.status();
            }
            out.println(DemoProtocol.FINAL + " " + s.pendingCredits() + " " + s.backend().label());
            while ((command = commands.take()) != null && !DemoProtocol.EXIT.equals(command)) {
                if (DemoProtocol.AUDIT.equals(command)) {
                    GuardStatus audit = guard.status();
                    out.println(DemoProtocol.AUDIT + " " + audit.hourCount() + " " + audit.dayCount() + " "
                            + audit.backend().label());
                }
            }
        }
    }

    /** The share of the hourly cap this guard would admit alone were Redis to go away now, as its metric says. */
    private static long hourBudget(MonitoredGuard monitored) {
        Gauge budget = monitored.metrics().registry().find("sniper.fallback.budget").tag("window", "hour").gauge();
        return budget == null ? -1 : (long) budget.value();
    }

    private static GuardStatus awaitRedis(SniperGuard guard) throws InterruptedException {
        long deadline = System.currentTimeMillis() + CONNECT_WAIT_MS;
        while (System.currentTimeMillis() < deadline) {
            GuardStatus s = guard.status();
            if (s.backend() == Backend.REDIS && s.liveGuards() > 0) {
                return s;
            }
            Thread.sleep(50);
        }
        return null;
    }

    private static void readCommands(BlockingQueue<String> commands) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                commands.add(line.trim());
            }
        } catch (Exception e) {
            // stdin gone: same as EOF
        }
        commands.add(DemoProtocol.EXIT);
        // The demo that started us is gone: stop after a grace period even if a step above hangs.
        try {
            Thread.sleep(CREDIT_WAIT_MS + 5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Runtime.getRuntime().halt(0);
    }
}
