package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.redis.RedisFailure;

/**
 * Events a guard reports, for metrics and logs. Called on the decision path: implementations must be
 * quick. One that throws is logged (rate-limited) and ignored: it changes no decision and never reaches the runner.
 */
public interface GuardListener {
    GuardListener NONE = new GuardListener() {};

    /** One decision, and how long it took end to end. */
    default void onDecision(Decision decision, long nanos) {}

    /** A Redis call failed (a decision, heartbeat, credit or release). */
    default void onRedisFailure(RedisFailure failure) {}

    /** A script was missing on the server (restart, failover, SCRIPT FLUSH) and was sent again. */
    default void onScriptReload() {}

    /** Admissions made locally during an outage were credited to Redis. */
    default void onReconciled(long admissions) {}

    /**
     * A new Redis server holds less than this guard saw acknowledged before it took over (a failover to a replica
     * that was behind, a restart that lost writes): this guard's figure of the loss, once per server.
     */
    default void onRedisLoss(long hourLost, long dayLost) {}

    /** This guard's heartbeat put back admissions a new Redis server had lost (part or all of a loss). */
    default void onRedisRollback(long hourRestored, long dayRestored) {}

    /** Decisions moved from one backend to another (to the fallback, and back to Redis). */
    default void onBackendChange(Backend from, Backend to, String cause) {}
}
