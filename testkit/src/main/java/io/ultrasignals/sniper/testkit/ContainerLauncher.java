package io.ultrasignals.sniper.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code SNIPER_TEST_REDIS=docker}: {@link RedisServer} runs its redis-server in a container instead of as a
 * child process — {@code docker run --rm --network host} of {@link RedisImage}, with the temp directory mounted
 * at the same path so the server's files (logs, AOF, Sentinel config, TLS certificates) stay where the tests look
 * for them. The faults go through the engine ({@code docker kill}, {@code docker pause}/{@code unpause}).
 * Only statically linked binaries fit an image {@code FROM scratch}: the others (the bundled 6.2 build) still run
 * as processes.
 */
final class ContainerLauncher {
    static final String MODE_VARIABLE = "SNIPER_TEST_REDIS";
    private static final AtomicInteger LAUNCHES = new AtomicInteger();

    private final String docker;
    private final String image;
    private String name;

    private ContainerLauncher(String docker, String image) {
        this.docker = docker;
        this.image = image;
    }

    /** The launcher for {@code binary} when {@code SNIPER_TEST_REDIS=docker} and it is static; else null. */
    static ContainerLauncher forBinary(RedisBinary binary) {
        String mode = System.getenv(MODE_VARIABLE);
        if (mode == null || mode.isBlank() || mode.equals("process")) {
            return null;
        }
        if (!mode.equals("docker")) {
            throw new IllegalStateException(MODE_VARIABLE + "=" + mode + " is not a mode; expected process (default) or docker");
        }
        if (!isStatic(binary.path())) {
            return null;
        }
        DockerEngine.requireOrSkip();
        String docker = Tools.find("docker").map(Path::toString).orElseThrow(() ->
                new IllegalStateException(MODE_VARIABLE + "=docker needs the docker command on PATH"));
        return new ContainerLauncher(docker, RedisImage.of(binary));
    }

    /** {@code docker run} of the server with {@code args} (the redis-server arguments, without the binary). */
    Process launch(List<String> args, Path logFile) throws IOException {
        name = "sniper-redis-" + ProcessHandle.current().pid() + "-" + LAUNCHES.incrementAndGet();
        String tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().toString();
        List<String> cmd = new ArrayList<>(List.of(docker, "run", "--rm", "--name", name, "--network", "host",
                "-v", tmp + ":" + tmp, image));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
    }

    void kill() {
        run("kill", name);
    }

    void pause() {
        run("pause", name);
    }

    void resume() {
        run("unpause", name);
    }

    /** Stops the container whatever its state; errors (already gone) do not matter here. */
    void stopQuietly() {
        try {
            run("unpause", name);
        } catch (RuntimeException notPaused) {
            // fine
        }
        try {
            run("kill", name);
        } catch (RuntimeException gone) {
            // fine
        }
    }

    private void run(String command, String container) {
        try {
            Process p = new ProcessBuilder(docker, command, container).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("docker " + command + " " + container + " failed: " + out.strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An ELF executable without a PT_INTERP program header needs no dynamic loader: it runs in an empty image. */
    static boolean isStatic(Path binary) {
        try (InputStream in = Files.newInputStream(binary)) {
            byte[] head = in.readNBytes(64 * 1024);
            ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
            if (head.length < 64 || b.getInt(0) != 0x464c457f || head[4] != 2) {
                return false; // not a 64-bit ELF file (a macOS binary, say): no image for it
            }
            long phoff = b.getLong(0x20);
            int phentsize = Short.toUnsignedInt(b.getShort(0x36));
            int phnum = Short.toUnsignedInt(b.getShort(0x38));
            for (int i = 0; i < phnum; i++) {
                int at = (int) phoff + i * phentsize;
                if (at + 4 > head.length) {
                    return false;
                }
                if (b.getInt(at) == 3) { // PT_INTERP
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
