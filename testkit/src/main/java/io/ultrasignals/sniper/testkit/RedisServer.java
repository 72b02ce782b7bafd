package io.ultrasignals.sniper.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One real redis-server process on 127.0.0.1, with the faults tests need: SIGKILL, SIGSTOP/SIGCONT,
 * restart on the same port (empty unless AOF is on).
 */
public final class RedisServer implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final RedisBinary binary;
    private final List<String> extraArgs;
    private final Path dir;
    private final int port;
    private Process process;

    private RedisServer(RedisBinary binary, int port, List<String> extraArgs) {
        this.binary = binary;
        this.port = port;
        this.extraArgs = List.copyOf(extraArgs);
        try {
            this.dir = Files.createTempDirectory("sniper-redis-" + port + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a server on a free port. {@code extraArgs} are redis-server options such as {@code --appendonly yes}. */
    public static RedisServer start(RedisBinary binary, String... extraArgs) {
        return start(binary, freePort(), extraArgs);
    }

    public static RedisServer start(RedisBinary binary, int port, String... extraArgs) {
        RedisServer server = new RedisServer(binary, port, List.of(extraArgs));
        server.launch();
        return server;
    }

    public RedisBinary binary() {
        return binary;
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:port} */
    public String uri() {
        return "redis://" + host() + ":" + port;
    }

    public Path dir() {
        return dir;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** A fresh blocking connection for set-up and inspection; the caller closes it. */
    public RespConnection connect() {
        return new RespConnection(host(), port, 5000);
    }

    /** Runs one command on a short-lived connection. */
    public Object call(String... args) {
        try (RespConnection c = connect()) {
            return c.call(args);
        }
    }

    public void flushAll() {
        call("FLUSHALL");
    }

    /** SIGKILL: no shutdown, no save. */
    public void kill() {
        process.destroyForcibly();
        waitExit();
    }

    /** SIGSTOP: the process stays, its socket stays open, nothing answers. */
    public void pause() {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() {
        signal("CONT");
    }

    /** Starts the process again on the same port and directory (what it kept depends on AOF/RDB). */
    public void restart() {
        if (isAlive()) {
            kill();
        }
        launch();
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            signal("CONT");
            process.destroyForcibly();
            waitExit();
        }
        deleteDir();
    }

    private void launch() {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.path().toString());
        cmd.addAll(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1", "--dir", dir.toString(),
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no",
                "--logfile", dir.resolve("redis.log").toString()));
        // Later options win in redis-server, so callers can override the defaults above.
        cmd.addAll(extraArgs);
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException(binary + " on port " + port + " exited at start: " + logTail());
            }
            try (RespConnection c = new RespConnection(host(), port, 1000)) {
                if ("PONG".equals(c.call("PING"))) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // still starting, or loading AOF
            }
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException(binary + " on port " + port + " did not answer PING: " + logTail());
            }
            sleep(20);
        }
    }

    public String logTail() {
        try {
            Path log = dir.resolve("redis.log");
            if (!Files.exists(log)) {
                return "(no log)";
            }
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void waitExit() {
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void deleteDir() {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp dir; best effort
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return binary + "@" + port;
    }
}
