package io.ultrasignals.sniper.cli;

import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.config.RedisSettings;
import io.ultrasignals.sniper.config.RedisTopology;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.guard.GuardListener;
import io.ultrasignals.sniper.redis.RedisEngine;
import io.ultrasignals.sniper.script.Buckets;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "A fleet of runner JVMs shares one cap through Redis; mid-run Redis is killed (SIGKILL), the "
                + "runners decide locally within their shares, Redis comes back from its AOF, the local admissions are "
                + "credited and decisions return to Redis; then an audit of Redis's books against the admissions made. "
                + "Without a Redis in settings it starts the bundled redis-server 7.0.15 on a free loopback port; with "
                + "one it uses <namespace>-demo there (and does not kill it).")
final class DemoCommand implements Callable<Integer> {
    /** How long the demo waits for its runner JVMs to start and reach Redis. */
    private static final long RUNNERS_READY_MS = 60_000;
    /** How long after the recovery phase the demo waits for every runner to be back on Redis. */
    private static final long RETURN_WAIT_MS = 10_000;
    /** How much longer the first phase may run for the hourly cap to block a signal on Redis before the outage. */
    private static final long CAP_WAIT_MS = 10_000;
    private static final long REDRAW_MS = 250;
    /** The halt drill after the outage: how long the fleet stays halted, at most how long to wait for a halted
     * decision, how long it runs after resume, and how many audit entries the summary shows. */
    static final String HALT_REASON = "demo: operator halt drill";
    private static final double HALT_SECONDS = 2;
    private static final long HALT_WAIT_MS = 10_000;
    private static final double RESUMED_SECONDS = 1;
    private static final int AUDIT_TAIL = 5;
    /** The layer the demo's scoped strategy's blocks name. */
    static final String SCOPE_LAYER = DemoSettings.SCOPE_DIMENSION + "=" + DemoSettings.SCOPED_STRATEGY;

    @Mixin
    CommonOptions common;

    @Option(names = "--runners", defaultValue = "4", description = "Runner JVMs (default ${DEFAULT-VALUE}).")
    int runners;

    @Option(names = "--interval-ms", defaultValue = "200", description = "Mean pause between a runner's signals (default ${DEFAULT-VALUE}).")
    long intervalMillis;

    @Option(names = "--unconfirmed", defaultValue = "0.2",
            description = "Share of signals without MTF confirmation (default ${DEFAULT-VALUE}).")
    double unconfirmed;

    @Option(names = "--hourly-cap", defaultValue = "60", description = "Hourly cap for the demo (default ${DEFAULT-VALUE}).")
    long hourlyCap;

    @Option(names = "--daily-cap", defaultValue = "300", description = "Daily cap for the demo (default ${DEFAULT-VALUE}).")
    long dailyCap;

    @Option(names = "--redis-seconds", defaultValue = "6", description = "Seconds on Redis before the outage (default ${DEFAULT-VALUE}).")
    double redisSeconds;

    @Option(names = "--outage-seconds", defaultValue = "10", description = "Seconds Redis stays down (default ${DEFAULT-VALUE}).")
    double outageSeconds;

    @Option(names = "--recovery-seconds", defaultValue = "6", description = "Seconds after Redis is back (default ${DEFAULT-VALUE}).")
    double recoverySeconds;

    @Option(names = "--seed", defaultValue = "7", description = "Random seed of the runners' signals (default ${DEFAULT-VALUE}).")
    long seed;

    private final AtomicReference<DemoFleet> fleetRef = new AtomicReference<>();
    private final AtomicReference<DemoRedis> redisRef = new AtomicReference<>();
    private Path workDir;
    private volatile boolean keepFiles;
    private volatile boolean shuttingDown;

