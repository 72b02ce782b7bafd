package io.ultrasignals.sniper.cli;

import java.util.List;

/**
 * README's bound ("When Redis is away", "The bound"), in the one place the demo states it. While Redis
 * is away each guard admits at most its share, which the guard itself reports (its {@code sniper_fallback_budget}
 * gauge: {@code floor((cap - c) / n)} from its last heartbeat view); the fleet admits at most the sum of the
 * shares. Because {@code c} is as old as the last heartbeat, the hour's count may pass the cap by what the fleet
 * admitted in that last heartbeat interval before the outage, and no more.
 *
 * @param shares              each guard's share of the hourly cap as it reported just before the outage
 * @param hourlyCap           the cap
 * @param redisCountAtOutage  the hour's count when Redis died: every admission reported before the outage
 * @param admittedInLastBeat  admissions in the last heartbeat interval before the outage
 */
record OutageBound(List<Long> shares, long hourlyCap, long redisCountAtOutage, long admittedInLastBeat) {
    /** What the fleet may admit while Redis is away: the sum of the shares the guards reported. */
    long fleetShare() {
        return shares.stream().mapToLong(Long::longValue).sum();
    }

    /**
     * README's bound on the hour's count over the whole episode: the cap plus what the last heartbeat before the
     * outage missed (the shares were sized on a count that old).
     */
    long readmeBound() {
        return hourlyCap + admittedInLastBeat;
    }
}
