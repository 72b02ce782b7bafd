package io.ultrasignals.sniper.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * What attaching the javaagent costs a runner (issue 10's four figures), against the same runner without it. A
 * measurement, not a test. Uses only the JDK and GNU time ({@code /usr/bin/time}, Debian package {@code time}), so
 * it runs from the compiled classes:
 *
 * <pre>
 * ./mvnw -q -B package -DskipTests
 * java -cp benchmarks/target/classes io.ultrasignals.sniper.bench.AgentOverhead [RUNS] [REDIS_HOST:PORT]
 * </pre>
 *
 * Each run is the fixture's 50-signal batch, {@code java -cp runner-app.jar com.acme.runner.RunnerApp batch t 50 0},
 * under {@code /usr/bin/time} with {@code -Xlog:class+load} to a file: wall time, CPU (user + sys), peak RSS and the
 * classes loaded in all. Configurations alternate within each round (bare runner first), and each agent figure is
 * the median over rounds of its difference to that round's bare run, so a busy minute on a shared machine hits both
 * sides of a difference. The agent runs with default settings (metrics on, on a free port), sniper mode on with caps
 * no batch reaches, one instrumented method; with Redis, also how many of the 50 decisions Redis made (its
 * {@code op} keys in a namespace of that run), and with metrics off.
 */
public final class AgentOverhead {
    private static final String BATCH = "50";

    private AgentOverhead() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        String redis = args.length > 1 ? args[1] : null;
        Path root = Path.of("").toAbsolutePath();
        Path agent = root.resolve("agent/target/sniper-agent.jar");
        Path fixture = root.resolve("fixtures/runner-app/target/runner-app.jar");
        if (!Files.isRegularFile(agent) || !Files.isRegularFile(fixture)) {
            throw new IllegalStateException("run from the repository root after ./mvnw package: need " + agent + " and " + fixture);
        }
        if (!Files.isExecutable(Path.of("/usr/bin/time"))) {
            throw new IllegalStateException("needs GNU time at /usr/bin/time (Debian: apt-get install time)");
        }
        List<Config> configs = new ArrayList<>();
        configs.add(new Config("no agent", false, null, true));
        if (redis != null) {
            configs.add(new Config("agent, Redis " + redis, true, redis, true));
            configs.add(new Config("agent, Redis, metrics off", true, redis, false));
        }
        configs.add(new Config("agent, local counters", true, null, true));
        String loadBefore = LoadAverage.now();
        for (int run = -1; run < runs; run++) {
            for (Config config : configs) {
                Sample sample = measure(agent, fixture, config);
                if (run >= 0) {
                    config.samples.add(sample);
                }
            }
        }
        System.out.printf("%d rounds (after one warm-up round), medians; %s, %d cores; load average before %s, after %s%n",
                runs, System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(), loadBefore, LoadAverage.now());
        System.out.printf("%-30s %8s %8s %9s %8s %14s%n", "configuration", "wall, s", "CPU, s", "RSS, MB", "classes",
                "Redis decided");
        for (Config config : configs) {
            System.out.printf("%-30s %8.2f %8.2f %9.1f %8.0f %14s%n", config.name, config.median(s -> s.wallSeconds),
                    config.median(s -> s.cpuSeconds), config.median(s -> s.peakRssKb / 1024.0),
                    config.median(s -> s.classes), config.redisDecided());
        }
        Config bare = configs.get(0);
        for (Config config : configs.subList(1, configs.size())) {
            System.out.printf("added by '%s': wall %+.2f s, CPU %+.2f s, peak RSS %+.1f MB, classes %+.0f%n", config.name,
                    config.medianDifference(bare, s -> s.wallSeconds), config.medianDifference(bare, s -> s.cpuSeconds),
                    config.medianDifference(bare, s -> s.peakRssKb / 1024.0), config.medianDifference(bare, s -> s.classes));
        }
    }

    private static Sample measure(Path agent, Path fixture, Config config) throws Exception {
        Path classLog = Files.createTempFile("sniper-overhead-classes-", ".log");
        Path timeLog = Files.createTempFile("sniper-overhead-time-", ".txt");
        String namespace = "overhead-" + System.nanoTime();
        try {
            List<String> command = new ArrayList<>(List.of("/usr/bin/time", "-f", "%e %U %S %M", "-o", timeLog.toString(),
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xlog:class+load:file=" + classLog));
            if (config.agent) {
                command.add("-javaagent:" + agent + "=config=" + settings(config, namespace));
            }
            command.addAll(List.of("-cp", fixture.toString(), "com.acme.runner.RunnerApp", "batch", "t", BATCH, "0"));
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("the runner did not finish within 120 s");
            }
            String[] f = Files.readString(timeLog).trim().split("\\s+");
            long classes;
            try (var lines = Files.lines(classLog)) {
                classes = lines.count();
            }
            int decidedByRedis = config.redis == null ? -1 : opKeys(config.redis, namespace);
            return new Sample(Double.parseDouble(f[0]), Double.parseDouble(f[1]) + Double.parseDouble(f[2]),
                    Long.parseLong(f[3]), classes, decidedByRedis);
        } finally {
            Files.deleteIfExists(classLog);
            Files.deleteIfExists(timeLog);
        }
    }

    private static Path settings(Config config, String namespace) throws IOException {
        String redisBlock = "";
        if (config.redis != null) {
            String[] hostPort = config.redis.split(":");
            redisBlock = "redis:\n  enabled: true\n  host: " + hostPort[0] + "\n  port: " + hostPort[1]
                    + "\n  namespace: " + namespace + "\n";
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
                    enabled: %s
                    port: 0
                  instrument:
                    - method: com.acme.runner.ConsoleRunner#publish
                      signal_id: arg0.getId()
                """.formatted(config.metrics));
    }

    /** Signals Redis decided: acquire stores each signal id's decision under {@code <ns>:op:<id>}; a fallback does not. */
    private static int opKeys(String redis, String namespace) throws IOException {
        String[] hostPort = redis.split(":");
        try (Socket socket = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
            socket.setSoTimeout(5000);
            String script = "return #redis.call('KEYS', ARGV[1])";
            String[] parts = {"EVAL", script, "0", namespace + ":op:*"};
            StringBuilder request = new StringBuilder("*" + parts.length + "\r\n");
            for (String part : parts) {
                request.append('$').append(part.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(part).append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            String reply = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
            if (reply == null || !reply.startsWith(":")) {
                throw new IllegalStateException("unexpected reply from Redis: " + reply);
            }
            return Integer.parseInt(reply.substring(1));
        }
    }

    private record Sample(double wallSeconds, double cpuSeconds, long peakRssKb, long classes, int decidedByRedis) {
    }

    private static final class Config {
        final String name;
        final boolean agent;
        final String redis;
        final boolean metrics;
        final List<Sample> samples = new ArrayList<>();

        Config(String name, boolean agent, String redis, boolean metrics) {
            this.name = name;
            this.agent = agent;
            this.redis = redis;
            this.metrics = metrics;
        }

        double median(ToDoubleFunction<Sample> metric) {
            return median(samples.stream().mapToDouble(metric).toArray());
        }

        /** Median over rounds of (this run - the bare run of the same round). */
        double medianDifference(Config bare, ToDoubleFunction<Sample> metric) {
            double[] differences = new double[samples.size()];
            for (int i = 0; i < differences.length; i++) {
                differences[i] = metric.applyAsDouble(samples.get(i)) - metric.applyAsDouble(bare.samples.get(i));
            }
            return median(differences);
        }

        /** Per run, how many of the batch's decisions Redis made, e.g. "50 50 49 50 50"; "-" without Redis. */
        String redisDecided() {
            if (redis == null) {
                return "-";
            }
            StringBuilder all = new StringBuilder();
            for (Sample sample : samples) {
                all.append(all.length() == 0 ? "" : " ").append(sample.decidedByRedis);
            }
            return all.toString() + " of " + BATCH;
        }

        private static double median(double[] values) {
            double[] sorted = values.clone();
            Arrays.sort(sorted);
            int n = sorted.length;
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        }
    }
}