    @Override
    public Integer call() throws Exception {
        if (runners < 1 || intervalMillis < 1 || unconfirmed < 0 || unconfirmed > 1 || hourlyCap < 1 || dailyCap < 1
                || redisSeconds < 0 || outageSeconds < 0 || recoverySeconds < 0) {
            throw new SniperCli.UsageException("demo: --runners, --interval-ms and the caps must be at least 1, the "
                    + "phase seconds at least 0, --unconfirmed between 0 and 1");
        }
        PrintStream err = System.err;
        Map<String, String> environment = new HashMap<>(System.getenv());
        boolean bundled = !DemoSettings.load(common.config, environment).redis().enabled();
        workDir = Files.createTempDirectory("sniper-demo-");
        Thread cleanup = new Thread(() -> {
            shuttingDown = true; // what fails from here on is this hook stopping it, not something to keep logs of
            cleanUp();
        }, "sniper-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup); // Ctrl-C stops every runner and the Redis we started
        try {
            Map<String, String> childEnvironment = new HashMap<>();
            childEnvironment.put(DemoSettings.METRICS_OFF.getKey(), DemoSettings.METRICS_OFF.getValue());
            DemoRedis redis = null;
            if (bundled) {
                redis = DemoRedis.start(workDir);
                redisRef.set(redis);
                childEnvironment.putAll(DemoSettings.bundledRedis(redis.port()));
            }
            environment.putAll(childEnvironment);
            SniperSettings settings = DemoSettings.forRun(DemoSettings.load(common.config, environment), hourlyCap, dailyCap);
            Map<String, Object> redisInfo = new LinkedHashMap<>();
            redisInfo.put("source", bundled ? "bundled" : "configured");
            redisInfo.put("version", bundled ? redis.version() : null);
            redisInfo.put("address", bundled ? redis.address() : address(settings.redis()));
            err.printf("sniper demo: %s Redis %s%s, namespace %s; %d runner JVMs; caps %d/hour %d/day, MTF required; "
                            + "one signal in %d is strategy %s, capped at %d/hour %d/day of its own%n",
                    redisInfo.get("source"), bundled ? redis.version() + " on " : "", redisInfo.get("address"),
                    settings.redis().effectiveNamespace(), runners, hourlyCap, dailyCap, DemoSettings.SCOPED_EVERY,
                    DemoSettings.SCOPED_STRATEGY, DemoSettings.STRATEGY_HOURLY_CAP, DemoSettings.STRATEGY_DAILY_CAP);
            awaitRoomInTheHour(err);

            long started = System.nanoTime();
            List<String> arguments = new ArrayList<>(List.of(Long.toString(hourlyCap), Long.toString(dailyCap),
                    Long.toString(intervalMillis), Double.toString(unconfirmed), Long.toString(seed),
                    Long.toString(System.currentTimeMillis())));
            if (common.config != null) {
                arguments.add(common.config.toAbsolutePath().toString());
            }
            DemoFleet fleet = DemoFleet.start(runners, arguments, childEnvironment, workDir);
            fleetRef.set(fleet);
            if (!fleet.awaitAll(r -> r.ready, RUNNERS_READY_MS)) {
                String why = fleet.failure();
                throw new SniperCli.UnreachableException("demo: runners not on Redis " + (why == null ? "in time" : why)
                        + " (their logs: " + workDir + ")");
            }
            DemoFleet.Runner first = fleet.runners().get(0);
            long baselineHour = first.readyHourCount;
            long baselineDay = first.readyDayCount;
            err.printf("%d runners on Redis after %.1f s; go%n", runners, seconds(started));
            Progress progress = new Progress(err, !common.json);
            fleet.sendAll(DemoProtocol.GO);
            long go = System.nanoTime();
            run(fleet, progress, go, "on Redis", redisSeconds);

            OutageBound bound = null;
            HaltDrill drill = null;
            if (bundled) {
                // A slow machine sends fewer signals: stay on Redis (a little) longer until the cap has blocked one.
                long capDeadline = System.nanoTime() + CAP_WAIT_MS * 1_000_000L;
                while (fleet.blockedByLayer().getOrDefault(Decision.FLEET, 0L) == 0
                        && System.nanoTime() < capDeadline) {
                    run(fleet, progress, go, "on Redis", 0.5);
                }
                // The cap has been doing its job on Redis. The exchange now refuses some orders: the runners pause
                // and give those slots back, so that there is room left in the hour for the outage to share out.
                long capBlocked = fleet.blockedByLayer().getOrDefault(Decision.FLEET, 0L);
                long scopeBlocked = fleet.blockedByLayer().getOrDefault(SCOPE_LAYER, 0L);
                fleet.sendAll(DemoProtocol.PAUSE);
                fleet.awaitAll(r -> r.paused, 10_000);
                long each = Math.max(1, hourlyCap / (2L * runners));
                fleet.sendAll(DemoProtocol.RELEASE + " " + each);
                fleet.awaitAll(r -> r.released >= 0, 10_000);
                progress.done();
                err.printf("%5.1f s  the hourly cap blocked %d signals on Redis (SNIPER_HOURLY_CAP, layer fleet); "
                                + "strategy %s's own cap of %d/hour blocked %d (SNIPER_HOURLY_CAP, layer %s), the first "
                                + "while the fleet had counted only %d of %d; the runners pause, the exchange refuses "
                                + "the last %d orders of each, and releasing them frees %d slots%n",
                        seconds(go), capBlocked, DemoSettings.SCOPED_STRATEGY, DemoSettings.STRATEGY_HOURLY_CAP,
                        scopeBlocked, SCOPE_LAYER, baselineHour + fleet.firstScopeBlock.get(), hourlyCap, each,
                        fleet.released());
                // Shares are recorded by the heartbeat: wait for a round after the releases, and until each runner
                // has seen the whole fleet (shares are sized by the live guards each one saw).
                long heartbeatMillis = settings.sniperMode().fallback().heartbeatInterval().toMillis();
                Thread.sleep(2 * heartbeatMillis + REDRAW_MS);
                fleet.awaitAll(r -> r.liveGuards >= runners, 5_000);
                long heartbeatNanos = heartbeatMillis * 1_000_000L;
                List<Long> shares = fleet.runners().stream().map(r -> r.hourBudget).toList();
                long seenAtOutage = baselineHour + fleet.admitted() - fleet.released();
                long lastBeat = fleet.admittedSince(System.nanoTime() - heartbeatNanos);
                redis.kill();
                fleet.enter(DemoFleet.Phase.OUTAGE);
                fleet.sendAll(DemoProtocol.GO);
                err.printf("%5.1f s  redis-server SIGKILLed at %d counted: each runner decides locally within its "
                                + "share %s = %d; first %.1f s: local admissions wait until Redis must be holding each "
                                + "runner's share back (heartbeat ttl + 2 heartbeats + decision timeout after its last "
                                + "heartbeat), and signals in that gap are blocked (SNIPER_FALLBACK_DENY)%n", seconds(go),
                        seenAtOutage, shares.stream().map(String::valueOf).collect(Collectors.joining("+")),
                        shares.stream().mapToLong(Long::longValue).sum(), gateSeconds(settings));
                run(fleet, progress, go, "Redis DOWN", outageSeconds);
                // Redis was dead since the kill: every Redis admission reported by now was made before it.
                bound = new OutageBound(shares, hourlyCap, baselineHour + fleet.admittedBy(DemoFleet.Phase.BEFORE_OUTAGE,
                        "redis") + fleet.admittedBy(DemoFleet.Phase.BEFORE_OUTAGE, "local") - fleet.released(), lastBeat);
                redis.restart();
                fleet.enter(DemoFleet.Phase.AFTER_OUTAGE);
                progress.done();
                err.printf("%5.1f s  redis-server restarted from its AOF (it held %d): runners credit their local "
                        + "admissions, then decide on Redis again%n", seconds(go), bound.redisCountAtOutage());
                run(fleet, progress, go, "recovery", recoverySeconds);
                long returned = System.nanoTime();
                boolean back = fleet.awaitAll(r -> !r.fallbackActive && "redis".equals(r.lastBackend), RETURN_WAIT_MS);
                progress.done();
                err.printf("%5.1f s  %s%n", seconds(go), back ? "every runner decides on Redis again"
                        : "not every runner is back on Redis after " + RETURN_WAIT_MS / 1000 + " s more");
                if (seconds(returned) > 0.5) {
                    run(fleet, progress, go, "on Redis", 0);
                }
                drill = haltAndResume(fleet, progress, go, settings, err);
            } else {
                err.println("(a configured Redis is not ours to kill or halt: no outage and no halt in this run)");
                run(fleet, progress, go, "on Redis", recoverySeconds + outageSeconds);
            }
            fleet.sendAll(DemoProtocol.STOP);
            fleet.awaitAll(r -> r.finished, 20_000);
            progress.done();
            first.send(DemoProtocol.AUDIT);
            fleet.awaitAll(r -> r.index != 1 || r.audit != null, 10_000);
            DemoAudit audit = new DemoAudit(fleet, redisInfo, hourlyCap, dailyCap, baselineHour, baselineDay, bound,
                    first.audit);
            if (drill != null) {
                audit.halt(drill.halted(), HALT_REASON, drill.tail());
            }
            fleet.close();
            audit.print(System.out, common.json, seconds(started));
            return SniperCli.OK;
        } catch (RuntimeException | IOException | InterruptedException e) {
            keepFiles = true;
            throw e;
        } finally {
            cleanUp();
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException hookRunning) {
                // the hook is running or has run
            }
        }
    }

