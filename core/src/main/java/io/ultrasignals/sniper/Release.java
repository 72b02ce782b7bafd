package io.ultrasignals.sniper;

/**
 * The answer to {@link SniperGuard#release}.
 *
 * @param released  the slot was given back (false: unknown id, blocked, already released)
 * @param hourCount the count of the hour bucket the signal was counted in, afterwards
 * @param dayCount  the count of its day bucket, afterwards
 * @param backend   what released it; {@link Backend#LOCAL} with {@code queued} while Redis is away
 * @param queued    Redis was unavailable: the release is kept and applied when it is back
 */
public record Release(boolean released, long hourCount, long dayCount, Backend backend, boolean queued) {}
