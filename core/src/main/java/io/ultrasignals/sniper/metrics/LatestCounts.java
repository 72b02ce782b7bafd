package io.ultrasignals.sniper.metrics;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;

/**
 * The hour and day counts of the newest decision that counted (Redis or the local engine), for the
 * gauges: they come from the replies decisions already carry, so a scrape costs no Redis call.
 * Decisions finish out of order on many threads; the one with the newest server time wins.
 */
final class LatestCounts {
    private long serverTimeMillis = Long.MIN_VALUE;
    private long hourCount;
    private long dayCount;

    /** Ignores decisions that carry no counts: replays, and those of allow, deny and off. */
    void observe(Decision d) {
        if (d.replayed() || (d.backend() != Backend.REDIS && d.backend() != Backend.LOCAL)) {
            return;
        }
        synchronized (this) {
            if (d.serverTimeMillis() >= serverTimeMillis) {
                serverTimeMillis = d.serverTimeMillis();
                hourCount = d.hourCount();
                dayCount = d.dayCount();
            }
        }
    }

    synchronized long hourCount() {
        return hourCount;
    }

    synchronized long dayCount() {
        return dayCount;
    }
}
