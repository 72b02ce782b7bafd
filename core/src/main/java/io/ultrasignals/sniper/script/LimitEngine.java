package io.ultrasignals.sniper.script;

import java.util.List;

/**
 * The four v1 calls, against one namespace. Implemented by the Redis engine (EVALSHA of the Lua
 * scripts) and by the local fallback engine; {@code lua/test-vectors.json} holds both to the same
 * answers.
 *
 * <p>Argument errors and corrupt data surface as {@link ScriptException} with the script's
 * {@code ERR sniper:} message.
 */
public interface LimitEngine {
    AcquireReply acquire(AcquireArgs args);

    /** @param nowMillis epoch ms, or {@code null} for the engine's clock */
    default StatusReply status(Long nowMillis) {
        return status(nowMillis, List.of());
    }

    /**
     * The fleet's current buckets and each scope's.
     *
     * @param nowMillis epoch ms, or {@code null} for the engine's clock
     * @param scopes    {@code <dimension>=<value>}, at most 8 (values of one dimension may repeat: a read)
     */
    StatusReply status(Long nowMillis, List<String> scopes);

    CountsReply release(String signalId);

    default CountsReply credit(long hourBucket, long dayBucket, long n, String batchId) {
        return credit(hourBucket, dayBucket, n, batchId, List.of());
    }

    /** Adds {@code n} to the fleet's buckets and to each of {@code scopes}' (at most 8, one per dimension), once per batch. */
    CountsReply credit(long hourBucket, long dayBucket, long n, String batchId, List<String> scopes);
}
