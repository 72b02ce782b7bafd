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
 * <p>Tracking is on only while the guard has something it protects ({@link Listener#wanted}: a cached block), and
 * off again once it has had nothing for {@link #IDLE_BEFORE_OFF}. While signals are admitted every decision writes
 * the count keys, and a push per write costs Redis a second reply per decision (benchmarks/results, "The admitted
 * path"); in a capped hour writes are rare and the pushes cost nothing.
 *
 * <p>One daemon thread checks the connection every {@link #CHECK_INTERVAL}: connects, turns tracking on or off as
 * wanted (each change then {@link Listener#trackingChanged}), or PINGs it. A connection that is closed, or does not
 * answer a PING within {@link #PING_TIMEOUT}, is dropped and replaced; no automatic reconnect, so that a connection
 * that tracked once never silently comes back untracked. {@link #answers} proves the stream current: a PONG comes
 * after every push sent before it. A refused {@code CLIENT TRACKING} (an ACL without {@code +client|tracking}, a
 * proxy that does not pass it) is said once and retried at the same pace: the guard then relies on its heartbeat.
 */
public final class KeyInvalidations implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(KeyInvalidations.class.getName());
    static final Duration CHECK_INTERVAL = Duration.ofMillis(200);
    static final Duration PING_TIMEOUT = Duration.ofSeconds(1);
    /** Tracking goes off after nothing has wanted it for this long (a release empties the cache for a moment). */
    static final Duration IDLE_BEFORE_OFF = Duration.ofSeconds(1);

    /** What the guard hears and says; called on the checker's thread, {@link #invalidated} on Lettuce's I/O thread. */
    public interface Listener {
        /** {@code key} was written ({@code null}: the database was flushed). */
        void invalidated(String key);

        /** Tracking went on or off (also once at {@link #start}, off): writes before it (on) or from now (off) go unseen. */
        void trackingChanged(boolean on);

        /** No tracking to be had for now: refused, or the connection failed or could not be made. */
        void trackingLost();

        /** True while the guard wants tracking on (read every {@link #CHECK_INTERVAL}). */
        boolean wanted();
    }

    private final RedisClient client;
    private final RedisURI uri;
    private final List<String> prefixes;
    private final Listener listener;
    private final ScheduledExecutorService checker;
    private volatile StatefulRedisConnection<String, String> connection;
    /** True while {@code CLIENT TRACKING on} holds on {@link #connection}. */
    private volatile boolean tracking;
    /** When {@link Listener#wanted} was last true (checker thread only). */
    private long lastWantedNanos;
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
        listener.trackingChanged(false);
        checker.scheduleWithFixedDelay(this::check, 0, CHECK_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** True while tracking is on on an open connection. */
    public boolean live() {
        StatefulRedisConnection<String, String> c = connection;
        return tracking && c != null && c.isOpen();
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
                c = connect();
                if (c == null) {
                    return;
                }
            }
            long now = System.nanoTime();
            if (listener.wanted()) {
                lastWantedNanos = now;
                if (!tracking) {
                    trackingOn(c);
                    return;
                }
            } else if (tracking && now - lastWantedNanos >= IDLE_BEFORE_OFF.toNanos()) {
                trackingOff(c);
                return;
            }
            c.async().ping().get(PING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            StatefulRedisConnection<String, String> c = connection;
            if (c != null) {
                drop(c);
            } else {
                listener.trackingLost();
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
            return tracking && "PONG".equals(c.async().ping().get(timeout.toMillis(), TimeUnit.MILLISECONDS))
                    && connection == c && tracking;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    /** A new connection, tracking off; null once closed. */
    private StatefulRedisConnection<String, String> connect() throws Exception {
        StatefulRedisConnection<String, String> c = client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture()
                .get(uri.getTimeout().toMillis(), TimeUnit.MILLISECONDS);
        c.addListener((PushListener) this::pushed);
        if (closed) {
            c.closeAsync();
            return null;
        }
        connection = c;
        return c;
    }

    /** {@code CLIENT TRACKING on BCAST}; a refusal closes the connection (retried at the next check). */
    private void trackingOn(StatefulRedisConnection<String, String> c) {
        try {
            c.async().clientTracking(TrackingArgs.Builder.enabled().bcast().prefixes(prefixes.toArray(new String[0])))
                    .get(PING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            drop(c);
            if (!refusedSaid) {
                refusedSaid = true;
                LOG.warning("sniper: Redis refused CLIENT TRACKING (" + RedisLink.describeChain(e) + "): cached cap blocks "
                        + "end at the next heartbeat instead of at once when a slot frees up");
            }
            return;
        }
        if (connection == c) {
            tracking = true;
            listener.trackingChanged(true);
        }
    }

    /** {@code CLIENT TRACKING off}: from now writes go unseen, so the listener drops what relied on them first. */
    private void trackingOff(StatefulRedisConnection<String, String> c) throws Exception {
        tracking = false;
        listener.trackingChanged(false);
        c.async().clientTracking(TrackingArgs.Builder.enabled(false)).get(PING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Closes a failed (or refusing) connection, then {@link Listener#trackingLost}: what the listener holds stays, since
     * Redis may be away, when nothing can free a slot; if it is not, the guard's next heartbeat drops it
     * ({@link #answers} is false), or tracking on a new connection does.
     */
    private void drop(StatefulRedisConnection<String, String> c) {
        tracking = false;
        connection = null;
        c.closeAsync();
        listener.trackingLost();
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
        tracking = false;
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
    }
}
