package io.ultrasignals.sniper.testkit;

import com.github.dockerjava.api.DockerClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * One redis-server in a container ({@link RedisImage}), through Testcontainers: on the host's network (the
 * engine runs without a bridge, and all traffic stays on 127.0.0.1) at a free port. Faults go through the
 * engine: {@link #pause()} is {@code docker pause} (the cgroup freezer: the socket stays open, nothing answers),
 * {@link #kill()} is {@code docker kill} (SIGKILL), {@link #restart()} starts the same container again, with
 * its files (AOF) as the kill left them.
 */
public final class RedisContainer implements RedisEndpoint, AutoCloseable {
    private static final String READY = ".*Ready to accept connections.*";

    private final GenericContainer<?> container;
    private final int port;

    private RedisContainer(GenericContainer<?> container, int port) {
        this.container = container;
        this.port = port;
    }

    /** Starts redis-server {@code binary} (statically linked) with {@code extraArgs}, e.g. {@code --appendonly yes}. */
    @SuppressWarnings("resource") // closed by close()
    public static RedisContainer start(RedisBinary binary, String... extraArgs) {
        DockerEngine.requireOrSkip();
        int port = freePort();
        List<String> command = new ArrayList<>(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--protected-mode", "no"));
        command.addAll(List.of(extraArgs));
        GenericContainer<?> container = new GenericContainer<>(RedisImage.of(binary))
                .withNetworkMode("host")
                .withCommand(command.toArray(String[]::new))
                .waitingFor(Wait.forLogMessage(READY, 1).withStartupTimeout(Duration.ofSeconds(30)));
        container.start();
        return new RedisContainer(container, port);
    }

    @Override
    public int port() {
        return port;
    }

    public String containerId() {
        return container.getContainerId();
    }

    @Override
    public RespConnection connect() {
        return new RespConnection(host(), port, 5000);
    }

    /** {@code docker pause}: every process of the container frozen; connections stay open and get no answer. */
    public void pause() {
        docker().pauseContainerCmd(containerId()).exec();
    }

    /** {@code docker unpause}. */
    public void resume() {
        docker().unpauseContainerCmd(containerId()).exec();
    }

    /** {@code docker kill}: SIGKILL to redis-server, no shutdown, no final write. */
    public void kill() {
        docker().killContainerCmd(containerId()).exec();
        Poll.until(Duration.ofSeconds(10), this + " to stop",
                () -> !Boolean.TRUE.equals(docker().inspectContainerCmd(containerId()).exec().getState().getRunning()));
    }

    /** Starts the killed container again (same port, same files) and waits until it answers PING. */
    public void restart() {
        docker().startContainerCmd(containerId()).exec();
        Poll.until(Duration.ofSeconds(30), this + " to answer PING after the restart", () -> {
            try {
                return "PONG".equals(call("PING"));
            } catch (RuntimeException notYet) {
                return false;
            }
        });
    }

    @Override
    public void close() {
        container.stop();
    }

    @Override
    public String toString() {
        return "redis container " + containerId().substring(0, 12) + " on port " + port;
    }

    private static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
