package io.ultrasignals.sniper.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Runs the {@code redis-benchmark} tool (package redis-tools) for one command and reads its CSV line. */
final class RedisBenchmarkTool {
    /** The CSV fields redis-benchmark 6+ prints: rps, then latencies in ms. */
    record Result(double rps, double avgMs, double p50Ms, double p99Ms) {}

    private final Path executable;

    private RedisBenchmarkTool(Path executable) {
        this.executable = executable;
    }

    /** The tool from PATH, or empty when it is not installed. */
    static Optional<RedisBenchmarkTool> find() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "redis-benchmark");
            if (Files.isExecutable(candidate)) {
                return Optional.of(new RedisBenchmarkTool(candidate));
            }
        }
        return Optional.empty();
    }

    /** {@code redis-benchmark -n requests -c clients -P pipeline --csv <command...>} against host:port. */
    Result run(String host, int port, int requests, int clients, int pipeline, List<String> command) {
        List<String> cmd = new ArrayList<>(List.of(executable.toString(), "-h", host, "-p", Integer.toString(port),
                "-n", Integer.toString(requests), "-c", Integer.toString(clients), "-P", Integer.toString(pipeline),
                "--csv"));
        cmd.addAll(command);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("redis-benchmark failed: " + out.strip());
            }
            return parse(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + executable, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The last CSV line: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms",... */
    static Result parse(String csv) {
        String[] lines = csv.strip().split("\r?\n");
        String[] f = lines[lines.length - 1].split("\",\"");
        if (lines.length < 2 || f.length < 7) {
            throw new IllegalStateException("unexpected redis-benchmark output: " + csv.strip());
        }
        return new Result(num(f[1]), num(f[2]), num(f[4]), num(f[6]));
    }

    private static double num(String field) {
        return Double.parseDouble(field.replace("\"", ""));
    }
}
