package io.ultrasignals.sniper.cli;

import io.ultrasignals.sniper.Decision;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The demo's runners: one child JVM each ({@code java} of this JVM's {@code java.home}, running
 * {@link DemoRunner} from this JVM's class path), and what each has reported. Closing it stops every child.
 */
final class DemoFleet implements AutoCloseable {
    /** The demo's phases, as the admissions are attributed to them (by when their report arrived). */
    enum Phase { BEFORE_OUTAGE, OUTAGE, AFTER_OUTAGE }

    private final List<Runner> runners;
    private volatile Phase phase = Phase.BEFORE_OUTAGE;

    private DemoFleet(List<Runner> runners) {
        this.runners = runners;
    }

    void enter(Phase next) {
        phase = next;
    }

    /** Starts {@code count} runners; {@code arguments} are {@link DemoRunner}'s after the index. */
    static DemoFleet start(int count, List<String> arguments, Map<String, String> environment, Path logDir)
            throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Runner> runners = new ArrayList<>();
        DemoFleet fleet = new DemoFleet(runners);
        try {
            for (int i = 0; i < count; i++) {
                List<String> command = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                        "-cp", System.getProperty("java.class.path"), DemoRunner.class.getName(), Integer.toString(i + 1)));
                command.addAll(arguments);
                ProcessBuilder pb = new ProcessBuilder(command)
                        .redirectError(logDir.resolve("runner-" + (i + 1) + ".log").toFile());
                pb.environment().putAll(environment);
                runners.add(new Runner(fleet, i + 1, pb.start()));
            }
        } catch (IOException | RuntimeException e) {
            fleet.close();
            throw e;
        }
        return fleet;
    }

    List<Runner> runners() {
        return runners;
    }

    void sendAll(String command) {
        runners.forEach(r -> r.send(command));
    }

    /** Waits until every runner satisfies {@code condition}, or one failed, or the time is up. */
    boolean awaitAll(Predicate<Runner> condition, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            if (runners.stream().allMatch(condition)) {
                return true;
            }
            if (runners.stream().anyMatch(r -> r.failure != null)) {
                return false;
            }
            Thread.sleep(20);
        }
        return runners.stream().allMatch(condition);
    }

    /** The first runner failure, or null. */
    String failure() {
        return runners.stream().filter(r -> r.failure != null).map(r -> "runner " + r.index + ": " + r.failure)
                .findFirst().orElse(null);
    }

    long admitted() {
        return runners.stream().mapToLong(r -> r.admitted).sum();
    }

    /** Slots given back by release (orders the exchange refused), over all runners. */
    long released() {
        return runners.stream().mapToLong(r -> Math.max(0, r.released)).sum();
    }

    long decisions() {
        return runners.stream().mapToLong(r -> r.decisions).sum();
    }

    /** Decisions by backend label, over all runners. */
    Map<String, Long> backendCounts() {
        Map<String, Long> all = new TreeMap<>();
        runners.forEach(r -> r.byBackend.forEach((b, n) -> all.merge(b, n, Long::sum)));
        return all;
    }

    /** Blocked decisions by reason, over all runners. */
    Map<String, Long> blockedCounts() {
        Map<String, Long> all = new TreeMap<>();
        runners.forEach(r -> r.blocked.forEach((b, n) -> all.merge(b, n, Long::sum)));
        return all;
    }

    /** What the fleet had counted (admissions less releases) when a scope's cap first blocked; -1 before. */
    final AtomicLong firstScopeBlock = new AtomicLong(-1);

    /** Decisions a cap blocked, by the layer that blocked them ({@code fleet}, {@code strategy=...}). */
    Map<String, Long> blockedByLayer() {
        Map<String, Long> all = new TreeMap<>();
        runners.forEach(r -> r.blockedByLayer.forEach((b, n) -> all.merge(b, n, Long::sum)));
        return all;
    }

    /** Admissions decided by {@code backend} (label) whose report arrived in {@code phase}. */
    long admittedBy(Phase phase, String backend) {
        return runners.stream().mapToLong(r -> r.admittedByPhase.getOrDefault(phase + " " + backend, 0L)).sum();
    }

    /** Admissions by phase and backend label, e.g. {@code BEFORE_OUTAGE redis}. */
    Map<String, Long> admittedByPhase() {
        Map<String, Long> all = new TreeMap<>();
        runners.forEach(r -> r.admittedByPhase.forEach((b, n) -> all.merge(b.toLowerCase(Locale.ROOT).replace(' ', '_'), n, Long::sum)));
        return all;
    }

    /** Admissions whose report arrived at or after {@code sinceNanos} ({@link System#nanoTime()}). */
    long admittedSince(long sinceNanos) {
        return runners.stream().mapToLong(r -> r.admissionTimes.stream().filter(t -> t >= sinceNanos).count()).sum();
    }

    /** Decision latencies by backend label, over all runners. */
    Map<String, Latencies> latenciesByBackend() {
        Map<String, Latencies> all = new TreeMap<>();
        runners.forEach(r -> r.latencyByBackend.forEach((b, l) -> all.computeIfAbsent(b, k -> new Latencies()).addAll(l)));
        return all;
    }

    Latencies latencies() {
        Latencies all = new Latencies();
        runners.forEach(r -> all.addAll(r.latencies));
        return all;
    }

    /** Stops every child: EXIT, then SIGTERM, then SIGKILL. Idempotent. */
    @Override
    public void close() {
        for (Runner r : runners) {
            r.send(DemoProtocol.EXIT);
        }
        for (Runner r : runners) {
            r.stop();
        }
    }

    /** One child JVM and its reports; fields are written by its reader thread only. */
    static final class Runner {
        final int index;
        private final DemoFleet fleet;
        private final Process process;
        private final PrintStream stdin;
        final Latencies latencies = new Latencies();
        private final Map<String, Latencies> latencyByBackend = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<Long> admissionTimes = new ConcurrentLinkedQueue<>();
        private final Map<String, Long> byBackend = new ConcurrentHashMap<>();
        private final Map<String, Long> admittedByBackend = new ConcurrentHashMap<>();
        private final Map<String, Long> admittedByPhase = new ConcurrentHashMap<>();
        private final Map<String, Long> blocked = new ConcurrentHashMap<>();
        private final Map<String, Long> blockedByLayer = new ConcurrentHashMap<>();
        volatile boolean ready;
        volatile long readyHourCount;
        volatile long readyDayCount;
        volatile long admitted;
        volatile long released = -1;
        volatile boolean paused;
        volatile long decisions;
        volatile String lastBackend = "-";
        volatile long hourBudget = -1;
        volatile boolean fallbackActive;
        volatile long liveGuards;
        volatile boolean finished;
        volatile long finalPending = -1;
        volatile String finalBackend;
        volatile long[] audit;
        volatile String failure;

        private Runner(DemoFleet fleet, int index, Process process) {
            this.fleet = fleet;
            this.index = index;
            this.process = process;
            this.stdin = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
            Thread reader = new Thread(this::read, "demo-fleet-runner-" + index);
            reader.setDaemon(true);
            reader.start();
        }

        void send(String command) {
            if (process.isAlive()) {
                stdin.println(command);
            }
        }

        private void read() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    accept(line.split(" "));
                }
            } catch (IOException | RuntimeException e) {
                failure = "unreadable report: " + e;
            }
            if (!finished && failure == null) {
                failure = "exited early (code " + exitCode() + ")";
            }
        }

        private void accept(String[] f) {
            switch (f[0]) {
                case DemoProtocol.READY -> {
                    readyHourCount = Long.parseLong(f[1]);
                    readyDayCount = Long.parseLong(f[2]);
                    ready = true;
                }
                case DemoProtocol.DECISION -> {
                    String backend = f[1];
                    byBackend.merge(backend, 1L, Long::sum);
                    if ("OK".equals(f[2])) {
                        admittedByBackend.merge(backend, 1L, Long::sum);
                        admittedByPhase.merge(fleet.phase + " " + backend, 1L, Long::sum);
                        admissionTimes.add(System.nanoTime());
                        admitted++;
                    } else {
                        blocked.merge(f[2], 1L, Long::sum);
                        if (f.length > 4 && !"-".equals(f[4])) {
                            blockedByLayer.merge(f[4], 1L, Long::sum);
                            if (!Decision.FLEET.equals(f[4])) {
                                fleet.firstScopeBlock.compareAndSet(-1, fleet.admitted() - fleet.released());
                            }
                        }
                    }
                    long nanos = Long.parseLong(f[3]);
                    latencies.add(nanos);
                    latencyByBackend.computeIfAbsent(backend, k -> new Latencies()).add(nanos);
                    if (!"cache".equals(backend)) {
                        // A block from memory says nothing about who decides now (Redis may be up or away).
                        lastBackend = backend;
                    }
                    decisions++;
                }
                case DemoProtocol.STATUS -> {
                    hourBudget = Long.parseLong(f[1]);
                    fallbackActive = Double.parseDouble(f[2]) > 0;
                    liveGuards = Long.parseLong(f[3]);
                }
                case DemoProtocol.PAUSED -> paused = true;
                case DemoProtocol.RELEASED -> released = Math.max(0, released) + Long.parseLong(f[1]);
                case DemoProtocol.FINAL -> {
                    finalPending = Long.parseLong(f[1]);
                    finalBackend = f[2];
                    finished = true;
                }
                case DemoProtocol.AUDIT -> audit = new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])};
                case DemoProtocol.FAILED -> failure = String.join(" ", java.util.Arrays.copyOfRange(f, 1, f.length));
                default -> { } // not ours (a library printing on stdout): ignored
            }
        }

        private String exitCode() {
            try {
                return process.waitFor(1, TimeUnit.SECONDS) ? Integer.toString(process.exitValue()) : "running";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "unknown";
            }
        }

        private void stop() {
            try {
                if (!process.waitFor(3, TimeUnit.SECONDS)) {
                    process.destroy();
                    if (!process.waitFor(2, TimeUnit.SECONDS)) {
                        process.destroyForcibly();
                    }
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