    /** What the halt drill showed: decisions answered SNIPER_HALTED, and the audit stream's last entries after it. */
    record HaltDrill(long halted, List<Map<String, Object>> tail) {}

    /**
     * The operator halts the fleet, as {@code sniper-cli halt} does (control.lua, journalled in the audit stream):
     * every decision on Redis is SNIPER_HALTED for a short phase; then {@code resume}. Returns the halted count and
     * the audit stream's tail.
     */
    private HaltDrill haltAndResume(DemoFleet fleet, Progress progress, long go, SniperSettings settings,
                                    PrintStream err) throws InterruptedException {
        try (GuardSession session = GuardSession.open(settings, true, GuardListener.NONE)) {
            RedisEngine redis = session.runtime.guard().redisEngine().orElseThrow(
                    () -> new IllegalStateException("demo: no Redis engine for the halt"));
            String operator = ControlCommands.operator("sniper-demo");
            long haltedBefore = fleet.blockedCounts().getOrDefault(Reason.SNIPER_HALTED.name(), 0L);
            redis.control("halt", operator, HALT_REASON, "0");
            progress.done();
            err.printf("%5.1f s  the operator halts the fleet (halt --reason \"%s\"): every decision on Redis is "
                    + "SNIPER_HALTED, counting nothing%n", seconds(go), HALT_REASON);
            long haltDeadline = System.nanoTime() + HALT_WAIT_MS * 1_000_000L;
            run(fleet, progress, go, "HALTED", HALT_SECONDS);
            while (fleet.blockedCounts().getOrDefault(Reason.SNIPER_HALTED.name(), 0L) == haltedBefore
                    && System.nanoTime() < haltDeadline) {
                run(fleet, progress, go, "HALTED", 0.5);
            }
            redis.control("resume", operator);
            long halted = fleet.blockedCounts().getOrDefault(Reason.SNIPER_HALTED.name(), 0L) - haltedBefore;
            progress.done();
            err.printf("%5.1f s  %d decisions were SNIPER_HALTED; resume: decisions on Redis again%n", seconds(go),
                    halted);
            List<Map<String, Object>> tail = auditTail(redis); // before new admissions push the halt out of it
            run(fleet, progress, go, "resumed", RESUMED_SECONDS);
            progress.done();
            return new HaltDrill(halted, tail);
        }
    }

