package io.ultrasignals.sniper;

/**
 * What a guard knows now, for the {@code status} command and the health endpoint.
 *
 * @param hourCount         current hour bucket (from Redis when reachable, else the local view)
 * @param dayCount          current day bucket
 * @param hourTtlMillis     TTL of the hour key, -2 when absent, -1 when unknown (local)
 * @param dayTtlMillis      TTL of the day key
 * @param hourlyCap         configured cap, 0 = none
 * @param dailyCap          configured cap, 0 = none
 * @param backend           what decides now
 * @param breakerState      the circuit breaker's state (CLOSED, OPEN, HALF_OPEN, ...), or NONE without Redis
 * @param clockOffsetMillis local clock minus Redis clock
 * @param liveGuards        guards sharing the namespace, as last seen in Redis (0 = unknown)
 * @param pendingCredits    admissions made locally and not yet credited to Redis
 */
public record GuardStatus(long hourCount, long dayCount, long hourTtlMillis, long dayTtlMillis, long hourlyCap,
                          long dailyCap, Backend backend, String breakerState, long clockOffsetMillis, long liveGuards,
                          long pendingCredits) {}
