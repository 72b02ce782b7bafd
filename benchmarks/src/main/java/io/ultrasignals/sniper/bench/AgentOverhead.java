package io.ultrasignals.sniper.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What attaching the javaagent costs a runner: start-up time and resident memory, against the same runner fixture
 * without the agent. A measurement, not a test. Uses only the JDK, so it runs from the compiled classes:
 *
 * <pre>
 * ./mvnw -q -B package -DskipTests
 * java -cp benchmarks/target/classes io.ultrasignals.sniper.bench.AgentOverhead [RUNS] [REDIS_HOST:PORT]
 * </pre>
 *
 * Each run starts {@code RunnerApp interactive} and measures: time from process start to its main method printing
 * READY (start-up: JVM, premain, the application's first classes); time from then until the first instrumented call
 * has its decision (the agent starts its guard in the background, so its cost shows here); and VmRSS from
 * /proc/PID/status after that call. Configurations alternate run by run; medians are printed, and for the times
 * also the minimum, which other work on a shared machine disturbs least.
 */
public final class AgentOverhead {
    private AgentOverhead() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        String redis = args.length > 1 ? args[1] : null;
        Path root = Path.of("").toAbsolutePath();
        Path agent = root.resolve("agent/target/sniper-agent.jar");
        Path fixture = root.resolve("fixtures/runner-app/target/runner-app.jar");
        if (!Files.isRegularFile(agent) || !Files.isRegularFile(fixture)) {
            throw new IllegalStateException("run from the repository root after ./mvnw package: need " + agent + " and " + fixture);
        }
        List<Config> configs = new ArrayList<>();
        configs.add(new Config("no agent", null));
        configs.add(new Config("agent, local counters", settings(null)));
        if (redis != null) {
            configs.add(new Config("agent, Redis " + redis, settings(redis)));
        }
        for (int run = -1; run < runs; run++) {
            for (Config config : configs) {
                Sample sample = measure(agent, fixture, config.settings);
                if (run >= 0) {
                    config.samples.add(sample);
                }
            }
        }
        System.out.printf("%d runs each (after one warm-up run), medians; %s, %d cores%n", runs,
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        System.out.printf("%-28s %14s %22s %9s%n", "configuration", "to main, ms", "then 1st decision, ms", "RSS, MB");
        Config base = configs.get(0);
        for (Config config : configs) {
            System.out.printf("%-28s %6d (min %4d) %12d (min %4d) %9.1f%n", config.name,
                    config.median(s -> s.startMillis), config.min(s -> s.startMillis),
                    config.median(s -> s.decisionMillis), config.min(s -> s.decisionMillis),
                    config.median(s -> s.rssKb) / 1024.0);
        }
        for (Config config : configs.subList(1, configs.size())) {
            System.out.printf("added by '%s': start-up %d ms, until the first decision %d ms, RSS %.1f MB%n", config.name,
                    config.median(s -> s.startMillis) - base.median(s -> s.startMillis),
                    config.median(s -> s.startMillis + s.decisionMillis) - base.median(s -> s.startMillis + s.decisionMillis),
                    (config.median(s -> s.rssKb) - base.median(s -> s.rssKb)) / 1024.0);
        }
    }

    private static Path settings(String redis) throws IOException {
        String redisBlock = "";
        if (redis != null) {
            String[] hostPort = redis.split(":");
            redisBlock = "redis:\n  enabled: true\n  host: " + hostPort[0] + "\n  port: " + hostPort[1]
                    + "\n  namespace: overhead-" + System.nanoTime() + "\n";
        }
        Path file = Files.createTempFile("sniper-overhead-", ".yaml");
        file.toFile().deleteOnExit();
        return Files.writeString(file, redisBlock + """
                runtime:
                  sniper_mode:
                    enabled: true
                    max_signals_per_hour: 1000000
                    daily_signal_cap: 0
                sniper_agent:
                  metrics:
                    enabled: false
                  instrument:
                    - method: com.acme.runner.ConsoleRunner#publish
                      signal_id: arg0.getId()
                """);
    }

    private static Sample measure(Path agent, Path fixture, Path settings) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        if (settings != null) {
            command.add("-javaagent:" + agent + "=config=" + settings);
        }
        command.addAll(List.of("-cp", fixture.toString(), "com.acme.runner.RunnerApp", "interactive"));
        long start = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8)) {
            awaitLine(out, "READY");
            long ready = System.nanoTime();
            in.println("publish warm-" + System.nanoTime() + " true");
            awaitLine(out, "RESULT");
            long decided = System.nanoTime();
            long rss = rssKb(process.pid());
            in.println("quit");
            process.waitFor(30, TimeUnit.SECONDS);
            return new Sample(TimeUnit.NANOSECONDS.toMillis(ready - start), TimeUnit.NANOSECONDS.toMillis(decided - ready), rss);
        } finally {
            process.destroyForcibly();
        }
    }

    private static void awaitLine(BufferedReader out, String prefix) throws IOException {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (line.startsWith(prefix)) {
                return;
            }
        }
        throw new IllegalStateException("the runner ended before printing " + prefix);
    }

    private static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }

    private record Sample(long startMillis, long decisionMillis, long rssKb) {
    }

    private static final class Config {
        final String name;
        final Path settings;
        final List<Sample> samples = new ArrayList<>();

        Config(String name, Path settings) {
            this.name = name;
            this.settings = settings;
        }

        /** Least disturbed by other work on the machine. */
        long min(java.util.function.ToLongFunction<Sample> metric) {
            return samples.stream().mapToLong(metric).min().orElseThrow();
        }

        long median(java.util.function.ToLongFunction<Sample> metric) {
            long[] values = samples.stream().mapToLong(metric).toArray();
            Arrays.sort(values);
            return values[values.length / 2];
        }
    }
}
