package io.ultrasignals.sniper.cli;

import java.util.Arrays;

/** Latency samples in nanoseconds, and their percentiles in microseconds. */
final class Latencies {
    private long[] samples = new long[1024];
    private int size;

    synchronized void add(long nanos) {
        if (size == samples.length) {
            samples = Arrays.copyOf(samples, size * 2);
        }
        samples[size++] = nanos;
    }

    synchronized void addAll(Latencies other) {
        synchronized (other) {
            for (int i = 0; i < other.size; i++) {
                add(other.samples[i]);
            }
        }
    }

    synchronized int count() {
        return size;
    }

    /** The q-quantile (0..1) in microseconds, nearest rank; 0 without samples. */
    synchronized double micros(double q) {
        if (size == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(samples, size);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * size) - 1;
        return sorted[Math.max(0, Math.min(size - 1, rank))] / 1000.0;
    }

    String summary() {
        return String.format("p50 %.0f us  p90 %.0f us  p99 %.0f us  p99.9 %.0f us  max %.0f us",
                micros(0.5), micros(0.9), micros(0.99), micros(0.999), micros(1.0));
    }
}
