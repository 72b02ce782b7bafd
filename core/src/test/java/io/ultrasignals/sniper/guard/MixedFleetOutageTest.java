package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.SniperGuards;
import io.ultrasignals.sniper.config.SettingsLoader;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.testkit.OneHourExtension;
import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisFleet;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.RepoRoot;
import io.ultrasignals.sniper.testkit.SilentProxy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One fleet of both clients through a real outage: two Java guards in this JVM and a Python guard in a child process
 * ({@code clients/python/tests/fleet_member.py}), one namespace, hourly cap 40. 12 admitted through Redis and a quiet
 * moment, then the fault while every guard keeps offering signals (every 25, 35 and 45 ms), then the recovery. Each
 * client follows its own copy of the rules (shares, the gate, held shares, the return); together they must hold the
 * cap through the outage and the recovery, and Redis's books must equal the admissions both reported. Each fault runs
 * several times.
 */
@ExtendWith(RedisExtension.class)
class MixedFleetOutageTest {
    private static final int CAP = 40;
    private static final int BEFORE = 12;
    private static final int REPETITIONS = 3;
    private static final String PYTHON = System.getenv().getOrDefault("SNIPER_PYTHON", "/usr/bin/python3");

    @Test
    void killedRedisWithAppendOnlyTheMixedFleetHoldsTheCapAndTheBooksAreExact(RedisFleet fleet) throws Exception {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest(), "--appendonly", "yes", "--appendfsync", "always");
        for (int rep = 0; rep < REPETITIONS; rep++) {
            reproduce(redis, redis.host(), redis.port(), "kill/aof #" + rep, redis::kill, () -> {
                Thread.sleep(1500);
                redis.restart();
            });
        }
    }

    @Test
    void aSilentPathTheMixedFleetHoldsTheCapAndTheBooksAreExact(RedisFleet fleet) throws Exception {
        RedisServer redis = fleet.startPrivate(RedisBinaries.newest(), "--appendonly", "yes", "--appendfsync", "always");
        for (int rep = 0; rep < REPETITIONS; rep++) {
            try (SilentProxy proxy = SilentProxy.to(redis.host(), redis.port())) {
                // Every guard reaches Redis through the proxy: a partition with no reset, sockets open, nothing answers.
                reproduce(redis, proxy.host(), proxy.port(), "silence #" + rep, proxy::silenceAll, () -> {
                    Thread.sleep(1500);
                    proxy.heal();
                });
            }
        }
    }

    private static void reproduce(RedisServer redis, String host, int port, String what, Runnable cut, FaultAction heal)
            throws Exception {
        requirePython();
        // The cap is per hour bucket: a run that crossed into the next hour could admit the cap again there.
        OneHourExtension.awaitRoom(Duration.ofSeconds(60));
        String ns = "mixed-" + System.nanoTime();
        Path settingsFile = Files.createTempFile("sniper-mixed-", ".yaml");
        Files.writeString(settingsFile, settings(host, port, ns));
        SniperSettings settings = new SettingsLoader(Map.of()).load(settingsFile);
        List<SniperGuard> guards = List.of(SniperGuards.start(settings), SniperGuards.start(settings));
        List<FaultRun> runs = new ArrayList<>();
        try (PythonMember python = new PythonMember(settingsFile, what.replaceAll("[^a-z0-9]", "") + "-py-", 45)) {
            FaultChecks.awaitFleetOnRedis(guards, 3, 15_000);
            FaultChecks.await(() -> python.call("live").equals("3"), 15_000, "the Python guard knows the fleet of 3");
            int before = 0;
            for (int i = 0; i < BEFORE - 4; i++) {
                before += guards.get(i % 2).acquire(Signal.withId(what + "-before-" + i, true)).allowed() ? 1 : 0;
            }
            before += (int) number(python.call("before 4"), "admitted");
            assertThat(before).as(what + ": admitted through Redis before the fault").isEqualTo(BEFORE);
            Thread.sleep(600); // quiet: every guard's next heartbeats see 12

            cut.run();
            runs.add(new FaultRun(List.of(guards.get(0)), 1, true, 25, what + "-j0-"));
            runs.add(new FaultRun(List.of(guards.get(1)), 1, true, 35, what + "-j1-"));
            assertThat(python.call("run")).isEqualTo("running");
            heal.run();
            Thread.sleep(2500);
            for (FaultRun r : runs) {
                r.stop();
            }
            String summary = python.call("stop");
            FaultChecks.awaitReconciled(guards, 30_000);

            long javaAdmitted = 0;
            long javaLocal = 0;
            for (FaultRun r : runs) {
                assertThat(r.exceptions()).as(what + ": exceptions that reached Java callers").isEmpty();
                javaAdmitted += r.admitted();
                javaLocal += r.admittedBy(Backend.LOCAL);
            }
            assertThat(number(summary, "exceptions")).as(what + ": exceptions that reached the Python caller").isZero();
            assertThat(summary).as(what + ": the Python guard back on Redis, all credited").contains("\"reconciled\": true");
            long pythonAdmitted = number(summary, "admitted");
            long total = before + javaAdmitted + pythonAdmitted;
            System.out.println(what + ": admitted " + total + " (Java " + javaAdmitted + ", " + javaLocal
                    + " locally; Python " + pythonAdmitted + ", " + number(summary, "local") + " locally), cap " + CAP);
            assertThat(total).as(what + ": total admitted by both clients, outage and recovery").isLessThanOrEqualTo(CAP);
            assertThat(FaultChecks.redisHourCount(redis, ns)).as(what + ": Redis's books against both clients' admissions")
                    .isEqualTo(total);
        } finally {
            for (FaultRun r : runs) {
                r.stop();
            }
            guards.forEach(SniperGuard::close);
            Files.deleteIfExists(settingsFile);
        }
    }

    /** One settings file for both clients: each reads it with its own loader. */
    private static String settings(String host, int port, String ns) {
        return """
                redis:
                  enabled: true
                  host: %s
                  port: %d
                  namespace: %s
                  decision_timeout_ms: 150
                  timeout: 3
                runtime:
                  sniper_mode:
                    enabled: true
                    mtf_confirm: true
                    max_signals_per_hour: %d
                    daily_signal_cap: 0
                    fallback:
                      policy: local
                      minimum_calls: 2
                      sliding_window_calls: 4
                      open_wait_ms: 500
                      permitted_calls_in_half_open: 1
                      heartbeat_interval_ms: 100
                      heartbeat_ttl_ms: 500
                """.formatted(host, port, ns, CAP);
    }

    private static long number(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\": (\\d+)").matcher(json);
        assertThat(m.find()).as("\"" + key + "\" in " + json).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** The interpreter the Python suite runs on, with its packages: a skip outside CI, a failure under CI=true. */
    private static void requirePython() throws Exception {
        boolean usable;
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import redis, yaml").redirectErrorStream(true).start();
            usable = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            usable = false;
        }
        String message = PYTHON + " with redis and yaml (python3-redis, python3-yaml) is needed for the mixed fleet";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            assertThat(usable).as(message + " (CI=true: a missing tool is a failure)").isTrue();
        }
        Assumptions.assumeTrue(usable, message);
    }

    /** The Python guard in its child process: one command, one reply line. */
    private static final class PythonMember implements AutoCloseable {
        private final Process process;
        private final Writer in;
        private final BufferedReader out;

        PythonMember(Path settingsFile, String idPrefix, int pauseMillis) throws IOException {
            Path script = RepoRoot.resolve("clients/python/tests/fleet_member.py");
            process = new ProcessBuilder(PYTHON, script.toString(), settingsFile.toString(), idPrefix, Integer.toString(pauseMillis))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            assertThat(read()).as("the Python guard started").isEqualTo("ready");
        }

        String call(String command) {
            try {
                in.write(command + "\n");
                in.flush();
                return read();
            } catch (IOException e) {
                throw new AssertionError("the Python guard's process: " + e.getMessage(), e);
            }
        }

        private String read() {
            CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            try {
                String got = line.get(60, TimeUnit.SECONDS);
                if (got == null) {
                    throw new AssertionError("the Python guard's process ended (exit " + process.waitFor() + ")");
                }
                return got.strip();
            } catch (AssertionError e) {
                throw e;
            } catch (Exception e) {
                throw new AssertionError("no reply from the Python guard within 60 s", e);
            }
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }

    @FunctionalInterface
    private interface FaultAction {
        void run() throws Exception;
    }
}
