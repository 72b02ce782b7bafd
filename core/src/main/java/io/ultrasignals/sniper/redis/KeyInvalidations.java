package io.ultrasignals.sniper.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.push.PushListener;
import io.lettuce.core.api.push.PushMessage;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Redis's server-assisted invalidation on a connection of its own: {@code CLIENT TRACKING on BCAST PREFIX ...} over
 * RESP3, so Redis pushes the name of every key written under the prefixes, from any client of the fleet. The guard's
 * command connection stays RESP2 and untouched.
 *
 * <p>One daemon thread checks the connection every {@link #CHECK_INTERVAL}: connects (tracking on, then
 * {@link Listener#live}), or PINGs it. A connection that is closed, or does not answer a PING within
 * {@link #PING_TIMEOUT}, is dropped and replaced; no automatic reconnect, so that tracking is on whenever the
 * connection is. {@link #answers} proves the stream current: a PONG comes after every push sent before it. A refused {@code CLIENT TRACKING} (an ACL without {@code +client|tracking}, a proxy that does not
 * pass it) is said once and retried at the same pace: the guard then relies on its heartbeat.
 */
public final class KeyInvalidations implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(KeyInvalidations.class.getName());
    static final Duration CHECK_INTERVAL = Duration.ofMillis(200);
    static final Duration PING_TIMEOUT = Duration.ofSeconds(1);

    /** What the guard hears; called on the checker's thread, {@link #invalidated} on Lettuce's I/O thread. */
    public interface Listener {
        /** {@code key} was written ({@code null}: the database was flushed). */
        void invalidated(String key);

        /** Tracking is on on a new connection: writes before it may have gone unseen. */
        void live();
    }

    private final RedisClient client;
    private final RedisURI uri;
    private final List<String> prefixes;
    private final Listener listener;
    private final ScheduledExecutorService checker;
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile boolean closed;
    private boolean refusedSaid;

    private KeyInvalidations(RedisClient client, RedisURI uri, List<String> prefixes, Listener listener) {
        this.client = client;
        this.uri = uri;
        this.prefixes = List.copyOf(prefixes);
        this.listener = listener;
        this.checker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sniper-invalidations");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Invalidations from the server {@code uri} names (a host, or the master a Sentinel set names), on a client
     * sharing {@code like}'s resources (threads) with its options but RESP3 and no automatic reconnect.
     */
    static KeyInvalidations like(RedisClient like, RedisURI uri, List<String> prefixes, Listener listener) {
        RedisClient client = RedisClient.create(like.getResources());
        ClientOptions options = like.getOptions().mutate().protocolVersion(ProtocolVersion.RESP3).autoReconnect(false).build();
        client.setOptions(options);
        return new KeyInvalidations(client, uri, prefixes, listener);
    }

    /** Starts checking in the background; returns at once. */
    public KeyInvalidations start() {
        checker.scheduleWithFixedDelay(this::check, 0, CHECK_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** True while tracking is on on an open connection. */
    public boolean live() {
        StatefulRedisConnection<String, String> c = connection;
        return c != null && c.isOpen();
    }

    private void check() {
        if (closed) {
            return;
        }
        try {
            StatefulRedisConnection<String, String> c = connection;
            if (c == null || !c.isOpen()) {
                if (c != null) {
                    drop(c);
                }
                connect();
                return;
            }
            c.async().ping().get(PING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            StatefulRedisConnection<String, String> c = connection;
            if (c != null) {
                drop(c);
            }
            LOG.log(Level.FINE, "sniper: invalidation connection check failed", e);
        }
    }

    /**
     * True if tracking is on and the connection answers a PING within {@code timeout}: every invalidation of a write
     * Redis ran before this call has then arrived. Never throws.
     */
    public boolean answers(Duration timeout) {
        StatefulRedisConnection<String, String> c = connection;
        if (c == null || !c.isOpen()) {
            return false;
        }
        try {
            return "PONG".equals(c.async().ping().get(timeout.toMillis(), TimeUnit.MILLISECONDS)) && connection == c;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    private void connect() throws Exception {
        StatefulRedisConnection<String, String> c = client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture()
                .get(uri.getTimeout().toMillis(), TimeUnit.MILLISECONDS);
        c.addListener((PushListener) this::pushed);
        try {
            c.async().clientTracking(TrackingArgs.Builder.enabled().bcast().prefixes(prefixes.toArray(new String[0])))
                    .get(PING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            c.closeAsync();
            if (!refusedSaid) {
                refusedSaid = true;
                LOG.warning("sniper: Redis refused CLIENT TRACKING (" + RedisLink.describeChain(e) + "): cached cap blocks "
                        + "end at the next heartbeat instead of at once when a slot frees up");
            }
            return;
        }
        if (closed) {
            c.closeAsync();
            return;
        }
        connection = c;
        listener.live();
    }

    private void drop(StatefulRedisConnection<String, String> c) {
        connection = null;
        c.closeAsync();
    }

    /** {@code >2 invalidate [key ...]} or {@code >2 invalidate (nil)} after a flush. */
    private void pushed(PushMessage message) {
        if (!"invalidate".equals(message.getType())) {
            return;
        }
        List<Object> content = message.getContent(StringCodec.UTF8::decodeKey);
        Object keys = content.size() > 1 ? content.get(1) : null;
        if (keys instanceof List<?> list) {
            for (Object key : list) {
                listener.invalidated(key instanceof ByteBuffer b ? StringCodec.UTF8.decodeKey(b) : String.valueOf(key));
            }
        } else {
            listener.invalidated(null);
        }
    }

    @Override
    public void close() {
        closed = true;
        checker.shutdownNow();
        StatefulRedisConnection<String, String> c = connection;
        connection = null;
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
    }
}
