package io.ultrasignals.sniper.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One real redis-server process on 127.0.0.1, with the faults tests need: SIGKILL, SIGSTOP/SIGCONT,
 * restart on the same port (empty unless AOF is on). With {@code SNIPER_TEST_REDIS=docker} the same server runs in
 * a container on the host's network ({@link ContainerLauncher}), its faults through the engine.
 *
 * <p>{@link #start} covers plain servers; {@link #builder} adds a password ({@code requirepass} and
 * {@code masterauth}, used by this class's own connections) and Sentinel mode.
 */
public final class RedisServer implements RedisEndpoint, AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final RedisBinary binary;
    private final List<String> extraArgs;
    private final String password;
    private final List<String> sentinelConfig;
    private final Path dir;
    private final int port;
    /** Non-null when SNIPER_TEST_REDIS=docker runs this server in a container. */
    private final ContainerLauncher container;
    private Process process;

    private RedisServer(RedisBinary binary, int port, List<String> extraArgs, String password,
            List<String> sentinelConfig) {
        this.binary = binary;
        this.port = port;
        this.extraArgs = List.copyOf(extraArgs);
        this.password = password;
        this.sentinelConfig = sentinelConfig == null ? null : List.copyOf(sentinelConfig);
        this.container = ContainerLauncher.forBinary(binary);
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
        return builder(binary).port(port).args(extraArgs).start();
    }

    /** For servers that need more than extra arguments: a password, Sentinel mode. */
    public static Builder builder(RedisBinary binary) {
        return new Builder(binary);
    }

    public RedisBinary binary() {
        return binary;
    }

    @Override
    public int port() {
        return port;
    }

    public Path dir() {
        return dir;
    }

    /** The redis-server's process id; in a container ({@code SNIPER_TEST_REDIS=docker}) that of {@code docker run}. */
    public long pid() {
        return process.pid();
    }

    /** True when {@code SNIPER_TEST_REDIS=docker} runs this server in a container. */
    public boolean inContainer() {
        return container != null;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** True when this process runs as a Sentinel rather than a data node. */
    public boolean isSentinel() {
        return sentinelConfig != null;
    }

    /**
     * A fresh blocking connection for set-up and inspection, already authenticated when the server
     * has a password; the caller closes it.
     */
    @Override
    public RespConnection connect() {
        return connect(5000);
    }

    private RespConnection connect(int timeoutMillis) {
        RespConnection c = new RespConnection(host(), port, timeoutMillis);
        if (password != null) {
            try {
                c.call("AUTH", password);
            } catch (RuntimeException e) {
                c.close();
                throw e;
            }
        }
        return c;
    }

    /** Waits until this server is a replica of {@code master} with its replication link up (in sync). */
    public void awaitReplicaOf(RedisServer master, Duration timeout) {
        Poll.until(timeout, this + " to replicate " + master + " in sync", () -> {
            Map<String, String> replication = Replies.info(call("INFO", "replication"));
            return "slave".equals(replication.get("role"))
                    && Integer.toString(master.port()).equals(replication.get("master_port"))
                    && "up".equals(replication.get("master_link_status"));
        });
    }

    /** SIGKILL ({@code docker kill} in a container): no shutdown, no save. */
    public void kill() {
        if (container != null) {
            container.kill();
        } else {
            process.destroyForcibly();
        }
        waitExit();
    }

    /** SIGSTOP ({@code docker pause} in a container): the process stays, its socket stays open, nothing answers. */
    public void pause() {
        if (container != null) {
            container.pause();
        } else {
            signal("STOP");
        }
    }

    /** SIGCONT ({@code docker unpause}) after {@link #pause()}. */
    public void resume() {
        if (container != null) {
            container.resume();
        } else {
            signal("CONT");
        }
    }

    /** Starts the process again on the same port and directory (what it kept depends on AOF/RDB). */
    public void restart() {
        if (isAlive()) {
            kill();
        }
        launch();
    }

    /** Whether the server is still loading its data set (INFO persistence says loading:1). */
    public boolean isLoading() {
        try (RespConnection c = connect(1000)) {
            return "1".equals(Replies.info(c.call("INFO", "persistence")).get("loading"));
        }
    }

    @Override
    public void close() {
        if (container != null && process != null && process.isAlive()) {
            container.stopQuietly();
            waitExit();
        }
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
        if (sentinelConfig != null) {
            // The config file must be the first argument; a Sentinel refuses to start without a
            // writable one. Written once: a restarted Sentinel keeps what it learned.
            writeSentinelConfigOnce();
            cmd.add(sentinelConfigFile().toString());
            cmd.add("--sentinel");
        }
        if (password != null) {
            cmd.addAll(List.of("--requirepass", password, "--masterauth", password));
        }
        cmd.addAll(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1", "--dir", dir.toString(),
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no",
                "--logfile", dir.resolve("redis.log").toString(),
                // Redis 7 otherwise holds a replica's first sync 5 s, waiting for more replicas to join it.
                "--repl-diskless-sync-delay", "0"));
        // Later options win in redis-server, so callers can override the defaults above.
        cmd.addAll(extraArgs);
        try {
            process = container != null ? container.launch(cmd.subList(1, cmd.size()), dir.resolve("stdout.log"))
                    : new ProcessBuilder(cmd).redirectErrorStream(true)
                            .redirectOutput(dir.resolve("stdout.log").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException(binary + " on port " + port + " exited at start: " + logTail());
            }
            try (RespConnection c = connect(1000)) {
                if ("PONG".equals(c.call("PING"))) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // still starting, or loading AOF
            }
            if (System.nanoTime() > deadline) {
                if (container != null) {
                    container.stopQuietly();
                }
                process.destroyForcibly();
                throw new IllegalStateException(binary + " on port " + port + " did not answer PING: " + logTail());
            }
            sleep(20);
        }
    }

    /** The file a Sentinel runs from; it rewrites the file as it learns. */
    private Path sentinelConfigFile() {
        return dir.resolve("sentinel.conf");
    }

    private void writeSentinelConfigOnce() {
        try {
            if (!Files.exists(sentinelConfigFile())) {
                Files.write(sentinelConfigFile(), sentinelConfig);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + sentinelConfigFile(), e);
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
        deleteRecursively(dir);
    }

    /** Best effort: these are temp directories. */
    static void deleteRecursively(Path dir) {
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
        return binary + (isSentinel() ? "-sentinel@" : "@") + port;
    }

    /** Options beyond extra arguments; {@link #start()} launches and waits until the server answers PING. */
    public static final class Builder {
        private final RedisBinary binary;
        private int port;
        private List<String> args = List.of();
        private String password;
        private List<String> sentinelConfig;

        private Builder(RedisBinary binary) {
            this.binary = binary;
        }

        /** A fixed port; by default a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** redis-server options such as {@code --appendonly yes}; they override the defaults. */
        public Builder args(String... extraArgs) {
            this.args = List.of(extraArgs);
            return this;
        }

        /**
         * Sets {@code requirepass} and {@code masterauth} (so a replica can follow a master with the same
         * password); this class's own connections authenticate with it.
         */
        public Builder password(String password) {
            this.password = password;
            return this;
        }

        /** Runs as {@code redis-server <conf> --sentinel}, the conf holding these lines. */
        public Builder sentinel(List<String> configLines) {
            this.sentinelConfig = configLines;
            return this;
        }

        public RedisServer start() {
            RedisServer server = new RedisServer(binary, port == 0 ? freePort() : port, args, password, sentinelConfig);
            server.launch();
            return server;
        }
    }
}
