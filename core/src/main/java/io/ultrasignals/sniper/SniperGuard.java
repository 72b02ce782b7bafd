package io.ultrasignals.sniper;

import java.util.concurrent.CompletionStage;

/**
 * May this signal go out? One guard per process, shared by every thread; each decision costs about
 * one Redis round trip and never waits longer than the decision timeout. When Redis is unavailable the
 * configured fallback decides (see README, Fallback). Build one with {@link SniperGuards}.
 */
public interface SniperGuard extends AutoCloseable {
    /** Decides one signal and, if admitted, counts it. Never throws for Redis trouble. */
    Decision acquire(Signal signal);

    CompletionStage<Decision> acquireAsync(Signal signal);

    /** Gives back the slot of an admitted signal (an order the exchange refused), once. */
    Release release(String signalId);

    CompletionStage<Release> releaseAsync(String signalId);

    /** Counts, TTLs, caps and the backend deciding now. */
    GuardStatus status();

    /** Stops background work and closes the Redis connection. */
    @Override
    void close();
}
