package io.ultrasignals.sniper.script;

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
    StatusReply status(Long nowMillis);

    CountsReply release(String signalId);

    CountsReply credit(long hourBucket, long dayBucket, long n, String batchId);
}