    /** The last {@link #AUDIT_TAIL} entries of the audit stream over the last hour, as {@code audit} prints them. */
    private static List<Map<String, Object>> auditTail(RedisEngine redis) {
        java.util.ArrayDeque<Map<String, Object>> tail = new java.util.ArrayDeque<>();
        String start = Long.toString(Math.max(0, redis.clock().redisNow() - Buckets.HOUR_MS));
        List<Object> entries;
        do {
            entries = redis.control("audit", start, "1000");
            for (Object e : entries) {
                List<?> entry = (List<?>) e;
                start = "(" + ControlCommands.text(entry.get(0));
                Map<String, Object> fields = new LinkedHashMap<>();
                fields.put("id", ControlCommands.text(entry.get(0)));
                List<?> kv = (List<?>) entry.get(1);
                for (int i = 0; i + 1 < kv.size(); i += 2) {
                    fields.put(ControlCommands.text(kv.get(i)), ControlCommands.text(kv.get(i + 1)));
                }
                tail.addLast(fields);
                if (tail.size() > AUDIT_TAIL) {
                    tail.removeFirst();
                }
            }
        } while (entries.size() == 1000);
        return List.copyOf(tail);
    }

    /** Runs a phase: redraws the live line until {@code phaseSeconds} have passed; a runner failure ends the demo. */
    private void run(DemoFleet fleet, Progress progress, long go, String phase, double phaseSeconds)
            throws InterruptedException {
        long end = System.nanoTime() + (long) (phaseSeconds * 1e9);
        do {
            String failure = fleet.failure();
            if (failure != null) {
                throw new IllegalStateException("demo: " + failure + " (logs in " + workDir + ")");
            }
            progress.bar(seconds(go) / (redisSeconds + outageSeconds + recoverySeconds), liveLine(fleet, go, phase));
            Thread.sleep(REDRAW_MS);
        } while (System.nanoTime() < end);
    }

