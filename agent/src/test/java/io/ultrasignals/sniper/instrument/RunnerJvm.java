package io.ultrasignals.sniper.instrument;

import io.ultrasignals.sniper.testkit.RepoRoot;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A child JVM running the runner fixture (fixtures/runner-app), with or without the packaged agent: the way a
 * runner nobody modified meets the agent. Output is collected line by line from stdout and stderr.
 */
final class RunnerJvm implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final List<String> out = Collections.synchronizedList(new ArrayList<>());
    private final List<String> err = Collections.synchronizedList(new ArrayList<>());
    private final BlockingQueue<String> outQueue = new LinkedBlockingQueue<>();
    private final PrintWriter stdin;
    private final Thread outReader;
    private final Thread errReader;

    private RunnerJvm(Process process) {
        this.process = process;
        this.stdin = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        this.outReader = pump(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)), out, outQueue);
        this.errReader = pump(new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)), err, null);
    }

    /** The shaded agent jar that package built. */
    static Path agentJar() {
        String fromBuild = System.getProperty("sniper.agent.jar");
        Path jar = fromBuild != null ? Path.of(fromBuild) : RepoRoot.resolve("agent/target/sniper-agent.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing; these tests run in the verify phase, after package");
        }
        return jar;
    }

    static Path fixtureDir() {
        String fromBuild = System.getProperty("sniper.fixture.dir");
        return fromBuild != null ? Path.of(fromBuild) : RepoRoot.resolve("fixtures/runner-app/target");
    }

    static Path fixtureJar() {
        return fixtureDir().resolve("runner-app.jar");
    }

    static Path pluginJar() {
        return fixtureDir().resolve("runner-app-plugin.jar");
    }

    /** The runner's own Lettuce, Netty, Guava and slf4j (older versions than the agent bundles). */
    static List<Path> hostLibraries() {
        try (Stream<Path> jars = Files.list(fixtureDir().resolve("host-libs"))) {
            return jars.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Builder builder() {
        return new Builder();
    }

    static final class Builder {
        private String agentOptions;
        private final List<Path> classPath = new ArrayList<>(List.of(fixtureJar()));
        private final List<String> environment = new ArrayList<>();

        /** Attach the agent at start-up with these options ({@code config=...}); null: no agent. */
        Builder agent(String options) {
            this.agentOptions = options;
            return this;
        }

        Builder classPath(List<Path> more) {
            classPath.addAll(more);
            return this;
        }

        /** An environment variable for the child, {@code NAME=value}. */
        Builder env(String assignment) {
            environment.add(assignment);
            return this;
        }

        RunnerJvm start(String... arguments) {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            if (agentOptions != null) {
                command.add("-javaagent:" + agentJar() + (agentOptions.isEmpty() ? "" : "=" + agentOptions));
            }
            command.add("-cp");
            command.add(String.join(java.io.File.pathSeparator, classPath.stream().map(Path::toString).toList()));
            command.add("com.acme.runner.RunnerApp");
            command.addAll(List.of(arguments));
            ProcessBuilder builder = new ProcessBuilder(command);
            // The test's own environment must not configure the child's agent.
            builder.environment().keySet().removeIf(name -> name.startsWith("ULTRA_SIGNALS_"));
            for (String assignment : environment) {
                int equals = assignment.indexOf('=');
                builder.environment().put(assignment.substring(0, equals), assignment.substring(equals + 1));
            }
            try {
                return new RunnerJvm(builder.start());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + command, e);
            }
        }

        /** Starts, waits for the end, returns what it printed. */
        Result run(String... arguments) {
            try (RunnerJvm jvm = start(arguments)) {
                return jvm.await();
            }
        }
    }

    long pid() {
        return process.pid();
    }

    /** Sends one line to the runner's stdin (interactive mode). */
    void send(String line) {
        stdin.println(line);
    }

    /** Waits for the next stdout line that starts with {@code prefix}, and returns it. */
    String awaitLine(String prefix) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                String line = outQueue.poll(100, TimeUnit.MILLISECONDS);
                if (line != null && line.startsWith(prefix)) {
                    return line;
                }
                if (line == null && !process.isAlive() && outQueue.isEmpty() && !outReader.isAlive()) {
                    throw new AssertionError("the runner exited (" + process.exitValue() + ") before printing "
                            + prefix + "; stdout " + out + " stderr " + err);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new AssertionError("no line starting with " + prefix + " within " + TIMEOUT + "; stdout " + out + " stderr " + err);
    }

    /** Waits for the runner to exit. */
    Result await() {
        try {
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the runner did not exit within " + TIMEOUT + "; stdout " + out + " stderr " + err);
            }
            outReader.join(TIMEOUT.toMillis());
            errReader.join(TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return new Result(process.exitValue(), List.copyOf(out), List.copyOf(err));
    }

    @Override
    public void close() {
        stdin.close();
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }

    private static Thread pump(BufferedReader reader, List<String> lines, BlockingQueue<String> queue) {
        Thread thread = new Thread(() -> {
            try (reader) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    lines.add(line);
                    if (queue != null) {
                        queue.add(line);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "runner-output");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** What a runner printed, and how it ended. */
    record Result(int exitCode, List<String> out, List<String> err) {
        /** Ids of the signals that went out: the method body ran and printed {@code PUBLISHED <id>}. */
        List<String> published() {
            return out.stream().filter(l -> l.startsWith("PUBLISHED ")).map(l -> l.substring("PUBLISHED ".length())).toList();
        }

        /** The line the runner printed for the outcome of {@code id}: {@code RESULT id ...} or {@code THREW id ...}. */
        String outcome(String id) {
            return out.stream().filter(l -> l.startsWith("RESULT " + id + " ") || l.startsWith("THREW " + id + " "))
                    .findFirst().orElseThrow(() -> new AssertionError("no outcome for " + id + " in " + out));
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\nstdout:\n" + String.join("\n", out) + "\nstderr:\n" + String.join("\n", err);
        }
    }
}
