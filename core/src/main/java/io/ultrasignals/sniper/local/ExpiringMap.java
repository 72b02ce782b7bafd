package io.ultrasignals.sniper.local;

import java.util.HashMap;
import java.util.PriorityQueue;

/**
 * String-keyed entries with an expiry on the engine clock, like the {@code op:} and {@code credit:}
 * keys the scripts write with {@code PX}. Each entry has its own TTL (a blocked decision lives until
 * its bucket ends, an admitted one 48 h), so expiry order is not insertion order: a queue ordered by
 * expiry time lets {@link #put} drop every expired entry, soonest first, and stop at the first live
 * one, which keeps the map as small as the live entries at O(log n) per entry.
 *
 * <p>Not thread-safe: the engine's lock guards it.
 */
final class ExpiringMap<V> {
    private static final class Slot<V> {
        final String key;
        final V value;
        final long expiresAt;

        Slot(String key, V value, long expiresAt) {
            this.key = key;
            this.value = value;
            this.expiresAt = expiresAt;
        }
    }

    private final HashMap<String, Slot<V>> slots = new HashMap<>();
    private final PriorityQueue<Slot<V>> byExpiry = new PriorityQueue<>((a, b) -> Long.compare(a.expiresAt, b.expiresAt));

    /** The value if its entry exists at {@code clockNow}, else {@code null}. */
    V get(String key, long clockNow) {
        Slot<V> slot = slots.get(key);
        return slot != null && clockNow <= slot.expiresAt ? slot.value : null;
    }

    /** Stores {@code value} for {@code ttlMillis} from {@code clockNow}, replacing an expired entry of that key. */
    void put(String key, V value, long clockNow, long ttlMillis) {
        removeExpired(clockNow);
        Slot<V> slot = new Slot<>(key, value, clockNow + ttlMillis);
        slots.put(key, slot);
        byExpiry.add(slot);
    }

    /** Entries held, live or not yet dropped. */
    int size() {
        return slots.size();
    }

    private void removeExpired(long clockNow) {
        for (Slot<V> soonest = byExpiry.peek(); soonest != null && clockNow > soonest.expiresAt; soonest = byExpiry.peek()) {
            byExpiry.poll();
            // A key stored again after expiry has a newer slot: only its own slot removes it.
            slots.remove(soonest.key, soonest);
        }
    }
}