    private String liveLine(DemoFleet fleet, long go, String phase) {
        StringBuilder line = new StringBuilder(String.format("%5.1f s %-10s", seconds(go), phase));
        for (DemoFleet.Runner r : fleet.runners()) {
            line.append(String.format(" r%d %3d %-5s", r.index, r.admitted, r.lastBackend));
        }
        line.append(String.format(" | fleet %d/%d this hour | decided:", fleet.admitted() - fleet.released(), hourlyCap));
        fleet.backendCounts().forEach((b, n) -> line.append(' ').append(b).append(' ').append(n));
        return line.toString();
    }

    /** Fixed hour buckets: a run that crossed an hour boundary would count against two caps. */
    private void awaitRoomInTheHour(PrintStream err) throws InterruptedException {
        long runMillis = (long) ((redisSeconds + outageSeconds + recoverySeconds) * 1000) + 25_000;
        long left = Buckets.HOUR_MS - Math.floorMod(System.currentTimeMillis(), Buckets.HOUR_MS);
        if (left < runMillis) {
            err.printf("waiting %d s for the next hour, so that the whole run counts against one hourly cap%n",
                    left / 1000 + 1);
            Thread.sleep(left + 1000);
        }
    }

    private static String address(RedisSettings redis) {
        if (redis.topology() == RedisTopology.SENTINEL) {
            return "sentinel " + redis.sentinel().master() + " via " + redis.sentinel().nodes();
        }
        if (redis.topology() == RedisTopology.CLUSTER) {
            return "cluster " + redis.cluster().nodes();
        }
        return redis.host() + ":" + redis.port();
    }

    /**
     * How long after its last heartbeat a guard cut off from Redis waits before admitting locally: by then its
     * registration has lapsed and Redis holds its share back for it (README, "When Redis is away").
     */
    static double gateSeconds(SniperSettings settings) {
        var fallback = settings.sniperMode().fallback();
        return (fallback.heartbeatTtl().toMillis() + 2 * fallback.heartbeatInterval().toMillis()
                + settings.redis().decisionTimeout().toMillis()) / 1000.0;
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    /** Stops what this run started: runners, then the bundled Redis, then its files. Idempotent. */
    private synchronized void cleanUp() {
        DemoFleet fleet = fleetRef.getAndSet(null);
        if (fleet != null) {
            fleet.close();
        }
        DemoRedis redis = redisRef.getAndSet(null);
        if (redis != null) {
            redis.close();
        }
        Path dir = workDir;
        if (keepFiles && !shuttingDown) {
            System.err.println("sniper demo: runner and Redis logs kept in " + dir);
        } else if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // best effort: a temp directory
            }
        }
    }
}
