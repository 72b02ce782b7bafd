package io.ultrasignals.sniper.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The redis-server the demo starts when no settings name a Redis: the static 7.0.15 build Maven Central
 * ships in {@code org.signal:embedded-redis} (the one the tests use), which the build unpacks into
 * {@code cli/target/demo-redis/} beside the command-line tool's jar, so the jar does not carry it.
 * {@code SNIPER_REDIS_SERVER} names another binary. AOF on, {@code appendfsync always}: a SIGKILL loses nothing.
 */
final class DemoRedis implements AutoCloseable {
    static final String BINARY_DIRECTORY = "demo-redis";
    private static final String BUNDLED_VERSION = "7.0.15";
    private static final Pattern VERSION = Pattern.compile("v=(\\d+\\.\\d+\\.\\d+)");
    private static final long READY_WAIT_MS = 10_000;

    private final Path binary;
    private final Path dir;
    private final int port;
    private final String version;
    private volatile Process process;

    private DemoRedis(Path binary, Path dir, int port, String version) {
        this.binary = binary;
        this.dir = dir;
        this.port = port;
        this.version = version;
    }

    /** Starts a server on a free loopback port with its data in {@code dir}. */
    static DemoRedis start(Path dir) throws IOException, InterruptedException {
        Path binary = copyExecutable(findBinary(), dir);
        DemoRedis redis = new DemoRedis(binary, dir, freePort(), versionOf(binary));
        redis.launch();
        return redis;
    }

    int port() {
        return port;
    }

    String version() {
        return version;
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    /** SIGKILL: no shutdown, no final write; what the AOF holds is what comes back. */
    void kill() throws InterruptedException {
        Process p = process;
        if (p != null) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Starts the server again on the same port and data directory (the AOF is replayed). */
    void restart() throws IOException, InterruptedException {
        launch();
    }

    @Override
    public void close() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroy(); // SIGTERM: Redis shuts down cleanly
            try {
                if (!p.waitFor(3, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private void launch() throws IOException, InterruptedException {
        process = new ProcessBuilder(binary.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                "--daemonize", "no", "--logfile", dir.resolve("redis.log").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.out").toFile()).start();
        long deadline = System.currentTimeMillis() + READY_WAIT_MS;
        while (!answersPing()) {
            if (!process.isAlive() || System.currentTimeMillis() > deadline) {
                close();
                throw new IOException("redis-server did not start on " + address() + "; see " + dir.resolve("redis.log"));
            }
            Thread.sleep(20);
        }
    }

    private boolean answersPing() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] reply = new byte[7];
            int n = socket.getInputStream().readNBytes(reply, 0, reply.length);
            // "-LOADING" while the AOF is replayed: not ready yet.
            return new String(reply, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code SNIPER_REDIS_SERVER}, else the bundled binary for this OS and CPU in {@code demo-redis/} beside the jar. */
    static Path findBinary() {
        String override = System.getenv("SNIPER_REDIS_SERVER");
        if (override != null && !override.isBlank()) {
            Path path = Path.of(override);
            if (!Files.isExecutable(path)) {
                throw new SniperCli.UsageException("SNIPER_REDIS_SERVER=" + override + " is not an executable redis-server");
            }
            return path;
        }
        String name = "redis-server-" + BUNDLED_VERSION + "-" + platform();
        Path where = buildDirectory().resolve(BINARY_DIRECTORY);
        Path binary = where.resolve(name);
        if (!Files.isRegularFile(binary)) {
            throw new SniperCli.UsageException("demo: no " + name + " in " + where + " (the build puts it there: ./mvnw "
                    + "package); set SNIPER_REDIS_SERVER to a redis-server, or name a Redis in --config");
        }
        return binary;
    }

    /** cli/target: the jar's directory, or the parent of target/classes when run from the build's classes. */
    private static Path buildDirectory() {
        try {
            Path source = Path.of(DemoRedis.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return source.getParent();
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of(".");
        }
    }

    private static String platform() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String cpu = arch.contains("aarch64") || arch.contains("arm64") ? "arm64" : "amd64";
        return (os.contains("mac") ? "darwin" : "linux") + "-" + cpu;
    }

    /** The unpacked file need not be executable (and the build directory need not be writable): run a copy. */
    private static Path copyExecutable(Path binary, Path dir) throws IOException {
        Path copy = dir.resolve("redis-server");
        Files.copy(binary, copy, StandardCopyOption.REPLACE_EXISTING);
        if (!copy.toFile().setExecutable(true)) {
            throw new IOException("cannot make " + copy + " executable");
        }
        return copy;
    }

    private static String versionOf(Path binary) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(binary.toString(), "--version")).redirectErrorStream(true).start();
        try (InputStream in = p.getInputStream()) {
            String out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(5, TimeUnit.SECONDS);
            Matcher m = VERSION.matcher(out);
            return m.find() ? m.group(1) : "unknown";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
