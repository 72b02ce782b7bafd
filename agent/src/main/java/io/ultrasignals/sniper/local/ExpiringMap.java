package io.ultrasignals.sniper.local;

import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * String-keyed entries with an expiry on the engine clock, like the {@code op:} and {@code credit:}
 * keys the scripts write with a fixed TTL. All entries of one map share that TTL and are never
 * extended, so insertion order is expiry order: {@link #put} drops expired entries from the oldest
 * end and stops at the first live one, which keeps the map as small as the live entries at a cost
 * proportional to what it drops.
 *
 * <p>Not thread-safe: the engine's lock guards it.
 */
final class ExpiringMap<V> {
    private static final class Slot<V> {
        final V value;
        final long expiresAt;

        Slot(V value, long expiresAt) {
            this.value = value;
            this.expiresAt = expiresAt;
        }
    }

    private final long ttlMillis;
    private final LinkedHashMap<String, Slot<V>> slots = new LinkedHashMap<>();

    ExpiringMap(long ttlMillis) {
        this.ttlMillis = ttlMillis;
    }

    /** The value if its entry exists at {@code clockNow}, else {@code null}. */
    V get(String key, long clockNow) {
        Slot<V> slot = slots.get(key);
        return slot != null && clockNow <= slot.expiresAt ? slot.value : null;
    }

    /** Stores {@code value} for the TTL from {@code clockNow}, replacing an expired entry of that key. */
    void put(String key, V value, long clockNow) {
        removeExpired(clockNow);
        // Re-inserting moves the key to the young end, where its new expiry belongs.
        slots.remove(key);
        slots.put(key, new Slot<>(value, clockNow + ttlMillis));
    }

    /** Entries held, live or not yet dropped. */
    int size() {
        return slots.size();
    }

    private void removeExpired(long clockNow) {
        Iterator<Slot<V>> oldestFirst = slots.values().iterator();
        while (oldestFirst.hasNext() && clockNow > oldestFirst.next().expiresAt) {
            oldestFirst.remove();
        }
    }
}
