package io.ultrasignals.sniper.redis;

import io.ultrasignals.sniper.script.Clock;

/**
 * Estimate of (local clock - Redis clock) in ms, from the server time every reply carries. The
 * reply's time is taken to fall in the middle of the round trip; the estimate with the shortest
 * round trip in the recent past wins, since its error bound (half the round trip) is smallest.
 * The local clock is injected ({@link Clock#SYSTEM} by default), so Redis time is read through here only.
 */
public final class ClockOffset {
    /** How long a good sample stays preferred over newer, noisier ones. */
    private static final long SAMPLE_LIFETIME_MS = 60_000;

    // Read on every decision (volatile, no lock); written under the lock by observe.
    private volatile long offsetMillis;
    private volatile boolean known;
    private long bestRoundTripMillis = Long.MAX_VALUE;
    private long bestSampleAtMillis;
    private final Clock localClock;

    /** An estimate on the system clock. */
    public ClockOffset() {
        this(Clock.SYSTEM);
    }

    public ClockOffset(Clock localClock) {
        this.localClock = localClock;
    }

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

    /** Redis time now, as far as this process knows it: the local clock corrected by the estimate. */
    public long redisNow() {
        return redisNow(localClock.millis());
    }

    /** The local clock, uncorrected. */
    public long localNow() {
        return localClock.millis();
    }
}
