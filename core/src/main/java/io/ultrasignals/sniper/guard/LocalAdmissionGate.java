package io.ultrasignals.sniper.guard;

/**
 * Whether a local admission now is one Redis already holds back (lua/README.md, "Recovery"): a guard
 * admits locally only during an outage (a Redis call failed since it last told Redis it is on Redis) and
 * only once Redis must be holding its share — its heartbeat has lapsed there ({@code wait} after the
 * latest moment its last {@code redis} heartbeat could have run, long enough for another guard's heartbeat
 * to have recomputed what acquire holds back), or Redis applied its {@code local} heartbeat. Before that a
 * fallback decision blocks: a guard cut off alone must not admit what the others, still on Redis, cannot see.
 * Times are Redis time in ms, given by the caller (no clock inside).
 */
final class LocalAdmissionGate {
    private final long waitMillis;
    private volatile boolean outage;
    private volatile long openFromMillis;

    /** @param waitMillis heartbeat ttl + 2 heartbeat intervals + the decision timeout */
    LocalAdmissionGate(long waitMillis) {
        this.waitMillis = waitMillis;
    }

    /** A Redis call failed: an outage may have begun. */
    void redisFailed() {
        outage = true;
    }

    /** About to send a {@code redis} heartbeat at {@code redisNow}: from here Redis may count this guard as on Redis. */
    void sendingRedisBeat(long redisNow) {
        outage = false;
        openFromMillis = redisNow + waitMillis;
    }

    /** Redis applied a {@code local} heartbeat: it holds this guard's share until a {@code redis} one. */
    void localBeatApplied() {
        openFromMillis = 0;
    }

    boolean mayAdmit(long redisNow) {
        return outage && redisNow >= openFromMillis;
    }

    /** Redis time from which local admissions may resume (0: now, once in an outage). */
    long openFromMillis() {
        return openFromMillis;
    }
}
