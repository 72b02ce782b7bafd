package io.ultrasignals.sniper.redis;

/**
 * Estimate of (local clock - Redis clock) in ms, from the server time every reply carries. The
 * reply's time is taken to fall in the middle of the round trip; the estimate with the shortest
 * round trip in the recent past wins, since its error bound (half the round trip) is smallest.
 */
public final class ClockOffset {
    /** How long a good sample stays preferred over newer, noisier ones. */
    private static final long SAMPLE_LIFETIME_MS = 60_000;

    // Read on every decision (volatile, no lock); written under the lock by observe.
    private volatile long offsetMillis;
    private volatile boolean known;
    private long bestRoundTripMillis = Long.MAX_VALUE;
    private long bestSampleAtMillis;

    /** Records one reply: local send and receive times and the server's time. */
    public synchronized void observe(long sentAtMillis, long receivedAtMillis, long serverTimeMillis) {
        long roundTrip = Math.max(0, receivedAtMillis - sentAtMillis);
        boolean stale = receivedAtMillis - bestSampleAtMillis > SAMPLE_LIFETIME_MS;
        if (!known || stale || roundTrip <= bestRoundTripMillis) {
            offsetMillis = (sentAtMillis + receivedAtMillis) / 2 - serverTimeMillis;
            bestRoundTripMillis = roundTrip;
            bestSampleAtMillis = receivedAtMillis;
            known = true;
        }
    }

    /** Local minus Redis, in ms; 0 until the first reply. */
    public long offsetMillis() {
        return offsetMillis;
    }

    public boolean known() {
        return known;
    }

    /** The local clock corrected to Redis time. */
    public long redisNow(long localNowMillis) {
        return localNowMillis - offsetMillis();
    }
}
