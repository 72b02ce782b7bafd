package io.ultrasignals.sniper.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP proxy in front of a server that can go <em>silent</em>: it keeps every connection open
 * and keeps reading the client's bytes, but drops them and sends nothing back — no reset, no FIN. That is
 * what a hung peer, a stuck middlebox or a blackholed address looks like to a client whose TCP stack keeps
 * getting acknowledgements: nothing tells it the connection is dead.
 *
 * <ul>
 *   <li>{@link #silenceExisting()}: the connections open now go silent for good; new ones are served.</li>
 *   <li>{@link #silenceAll()}: a partition — open connections and any new one are silent.</li>
 *   <li>{@link #heal()}: new connections are served again; connections silenced earlier stay silent
 *       (their bytes are gone), so a client must replace them to get through.</li>
 *   <li>{@link #holdReplies()} / {@link #releaseReplies()}: requests still reach the server, which runs them,
 *       but its replies wait in the proxy until released, in order: a server that ran a call and was stopped
 *       before writing the reply.</li>
 * </ul>
 */
public final class SilentProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final String targetHost;
    private final int targetPort;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private volatile boolean partitioned;
    private volatile boolean closed;
    private volatile int accepted;
    /** Replies wait while true (guarded by {@code this} for the wait and the release). */
    private boolean holding;

    private final class Link {
        final Socket client;
        volatile Socket server;
        volatile boolean silent;

        Link(Socket client, boolean silent) {
            this.client = client;
            this.silent = silent;
        }

        void close() {
            Sockets.closeQuietly(client);
            Sockets.closeQuietly(server);
        }
    }

    private SilentProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "silent-proxy-accept-" + listener.getLocalPort());
        accept.setDaemon(true);
        accept.start();
    }

    /** Starts a proxy on a free loopback port in front of {@code host:port}. */
    public static SilentProxy to(String host, int port) {
        try {
            return new SilentProxy(host, port);
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

    public void silenceExisting() {
        links.forEach(l -> l.silent = true);
    }

    public void silenceAll() {
        partitioned = true;
        links.forEach(l -> l.silent = true);
    }

    public void heal() {
        partitioned = false;
    }

    /** From now on the server's replies wait in the proxy (requests still go through). */
    public synchronized void holdReplies() {
        holding = true;
    }

    /** The held replies go on to the client, in the order the server wrote them. */
    public synchronized void releaseReplies() {
        holding = false;
        notifyAll();
    }

    private synchronized void awaitNotHolding() throws InterruptedException {
        while (holding && !closed) {
            wait(100);
        }
    }

    /** Connections accepted so far (each one is a connect the client made). */
    public int connectionsAccepted() {
        return accepted;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                accepted++;
                Link link = new Link(client, partitioned);
                links.add(link);
                Thread t = new Thread(() -> serve(link), "silent-proxy-link");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed) {
                    continue;
                }
                return;
            }
        }
    }

    private void serve(Link link) {
        try {
            if (!link.silent) {
                Socket server = new Socket();
                server.connect(new InetSocketAddress(targetHost, targetPort), 3000);
                link.server = server;
                Thread back = new Thread(() -> {
                    pump(server, link.client, link, true);
                    if (!link.silent) {
                        link.close(); // the server went away while served: the client sees it close
                    }
                }, "silent-proxy-back");
                back.setDaemon(true);
                back.start();
            }
            pump(link.client, link.server, link, false);
        } catch (IOException e) {
            // The target refused (it is down): the client sees its connection closed, as it would directly.
        }
        // The client closed (or the target refused): nothing left to keep open.
        link.close();
        links.remove(link);
    }

    /** Copies {@code from} to {@code to} until either ends; while silent, reads and drops; replies wait while held. */
    private void pump(Socket from, Socket to, Link link, boolean replies) {
        byte[] buffer = new byte[8192];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to == null ? null : to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (replies) {
                    awaitNotHolding();
                }
                if (!link.silent && out != null) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            }
        } catch (IOException e) {
            // one side went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }


    @Override
    public void close() {
        closed = true;
        Sockets.closeQuietly(listener);
        links.forEach(Link::close);
    }
}
