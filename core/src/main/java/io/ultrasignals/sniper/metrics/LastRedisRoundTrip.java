package io.ultrasignals.sniper.metrics;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import java.util.OptionalDouble;

/** How long the newest decision Redis made took, and when it finished: the health report's view of Redis. */
final class LastRedisRoundTrip {
    private volatile long nanos = -1;
    private volatile long atNanos;

    void observe(Decision d, long tookNanos) {
        if (d.backend() == Backend.REDIS) {
            atNanos = System.nanoTime();
            nanos = tookNanos;
        }
    }

    /** Seconds the newest Redis decision took; empty before the first. */
    OptionalDouble seconds() {
        long n = nanos;
        return n < 0 ? OptionalDouble.empty() : OptionalDouble.of(n / 1e9);
    }

    /** Seconds since the newest Redis decision; empty before the first. */
    OptionalDouble ageSeconds() {
        return nanos < 0 ? OptionalDouble.empty() : OptionalDouble.of((System.nanoTime() - atNanos) / 1e9);
    }
}
