package io.ultrasignals.sniper.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/** The two ways the benchmark mains time calls: alternated on one thread, and from many threads at once. */
final class Phases {
    private Phases() {}

    /** What many threads did in one phase: calls per second, and every call's latency (sorted nanos). */
    record Load(double perSecond, long[] sortedNanos) {
        double p50Micros() {
            return Quantiles.at(sortedNanos, 0.5) / 1000.0;
        }

        double p99Micros() {
            return Quantiles.at(sortedNanos, 0.99) / 1000.0;
        }
    }

    /** Sorted nanos of each call, the calls alternated on one thread (the order rotated every step). */
    static long[][] alternated(List<Runnable> calls, int n) {
        long[][] nanos = new long[calls.size()][n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < calls.size(); k++) {
                int j = (i + k) % calls.size();
                long start = System.nanoTime();
                calls.get(j).run();
                nanos[j][i] = System.nanoTime() - start;
            }
        }
        for (long[] x : nanos) {
            Arrays.sort(x);
        }
        return nanos;
    }

    /** {@code threads} threads calling {@code call} back to back for {@code seconds}; every call timed. */
    static Load concurrent(Runnable call, int threads, double seconds) {
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        long[][] perThread = new long[threads][];
        int[] counts = new int[threads];
        for (int i = 0; i < threads; i++) {
            int id = i;
            Thread t = new Thread(() -> {
                long[] nanos = new long[4096];
                int n = 0;
                ready.countDown();
                awaitQuietly(go);
                while (!stop.get()) {
                    long start = System.nanoTime();
                    call.run();
                    if (n == nanos.length) {
                        nanos = Arrays.copyOf(nanos, n * 2);
                    }
                    nanos[n++] = System.nanoTime() - start;
                }
                perThread[id] = nanos;
                counts[id] = n;
            }, "bench-" + i);
            t.start();
            workers.add(t);
        }
        awaitQuietly(ready);
        long start = System.nanoTime();
        go.countDown();
        sleepQuietly((long) (seconds * 1000));
        stop.set(true);
        for (Thread t : workers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        long elapsed = System.nanoTime() - start;
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int at = 0;
        for (int i = 0; i < threads; i++) {
            System.arraycopy(perThread[i], 0, all, at, counts[i]);
            at += counts[i];
        }
        Arrays.sort(all);
        return new Load(total / (elapsed / 1e9), all);
    }

    static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
