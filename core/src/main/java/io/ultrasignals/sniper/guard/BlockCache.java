package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.redis.KeyInvalidations;
import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.ScopeCap;
import io.ultrasignals.sniper.script.WindowMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Cap blocks from memory. Once Redis has answered "blocked by the hourly (or daily) cap of layer L until T", a
 * signal that would be decided by L is answered the same here, without a round trip, until T, or until something
 * may have freed a slot of L: then the entry is dropped and the next signal asks Redis again. An entry only ever
 * blocks; what admits is always Redis (or the fallback while Redis is away).
 *
 * <p>What drops entries ({@link #invalidate}):
 * <ul>
 *   <li>a write to one of the layer's bucket keys anywhere in the fleet (a release, a restore, a credit), as Redis
 *       reports it on the invalidation connection ({@link #invalidateKey}); a write to {@code <ns>:held},
 *       {@code <ns>:policy} or {@code <ns>:halt}, or a flush, drops every entry;</li>
 *   <li>the invalidation connection turning tracking on or off ({@link #trackingChanged}): writes may have gone, or
 *       will go, unseen;</li>
 *   <li>a heartbeat Redis answered while the invalidation connection did not answer a PING right after it
 *       ({@link #heartbeatAnswered}): the bound when that connection is down, refused or silent.</li>
 * </ul>
 * While Redis is away nothing drops entries except their end: no slot can be freed on Redis while nobody can
 * reach it, and the first heartbeat or tracking start after it comes back drops them.
 *
 * <p>Tracking is on only while it is wanted ({@link #wanted}: an entry held, or a block Redis answered while it was
 * off), since a push per write would cost Redis a reply per admitted decision. A block is kept only while tracking is
 * on, or where it is not to be had ({@link #trackingLost}: Cluster, refused, the connection down), bounded then by the
 * heartbeat; while tracking is merely off, blocks go to Redis until it is on (one check of the connection, at most
 * {@code KeyInvalidations.CHECK_INTERVAL} plus a round trip).
 *
 * <p>A reply can race an invalidation (they come on two connections): {@link #generation()} is read before the
 * call is sent and {@link #learn} keeps the block only if no invalidation of its layer (or of every layer) came
 * since; one that comes later drops it as any other. A write to another layer (an open signal's admission beside a
 * capped scope) does not spoil it.
 *
 * <p>Signal ids keep their meaning at this guard: an id this guard answered from memory, or Redis blocked by a
 * cap, gets the same decision back ({@code replayed}) until T, as Redis would; an id this guard saw decided
 * otherwise (admitted, MTF, by the fallback) is never answered from memory. Both records are bounded
 * ({@link #MAX_IDS}); when full, signals with an id go to Redis.
 *
 * <p>Not cached: MTF blocks, sliding windows (their estimate falls during the bucket with no write at all),
 * replays, anything not a cap. Times are Redis time in ms, given by the caller (no clock inside).
 */
final class BlockCache implements KeyInvalidations.Listener {
    /** The fleet's layer, as a block names it. */
    static final String FLEET = Decision.FLEET;
    /** A generation no reply was sent under: {@link #learn} keeps no block, only what an id's decision was. */
    static final long NEVER = -1;
    /** Entries end this long before T: the local estimate of Redis time may be a little ahead or behind. */
    static final long EARLY_MS = 50;
    /** Layers whose last drop is remembered; beyond, a drop of one counts as a drop of all (for replies in flight). */
    static final int MAX_DROPPED_LAYERS = 10_000;
    /** At most this many ids remembered (blocked, and decided elsewhere); beyond, ids go to Redis. */
    static final int MAX_IDS = 50_000;
    /** How long an admitted id's stored decision lives in Redis ({@code <ns>:op:<id>}: 172800 s). */
    private static final long ADMITTED_ID_MS = 172_800_000L;

    /** Whether writes are heard: a block is kept in {@code ON} and {@code HEARTBEAT_ONLY}, not in {@code OFF}. */
    private enum Tracking { ON, OFF, HEARTBEAT_ONLY }

    private record Block(Reason reason, long hourCount, long dayCount, long untilMillis) {}

    /** A remembered id: its decision (null when it must go to Redis) and until when the memory holds. */
    private record Remembered(Decision decision, long untilMillis) {}

    private final boolean enabled;
    private final String namespace;
    private final ConcurrentHashMap<String, Block> blocks = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Remembered> ids = new ConcurrentHashMap<>();
    /** When full ids were last pruned (Redis time). */
    private volatile long lastPrune;
    /** Bumped (under this) by every invalidation; read before a call is sent. */
    private volatile long generation;
    /** The generation of the latest drop of every entry, and of each layer's since (under this). */
    private long allDroppedAt;
    private final HashMap<String, Long> layerDroppedAt = new HashMap<>();
    /** Changed under this; heartbeat only until an invalidation connection says otherwise (none in a Cluster). */
    private volatile Tracking tracking = Tracking.HEARTBEAT_ONLY;
    /** A cap block came from Redis while tracking was off: tracking is wanted though nothing is held. */
    private final AtomicBoolean blockUnkept = new AtomicBoolean();

    /**
     * @param enabled   false: never answers (sliding windows, no Redis)
     * @param namespace the key namespace, for {@link #invalidateKey}
     */
    BlockCache(boolean enabled, String namespace) {
        this.enabled = enabled;
        this.namespace = namespace;
    }

    static BlockCache forPolicy(WindowMode window, boolean redis, String namespace) {
        return new BlockCache(redis && window == WindowMode.FIXED, namespace);
    }

    /** The layers a signal with these arguments is decided by, in the script's order: the fleet, then its scopes. */
    static List<String> layersOf(AcquireArgs args) {
        if (args.scopes().isEmpty()) {
            return List.of(FLEET);
        }
        List<String> layers = new ArrayList<>(1 + args.scopes().size());
        layers.add(FLEET);
        for (ScopeCap scope : args.scopes()) {
            layers.add(scope.scope());
        }
        return layers;
    }

    /**
     * The block Redis would answer for these arguments now, from memory; null to ask Redis. Decided with the
     * arguments' own caps (a guard's caps do not change while it runs).
     */
    Decision answer(AcquireArgs args, long now) {
        return answer(args, () -> now);
    }

    /** As {@link #answer(AcquireArgs, long)}; the clock is read only when an entry or a remembered id may apply. */
    Decision answer(AcquireArgs args, LongSupplier clock) {
        if (!enabled || blocks.isEmpty() && (args.signalId() == null || ids.isEmpty())) {
            return null;
        }
        if (args.mtfRequired() && !args.mtfConfirmed()) {
            return null;   // Redis answers MTF first; an MTF block is not a cap's
        }
        String id = args.signalId();
        long now = Long.MIN_VALUE;
        if (id != null) {
            Remembered r = ids.get(id);
            if (r != null) {
                now = clock.getAsLong();
                if (now < r.untilMillis()) {
                    return r.decision() == null ? null : replayOf(r.decision());
                }
            }
        }
        for (String layer : layersOf(args)) {
            Block b = blocks.get(layer);
            if (b == null) {
                continue;
            }
            if (now == Long.MIN_VALUE) {
                now = clock.getAsLong();
            }
            if (now >= b.untilMillis()) {
                blocks.remove(layer, b);
                continue;
            }
            long retry = b.untilMillis() + EARLY_MS - now;
            Decision d = Decision.blockedByCap(b.reason(), Backend.CACHE, b.hourCount(), b.dayCount(), retry, now, false)
                    .withLayer(layer);
            if (id != null && !remember(id, new Remembered(d, b.untilMillis()), now)) {
                return null;   // too many ids to remember: Redis keeps this one
            }
            return d;
        }
        return null;
    }

    /** Read before a call goes to Redis; passed back to {@link #learn}. */
    long generation() {
        return generation;
    }

    /**
     * Takes in what Redis (or, for ids, the fallback) decided for {@code args}. A cap block sent under
     * {@code sentAtGeneration} becomes an entry if no invalidation came since.
     */
    void learn(AcquireArgs args, Decision d, long sentAtGeneration) {
        if (!enabled) {
            return;
        }
        boolean capBlock = d.backend() == Backend.REDIS && !d.replayed() && d.retryAfterMillis() > 0
                && (d.reason() == Reason.SNIPER_HOURLY_CAP || d.reason() == Reason.SNIPER_DAILY_CAP);
        String id = args.signalId();
        long until = d.serverTimeMillis() + d.retryAfterMillis() - EARLY_MS;
        if (id != null && !d.replayed()) {
            // Redis stores a cap block until T and replays it: so does this guard. Anything else goes to Redis again.
            remember(id, capBlock ? new Remembered(d, until) : new Remembered(null, d.serverTimeMillis() + ADMITTED_ID_MS),
                    d.serverTimeMillis());
        }
        if (!capBlock || until <= d.serverTimeMillis()) {
            return;
        }
        String layer = layerOf(d);
        synchronized (this) {
            if (tracking == Tracking.OFF) {
                blockUnkept.set(true);   // asked for: tracking comes on at the connection's next check
            } else if (sentAtGeneration >= allDroppedAt && sentAtGeneration >= layerDroppedAt.getOrDefault(layer, 0L)) {
                blocks.merge(layer, new Block(d.reason(), d.hourCount(), d.dayCount(), until),
                        (old, now) -> now.untilMillis() >= old.untilMillis() ? now : old);
            }
        }
    }

    /** An id this guard decided without Redis's stored decision (the fallback): never answered from memory. */
    void decidedElsewhere(String signalId, long now) {
        if (enabled && signalId != null) {
            remember(signalId, new Remembered(null, now + ADMITTED_ID_MS), now);
        }
    }

    /** Drops the entries of {@code layer} ({@code null}: every entry); replies sent before are not kept. */
    synchronized void invalidate(String layer) {
        generation++;
        if (layer == null || layerDroppedAt.size() >= MAX_DROPPED_LAYERS) {
            allDroppedAt = generation;
            layerDroppedAt.clear();
        }
        if (layer == null) {
            blocks.clear();
        } else {
            layerDroppedAt.put(layer, generation);
            blocks.remove(layer);
        }
    }

    /** Redis says {@code key} changed ({@code null}: the database was flushed): drops what it may free. */
    @Override
    public void invalidated(String key) {
        invalidateKey(key);
    }

    /** As {@link #invalidated}. */
    void invalidateKey(String key) {
        invalidate(key == null ? null : layerOfKey(key));
    }

    /** The layer whose slots a write to {@code key} may free; null for every layer (held, policy, halt, other). */
    String layerOfKey(String key) {
        String p = namespace + ":";
        if (key.startsWith(p + "hour:") || key.startsWith(p + "day:")) {
            return FLEET;
        }
        if (key.startsWith(p + "scope:")) {
            // <ns>:scope:<dimension>=<value>:hour:<bucket>; a value may hold ':', so cut from the end.
            int bucket = key.lastIndexOf(':');
            int window = bucket > 0 ? key.lastIndexOf(':', bucket - 1) : -1;
            int start = (p + "scope:").length();
            if (window > start) {
                return key.substring(start, window);
            }
        }
        return null;
    }

    /** The key prefixes whose writes may free a slot: what the invalidation connection subscribes to. */
    static List<String> trackedPrefixes(String namespace) {
        List<String> prefixes = new ArrayList<>();
        for (String suffix : List.of("hour:", "day:", "scope:", "held", "policy", "halt")) {
            prefixes.add(namespace + ":" + suffix);
        }
        return prefixes;
    }

    /**
     * Tracking went on (anything written before may have gone unseen) or off (writes from now go unseen): every
     * entry goes, and blocks are kept from now only if it is on.
     */
    @Override
    public synchronized void trackingChanged(boolean on) {
        tracking = on ? Tracking.ON : Tracking.OFF;
        invalidate(null);
    }

    /**
     * No tracking to be had for now (refused, the connection down or not yet made): entries stay, since Redis may be
     * away and then nothing can free a slot, and blocks are kept under the heartbeat's bound ({@link
     * #heartbeatAnswered}) until tracking comes on again.
     */
    @Override
    public synchronized void trackingLost() {
        tracking = Tracking.HEARTBEAT_ONLY;
    }

    /** True while an entry is held, or Redis answered a block since the last ask while tracking was off. */
    @Override
    public boolean wanted() {
        return !blocks.isEmpty() | blockUnkept.getAndSet(false);
    }

    /**
     * Redis answered a heartbeat; {@code trackingProven}: the invalidation connection then answered a PING, so every
     * push for a write before it has arrived (one ordered stream). Otherwise one may have been missed (connection
     * down, refused, silent): every entry goes. This is the bound without tracking: one heartbeat interval.
     */
    void heartbeatAnswered(boolean trackingProven) {
        if (!trackingProven) {
            invalidate(null);
        }
    }

    boolean enabled() {
        return enabled;
    }

    /** Entries held now (for tests and status). */
    int size() {
        return blocks.size();
    }

    private static String layerOf(Decision d) {
        return d.layer() == null || d.layer().isEmpty() ? FLEET : d.layer();
    }

    private static Decision replayOf(Decision d) {
        return new Decision(d.allowed(), d.reason(), d.hourCount(), d.dayCount(), d.retryAfterMillis(),
                d.serverTimeMillis(), d.backend() == Backend.REDIS ? Backend.CACHE : d.backend(), true, false, null,
                d.layer());
    }

    /** True if {@code id} is remembered (or was already); false when full even after dropping expired ids. */
    private boolean remember(String id, Remembered r, long now) {
        if (ids.size() >= MAX_IDS) {
            // Full: drop what has expired, at most once a second (a full scan per signal would cost more than Redis).
            long last = lastPrune;
            if (now - last >= 1000 || now < last) {
                lastPrune = now;
                ids.values().removeIf(old -> old.untilMillis() <= now);
            }
            if (ids.size() >= MAX_IDS) {
                return ids.containsKey(id);
            }
        }
        ids.put(id, r);
        return true;
    }
}
