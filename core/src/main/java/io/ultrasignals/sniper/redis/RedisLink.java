package io.ultrasignals.sniper.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one shared connection of a process to Redis (standalone, through Sentinel, or Cluster).
 * Lettuce multiplexes it across threads, so there is no pool.
 *
 * <p>Connecting never blocks a caller: {@link #start()} connects in the background and keeps retrying
 * (with backoff) until the first connection is up; from then on Lettuce reconnects by itself. Until a
 * connection exists, {@link #commands()} fails at once with {@link NotConnectedException}.
 */
public final class RedisLink implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RedisLink.class.getName());
    private static final Duration FIRST_RETRY = Duration.ofMillis(100);
    private static final Duration MAX_RETRY = Duration.ofSeconds(5);
    private final AtomicBoolean started = new AtomicBoolean();

    private final String description;
    private final Supplier<CompletableFuture<? extends StatefulConnection<String, String>>> connector;
    private final Runnable shutdownClient;
    private final ScheduledExecutorService retries;
    private final ConnectionPipeline pipeline;
    private volatile StatefulConnection<String, String> connection;
    private volatile RedisScriptingAsyncCommands<String, String> commands;
    private volatile boolean closed;
    private volatile String lastConnectError;
    private final CompletableFuture<Boolean> firstAttempt = new CompletableFuture<>();
    private volatile boolean replacing;
    private volatile SilentConnectionWatchdog watchdog;
    /** Opens an invalidation connection to the same server; null where there is none (Cluster). */
    private BiFunction<List<String>, KeyInvalidations.Listener, KeyInvalidations> invalidations;

    private RedisLink(String description, Supplier<CompletableFuture<? extends StatefulConnection<String, String>>> connector,
                      Runnable shutdownClient, ConnectionPipeline pipeline) {
        this.description = description;
        this.pipeline = pipeline;
        this.connector = connector;
        this.shutdownClient = shutdownClient;
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sniper-redis-link");
            t.setDaemon(true);
            return t;
        });
    }

    /** Standalone or Sentinel (the URI says which); Lettuce follows the Sentinel master on reconnect. */
    static RedisLink standalone(RedisClient client, RedisURI uri, String description, ConnectionPipeline pipeline) {
        RedisLink link = new RedisLink(description,
                () -> client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture(),
                () -> {
                    client.shutdown();
                    client.getResources().shutdown();
                }, pipeline);
        link.invalidations = (prefixes, listener) -> KeyInvalidations.like(client, uri, prefixes, listener);
        return link;
    }

    /**
     * A connection that hears Redis's invalidations of keys under {@code prefixes} (not started), or null for a
     * Cluster, where the guard relies on its heartbeat instead.
     */
    public KeyInvalidations invalidations(List<String> prefixes, KeyInvalidations.Listener listener) {
        return invalidations == null ? null : invalidations.apply(prefixes, listener);
    }

    /** Redis Cluster: commands are routed by key slot; the namespace's hash tag keeps a namespace on one node. */
    static RedisLink cluster(RedisClusterClient client, String description, ConnectionPipeline pipeline) {
        return new RedisLink(description,
                // connectAsync needs the partitions (slot map) loaded first; the sync connect does that itself.
                () -> client.refreshPartitionsAsync().toCompletableFuture()
                        .thenCompose(loaded -> client.connectAsync(StringCodec.UTF8))
                        .thenApply(c -> (StatefulConnection<String, String>) c),
                () -> {
                    client.shutdown();
                    client.getResources().shutdown();
                }, pipeline);
    }

    /** Starts connecting in the background; returns at once. Calls after the first do nothing. */
    public RedisLink start() {
        if (started.compareAndSet(false, true)) {
            attempt(FIRST_RETRY);
        }
        return this;
    }

    /**
     * Waits until the first connection attempt has ended (connected or failed), at most {@code timeout};
     * true if connected. A refused connection ends at once; a blackholed host takes up to the timeout.
     */
    public boolean awaitFirstAttempt(Duration timeout) {
        try {
            return firstAttempt.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /** Waits up to {@code timeout} for the first connection; true if connected. For tools and tests. */
    public boolean awaitConnected(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (commands == null && System.nanoTime() < deadline && !closed) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return commands != null;
    }

    /** The async scripting commands of the live connection; throws {@link NotConnectedException} if none yet. */
    public RedisScriptingAsyncCommands<String, String> commands() {
        RedisScriptingAsyncCommands<String, String> c = commands;
        if (c == null) {
            throw new NotConnectedException("not connected to " + description
                    + (lastConnectError == null ? "" : " (" + lastConnectError + ")"));
        }
        return c;
    }

    /** True while the connection is open (Lettuce may be reconnecting otherwise). */
    public boolean isConnected() {
        StatefulConnection<String, String> c = connection;
        return c != null && c.isOpen();
    }

    /** The live connection, for tools that need more than scripting (status pages, SCRIPT LOAD per node). */
    public StatefulConnection<String, String> connection() {
        StatefulConnection<String, String> c = connection;
        if (c == null) {
            throw new NotConnectedException("not connected to " + description);
        }
        return c;
    }

    /** The link's own background thread (connect retries, call deadlines); stops when the link closes. */
    ScheduledExecutorService scheduler() {
        return retries;
    }

    /** What Sniper added to the connection's Netty pipeline. */
    ConnectionPipeline pipeline() {
        return pipeline;
    }

    /** Why the latest connection attempt failed (never a password), or null while connected. */
    public String lastConnectError() {
        return lastConnectError;
    }

    public String description() {
        return description;
    }

    private void attempt(Duration nextDelay) {
        if (closed) {
            return;
        }
        CompletableFuture<? extends StatefulConnection<String, String>> future;
        try {
            future = connector.get();
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        future.whenComplete((c, error) -> {
            if (error == null) {
                if (adopt(c)) {
                    firstAttempt.complete(true);
                    LOG.info("sniper: connected to " + description);
                }
                return;
            }
            lastConnectError = describeChain(error);
            if (!firstAttempt.isDone()) {
                LOG.warning("sniper: cannot connect to " + description + " (" + lastConnectError
                        + "); deciding with the fallback until it answers");
            }
            firstAttempt.complete(false);
            LOG.log(Level.FINE, "sniper: connecting to " + description + " failed; retrying in " + nextDelay, error);
            if (!closed) {
                Duration after = nextDelay.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : nextDelay.multipliedBy(2);
                retries.schedule(() -> attempt(after), nextDelay.toMillis(), TimeUnit.MILLISECONDS);
            }
        });
    }

    /**
     * Probes the connection with PING on the link's own thread and replaces it when {@code watchdog} finds
     * it silent (see {@link SilentConnectionWatchdog}); the new connection follows a Sentinel failover.
     */
    public RedisLink watchForSilence(SilentConnectionWatchdog watchdog) {
        this.watchdog = watchdog;
        long every = watchdog.probeInterval().toMillis();
        retries.scheduleWithFixedDelay(() -> probe(watchdog), every, every, TimeUnit.MILLISECONDS);
        return this;
    }

    /** The script calls' replies (any reply) tell the watchdog the connection still answers. */
    void countRepliesFrom(LongSupplier lastReplyNanos) {
        SilentConnectionWatchdog w = watchdog;
        if (w != null) {
            w.alsoCountReplies(lastReplyNanos);
        }
    }

    private void probe(SilentConnectionWatchdog watchdog) {
        StatefulConnection<String, String> c = connection;
        if (c == null || closed || replacing) {
            return;
        }
        CompletableFuture<String> ping;
        try {
            ping = pingOf(c);
        } catch (RuntimeException notSent) {
            return;
        }
        // Lettuce times no command out (CallDeadlines times the script calls): the probe's own bound.
        ping.orTimeout(Math.max(1, watchdog.probeInterval().toMillis()), TimeUnit.MILLISECONDS).whenComplete((pong, error) -> {
            if (error == null) {
                watchdog.answered();
            } else if (RedisFailure.of(RedisFailure.unwrap(error)) == RedisFailure.TIMEOUT && connection == c
                    && watchdog.timedOut()) {
                // Never on the thread that completed the probe: that may be the JDK's timeout thread, which
                // every decision's own timeout needs too.
                retries.execute(() -> replace(c, watchdog));
            }
        });
    }

    /** Drops a connection that stopped answering and connects afresh (within the connect timeout). */
    private void replace(StatefulConnection<String, String> silent, SilentConnectionWatchdog watchdog) {
        if (closed || replacing) {
            return;
        }
        replacing = true;
        LOG.warning("sniper: the connection to " + description + " stopped answering (no reply for "
                + watchdog.silence().toMillis() + " ms); replacing it");
        silent.closeAsync();
        connector.get().whenComplete((c, error) -> {
            replacing = false;
            watchdog.replaced();
            if (error != null) {
                lastConnectError = describeChain(error);
                LOG.warning("sniper: reconnecting to " + description + " failed (" + lastConnectError + "); retrying");
                attempt(FIRST_RETRY);
                return;
            }
            if (adopt(c)) {
                LOG.info("sniper: connected to " + description + " again");
            }
        });
    }

    /** Makes {@code c} the live connection; false (and closes it) when the link was closed meanwhile. */
    private boolean adopt(StatefulConnection<String, String> c) {
        if (closed) {
            c.closeAsync();
            return false;
        }
        connection = c;
        commands = scripting(c);
        lastConnectError = null;
        return true;
    }

    @SuppressWarnings("unchecked")
    private static CompletableFuture<String> pingOf(StatefulConnection<String, String> c) {
        if (c instanceof StatefulRedisClusterConnection<?, ?> cluster) {
            return ((StatefulRedisClusterConnection<String, String>) cluster).async().ping().toCompletableFuture();
        }
        return ((StatefulRedisConnection<String, String>) c).async().ping().toCompletableFuture();
    }

    /** "Unable to connect ... <- WRONGPASS invalid username-password pair": the outer and the root cause. */
    static String describeChain(Throwable error) {
        Throwable outer = RedisFailure.unwrap(error);
        Throwable root = outer;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = outer.getClass().getSimpleName() + ": " + outer.getMessage();
        if (root != outer) {
            text += " <- " + root.getClass().getSimpleName() + ": " + root.getMessage();
        }
        return text;
    }

    @SuppressWarnings("unchecked")
    private static RedisScriptingAsyncCommands<String, String> scripting(StatefulConnection<String, String> c) {
        if (c instanceof StatefulRedisClusterConnection<?, ?> cluster) {
            return ((StatefulRedisClusterConnection<String, String>) cluster).async();
        }
        return ((StatefulRedisConnection<String, String>) c).async();
    }

    @Override
    public void close() {
        closed = true;
        retries.shutdownNow();
        StatefulConnection<String, String> c = connection;
        if (c != null) {
            c.close();
        }
        shutdownClient.run();
    }

    @Override
    public String toString() {
        return "RedisLink[" + description + "]";
    }
}
