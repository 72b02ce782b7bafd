package io.ultrasignals.sniper.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A loopback TCP proxy in front of a master that can <em>hold back the replication stream</em>: a connection on
 * which the client sent {@code PSYNC} (or {@code SYNC}) is a replica's link, and what the master sends on it
 * reaches the replica {@link #hold(Duration) delay} late, while everything the replica sends (its
 * {@code REPLCONF ACK}s) and every other connection (clients, Sentinels) passes at once ({@link #holdBothWays}
 * holds the acknowledgements too). So the master keeps
 * seeing a healthy replica (acknowledging within {@code min-replicas-max-lag}) that is in fact {@code delay}
 * behind: a slow or congested link. When the master goes away, what is still held is dropped, as the bytes of a
 * dead master that never left it: the replica never gets the writes of the last {@code delay}.
 *
 * <p>A {@code SIGSTOP}ped replica shows nothing of this on loopback: the master's writes wait in the socket
 * buffers and arrive complete on {@code SIGCONT}.
 */
public final class ReplicationDelayProxy implements AutoCloseable {
    private static final byte[] EOF = new byte[0];

    private final ServerSocket listener;
    private final String targetHost;
    private final int targetPort;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private volatile long delayNanos;
    private volatile boolean acksHeld;
    private volatile boolean closed;

    private ReplicationDelayProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon("replication-proxy-accept-" + listener.getLocalPort(), this::acceptLoop);
    }

    /** Starts a proxy on a free loopback port in front of {@code host:port}; nothing is held until {@link #hold}. */
    public static ReplicationDelayProxy to(String host, int port) {
        try {
            return new ReplicationDelayProxy(host, port);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a proxy port: " + e.getMessage(), e);
        }
    }

    public String host() {
        return listener.getInetAddress().getHostAddress();
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** From now on the master's bytes on a replica's link reach it {@code delay} after they left the master. */
    public void hold(Duration delay) {
        delayNanos = delay.toNanos();
    }

    /**
     * As {@link #hold}, and the replica's bytes (its acknowledgements) reach the master as late: a partition of
     * {@code delay} as the master sees it, which {@code min-replicas-max-lag} notices.
     */
    public void holdBothWays(Duration delay) {
        delayNanos = delay.toNanos();
        acksHeld = true;
    }

    /** Bytes of the replication stream held right now (sent by the master, not yet passed to a replica). */
    public long heldBytes() {
        long n = 0;
        for (Link l : links) {
            for (Chunk c : l.held) {
                n += c.bytes.length;
            }
        }
        return n;
    }

    private record Chunk(long dueNanos, byte[] bytes) {}

    private final class Link {
        final Socket client;
        final Socket server;
        final LinkedBlockingQueue<Chunk> held = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<Chunk> acks = new LinkedBlockingQueue<>();
        volatile boolean replication;
        private final StringBuilder firstBytes = new StringBuilder();

        Link(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        /** Watches the start of what the client sends for the replication handshake's PSYNC / SYNC. */
        void clientSent(byte[] buffer, int n) {
            if (replication || firstBytes.length() > 4096) {
                return;
            }
            firstBytes.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT));
            if (firstBytes.indexOf("\r\nPSYNC\r\n") >= 0 || firstBytes.indexOf("\r\nSYNC\r\n") >= 0
                    || firstBytes.indexOf("PSYNC ") >= 0) {
                replication = true;
            }
        }

        void close() {
            Sockets.closeQuietly(client);
            Sockets.closeQuietly(server);
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            daemon("replication-proxy-link", () -> serve(client));
        }
    }

    private void serve(Socket client) {
        Socket server = new Socket();
        try {
            server.connect(new InetSocketAddress(targetHost, targetPort), 3000);
            server.setTcpNoDelay(true);
            client.setTcpNoDelay(true);
        } catch (IOException e) {
            // The master is down: the client sees its connection closed, as it would directly.
            Sockets.closeQuietly(client);
            Sockets.closeQuietly(server);
            return;
        }
        Link link = new Link(client, server);
        links.add(link);
        daemon("replication-proxy-back", () -> masterToClient(link));
        daemon("replication-proxy-held", () -> releaseHeld(link, link.held, link.client));
        daemon("replication-proxy-acks", () -> releaseHeld(link, link.acks, link.server));
        byte[] buffer = new byte[16384];
        try {
            InputStream in = client.getInputStream();
            OutputStream out = server.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                link.clientSent(buffer, n);
                if (link.replication && acksHeld) {
                    link.acks.add(new Chunk(System.nanoTime() + delayNanos, Arrays.copyOf(buffer, n)));
                } else {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
        } catch (IOException e) {
            // one side went away
        }
        link.acks.add(new Chunk(0, EOF));
        link.close();
        links.remove(link);
    }

    /** The master's bytes: at once on a client's link, through the hold on a replica's. */
    private void masterToClient(Link link) {
        byte[] buffer = new byte[16384];
        try {
            InputStream in = link.server.getInputStream();
            OutputStream out = link.client.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (link.replication) {
                    link.held.add(new Chunk(System.nanoTime() + delayNanos, Arrays.copyOf(buffer, n)));
                } else {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
        } catch (IOException e) {
            // the master went away
        }
        // The master is gone: what it sent and the replica has not got yet never arrives.
        link.held.clear();
        link.held.add(new Chunk(0, EOF));
        link.close();
    }

    /** Passes on what {@code queue} holds to {@code to}, each chunk when it is due, in order. */
    private static void releaseHeld(Link link, LinkedBlockingQueue<Chunk> queue, Socket to) {
        try {
            OutputStream out = to.getOutputStream();
            while (true) {
                Chunk c = queue.take();
                if (c.bytes == EOF) {
                    return;
                }
                long wait = c.dueNanos - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                if (link.server.isClosed()) {
                    return; // dropped with the master
                }
                out.write(c.bytes);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the replica went away
        }
    }

    private static void daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }


    @Override
    public void close() {
        closed = true;
        Sockets.closeQuietly(listener);
        links.forEach(Link::close);
    }
}
