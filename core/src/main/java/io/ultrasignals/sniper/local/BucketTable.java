package io.ultrasignals.sniper.local;

/**
 * The counters of one window kind (hours or days), keyed by bucket number: an open-addressing table
 * of primitive keys, so a lookup neither builds a key string nor boxes a number. Every bucket has
 * an expiry on the engine clock, set when it is created and kept by later changes, as Redis keeps
 * a TTL across INCR and DECR. Expired buckets read as absent; they are dropped whenever the table
 * is about to grow, so it holds about as many entries as there are live buckets.
 *
 * <p>Not thread-safe: the engine's lock guards it.
 */
final class BucketTable {
    private static final int MIN_CAPACITY = 8;

    /** One bucket's count and the engine-clock millisecond after which it no longer exists. */
    static final class Bucket {
        long count;
        long expiresAt;

        Bucket(long count, long expiresAt) {
            this.count = count;
            this.expiresAt = expiresAt;
        }
    }

    private final long ttlMillis;
    private long[] numbers = new long[MIN_CAPACITY];
    private Bucket[] buckets = new Bucket[MIN_CAPACITY];
    private int size;

    BucketTable(long ttlMillis) {
        this.ttlMillis = ttlMillis;
    }

    /** The bucket if it exists at {@code clockNow}, else {@code null}. */
    Bucket live(long number, long clockNow) {
        Bucket bucket = buckets[slotOf(number)];
        return bucket != null && isLive(bucket, clockNow) ? bucket : null;
    }

    /** Creates the bucket with {@code count}, living {@code ttlMillis} from {@code clockNow}; it must not be live. */
    Bucket create(long number, long count, long clockNow) {
        int slot = slotOf(number);
        Bucket bucket = buckets[slot];
        if (bucket != null) {
            // An expired bucket of the same number: a Redis key created anew gets a fresh TTL.
            bucket.count = count;
            bucket.expiresAt = clockNow + ttlMillis;
            return bucket;
        }
        if ((size + 1) * 2 > numbers.length) {
            rebuild(clockNow);
            slot = slotOf(number);
        }
        bucket = new Bucket(count, clockNow + ttlMillis);
        numbers[slot] = number;
        buckets[slot] = bucket;
        size++;
        return bucket;
    }

    /**
     * The count of window {@code number} at {@code now} plus 1 when the sliding estimate has a fraction above
     * it: what a cap is compared with (fixed: the bucket's count; sliding: the exact estimate's ceiling).
     */
    long estimateAbove(long number, long now, long windowMillis, boolean sliding, long clockNow) {
        Bucket current = live(number, clockNow);
        long count = current == null ? 0 : current.count;
        if (!sliding) {
            return count;
        }
        Bucket previousBucket = live(number - 1, clockNow);
        long previous = previousBucket == null ? 0 : previousBucket.count;
        long elapsed = now - number * windowMillis;
        return count + LocalEngine.weightedPrevious(previous, windowMillis, elapsed)
                + (LocalEngine.weightedPreviousHasFraction(previous, windowMillis, elapsed) ? 1 : 0);
    }

    /** Whether any bucket is live at {@code clockNow}. */
    boolean anyLive(long clockNow) {
        for (Bucket b : buckets) {
            if (b != null && isLive(b, clockNow)) {
                return true;
            }
        }
        return false;
    }

    /** Entries held, live or not yet dropped. */
    int size() {
        return size;
    }

    private static boolean isLive(Bucket bucket, long clockNow) {
        // Redis treats a key as expired once now > its expiry time.
        return clockNow <= bucket.expiresAt;
    }

    /** The slot holding {@code number}, or the empty slot where it belongs. */
    private int slotOf(long number) {
        int mask = numbers.length - 1;
        int slot = mix(number) & mask;
        while (buckets[slot] != null && numbers[slot] != number) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    /** Drops expired buckets and sizes the table for the live ones plus one more. */
    private void rebuild(long clockNow) {
        long[] oldNumbers = numbers;
        Bucket[] oldBuckets = buckets;
        int live = 0;
        for (Bucket b : oldBuckets) {
            if (b != null && isLive(b, clockNow)) {
                live++;
            }
        }
        int capacity = MIN_CAPACITY;
        while ((live + 1) * 2 > capacity) {
            capacity *= 2;
        }
        numbers = new long[capacity];
        buckets = new Bucket[capacity];
        size = 0;
        for (int i = 0; i < oldBuckets.length; i++) {
            Bucket b = oldBuckets[i];
            if (b != null && isLive(b, clockNow)) {
                int slot = slotOf(oldNumbers[i]);
                numbers[slot] = oldNumbers[i];
                buckets[slot] = b;
                size++;
            }
        }
    }

    private static int mix(long number) {
        long h = number * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
