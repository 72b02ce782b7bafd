package io.ultrasignals.sniper.script;

/**
 * Wall-clock time in epoch ms: the one time source of the guard's rules (shares, episodes, the local
 * admission gate, the clock offset to Redis, the local engine's buckets). {@link #SYSTEM} in production;
 * tests pass a clock they move by hand, so those rules run without Redis and without sleeping.
 * Durations (latency, call deadlines) are measured with {@link System#nanoTime()} and are not a clock's job.
 */
@FunctionalInterface
public interface Clock {
    Clock SYSTEM = System::currentTimeMillis;

    long millis();
}
