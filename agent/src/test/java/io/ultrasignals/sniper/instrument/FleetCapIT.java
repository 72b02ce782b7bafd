package io.ultrasignals.sniper.instrument;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.WithinOneHour;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three unmodified runner JVMs, each with {@code -javaagent:sniper-agent.jar}, share one daily cap through one real
 * Redis: exactly the cap goes out in total, and every blocked call was skipped or threw as its settings say.
 */
class FleetCapIT {
    private static final int CAP = 7;
    private static final int SIGNALS_PER_RUNNER = 10;
    /** Every 5th signal of a runner is not MTF-confirmed: ids ending in -4 and -9. */
    private static final int UNCONFIRMED_EVERY = 5;

    private static RedisServer redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start(RedisBinaries.newest());
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @WithinOneHour(seconds = 120)
    @Test
    void threeRunnersPublishExactlyTheCapBetweenThem(@TempDir Path dir) throws IOException {
        String namespace = "fleet-" + System.nanoTime();
        int[] ports = {freePort(), freePort(), freePort()};
        Path[] configs = new Path[3];
        for (int r = 0; r < 2; r++) {
            configs[r] = SettingsYaml.caps(0, CAP).mtfConfirm().redis(redis, namespace).metricsPort(ports[r])
                    .entry("com.acme.runner.SignalPublisher#publish", "match: supertype", "signal_id: arg0.getId()",
                            "mtf_confirmed: arg0.mtfConfirmed", "on_block: skip")
                    .writeIn(dir);
        }
        configs[2] = SettingsYaml.caps(0, CAP).mtfConfirm().redis(redis, namespace).metricsPort(ports[2])
                .entry("com.acme.runner.ConsoleRunner#publish", "signal_id: arg0.getId()",
                        "mtf_confirmed: arg0.isMtfConfirmed()", "on_block: throw", "exception: com.acme.runner.SignalRejected")
                .writeIn(dir);

        List<RunnerJvm> runners = new ArrayList<>();
        runners.add(RunnerJvm.builder().agent("config=" + configs[0]).env("RUNNER_WAIT_FOR_STDIN=1")
                .start("batch", "a", n(SIGNALS_PER_RUNNER), n(UNCONFIRMED_EVERY)));
        // LoudRunner overrides publish and calls super: both frames are instrumented, one signal is counted.
        runners.add(RunnerJvm.builder().agent("config=" + configs[1]).env("RUNNER_WAIT_FOR_STDIN=1")
                .start("batch", "b", n(SIGNALS_PER_RUNNER), n(UNCONFIRMED_EVERY), "loud"));
        runners.add(RunnerJvm.builder().agent("config=" + configs[2]).env("RUNNER_WAIT_FOR_STDIN=1")
                .start("batch", "c", n(SIGNALS_PER_RUNNER), n(UNCONFIRMED_EVERY)));
        // While each runner is still up, its agent's scrape endpoint is read.
        List<String> scrapes = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            runners.get(r).awaitLine("DONE");
            scrapes.add(scrape(ports[r]));
            runners.get(r).send("exit");
        }
        List<RunnerJvm.Result> results = new ArrayList<>();
        for (RunnerJvm runner : runners) {
            try (runner) {
                results.add(runner.await());
            }
        }
        for (int r = 0; r < 3; r++) {
            RunnerJvm.Result result = results.get(r);
            long unconfirmed = 2;
            long admitted = result.published().size();
            String metrics = scrapes.get(r);
            assertThat(sample(metrics, "sniper_signals_admitted_total{backend=\"redis\"}")).as("admitted, runner " + r)
                    .isEqualTo(admitted);
            assertThat(sample(metrics, "sniper_mtf_required_total")).as("MTF blocks, runner " + r).isEqualTo(unconfirmed);
            assertThat(sample(metrics, "sniper_daily_cap_total")).as("daily-cap blocks, runner " + r)
                    .isEqualTo(SIGNALS_PER_RUNNER - admitted - unconfirmed);
        }

        List<String> published = new ArrayList<>();
        for (RunnerJvm.Result result : results) {
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.out()).as(result.toString()).contains("DONE");
            assertThat(result.err()).as(result.toString()).noneMatch(line -> line.contains("sniper-agent"));
            published.addAll(result.published());
        }
        assertThat(published).as("signals that went out, fleet-wide").hasSize(CAP).doesNotHaveDuplicates();
        assertThat(published).as("unconfirmed signals never go out").noneMatch(FleetCapIT::unconfirmed);
        assertThat(dayCount(namespace)).as("the day bucket in Redis").isEqualTo(CAP);

        for (String runner : List.of("a", "b")) {
            RunnerJvm.Result result = results.get(runner.equals("a") ? 0 : 1);
            for (int i = 0; i < SIGNALS_PER_RUNNER; i++) {
                String id = runner + "-" + i;
                String expected = result.published().contains(id) ? "RESULT " + id + " true" : "RESULT " + id + " false";
                assertThat(result.outcome(id)).as("skip returns the default, false").isEqualTo(expected);
            }
        }
        RunnerJvm.Result loud = results.get(1);
        assertThat(loud.out().stream().filter(l -> l.startsWith("LOUD ")).map(l -> l.substring(5)).toList())
                .as("the override ran exactly for the signals that went out").isEqualTo(loud.published());

        RunnerJvm.Result thrower = results.get(2);
        for (int i = 0; i < SIGNALS_PER_RUNNER; i++) {
            String id = "c-" + i;
            if (thrower.published().contains(id)) {
                assertThat(thrower.outcome(id)).isEqualTo("RESULT " + id + " true");
            } else {
                String reason = unconfirmed(id) ? "SNIPER_MTF_REQUIRED" : "SNIPER_DAILY_CAP";
                assertThat(thrower.outcome(id)).isEqualTo("THREW " + id + " com.acme.runner.SignalRejected: sniper: signal "
                        + id + " blocked by " + reason + " at com.acme.runner.ConsoleRunner#publish");
            }
        }
    }

    private static boolean unconfirmed(String id) {
        return (Integer.parseInt(id.substring(id.indexOf('-') + 1)) + 1) % UNCONFIRMED_EVERY == 0;
    }

    private static long dayCount(String namespace) {
        long total = 0;
        for (Object key : (List<?>) redis.call("KEYS", namespace + ":day:*")) {
            total += Long.parseLong(String.valueOf(redis.call("GET", String.valueOf(key))));
        }
        return total;
    }

    private static String scrape(int port) throws IOException {
        try {
            java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            return response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** The value of one sample line of a Prometheus text scrape, e.g. {@code name{label="v"}}; 0 when absent. */
    private static long sample(String scrape, String series) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) {
                return (long) Double.parseDouble(line.substring(series.length() + 1).trim().split(" ")[0]);
            }
        }
        return 0;
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String n(int value) {
        return Integer.toString(value);
    }
}
