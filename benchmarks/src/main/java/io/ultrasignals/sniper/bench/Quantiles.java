package io.ultrasignals.sniper.bench;

/** Quantiles of sorted latency samples. */
final class Quantiles {
    private Quantiles() {}

    /** The q-quantile of sorted samples (nearest rank). */
    static long at(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
    }
}
