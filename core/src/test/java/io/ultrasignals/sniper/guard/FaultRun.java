package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Threads deciding against guards while a test does something to Redis. Records every decision's
 * outcome, backend, completion time and latency, and every exception (there must be none).
 */
final class FaultRun implements AutoCloseable {
    record Outcome(boolean allowed, Backend backend, long completedAtNanos, long latencyNanos) {}

    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Throwable> exceptions = new ConcurrentLinkedQueue<>();
    private final AtomicLong ids = new AtomicLong();

    /** Starts {@code threadsPerGuard} threads on each guard; with ids, every signal has a unique id. */
    FaultRun(List<SniperGuard> guards, int threadsPerGuard, boolean withIds, long pauseMillis) {
        this(guards, threadsPerGuard, withIds, pauseMillis, "sig-");
    }

    /** As above, with ids {@code <idPrefix><n>}: runs that share a namespace need distinct prefixes. */
    FaultRun(List<SniperGuard> guards, int threadsPerGuard, boolean withIds, long pauseMillis, String idPrefix) {
        for (SniperGuard guard : guards) {
            for (int t = 0; t < threadsPerGuard; t++) {
                Thread thread = new Thread(() -> {
                    while (running.get()) {
                        long start = System.nanoTime();
                        try {
                            Signal signal = withIds ? Signal.withId(idPrefix + ids.incrementAndGet(), true) : Signal.of(true);
                            Decision d = guard.acquire(signal);
                            long end = System.nanoTime();
                            outcomes.add(new Outcome(d.allowed(), d.backend(), end, end - start));
                        } catch (Throwable e) {
                            exceptions.add(e);
                        }
                        if (pauseMillis > 0) {
                            try {
                                Thread.sleep(pauseMillis);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    }
                }, "fault-run-" + threads.size());
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
        }
    }

    void stop() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(10_000);
        }
    }

    List<Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    List<Throwable> exceptions() {
        return List.copyOf(exceptions);
    }

    long admitted() {
        return outcomes.stream().filter(Outcome::allowed).count();
    }

    long admittedBy(Backend backend) {
        return outcomes.stream().filter(o -> o.allowed() && o.backend() == backend).count();
    }

    long admittedByAfter(Backend backend, long nanos) {
        return outcomes.stream().filter(o -> o.allowed() && o.backend() == backend && o.completedAtNanos() > nanos).count();
    }

    long maxLatencyMillis() {
        return outcomes.stream().mapToLong(Outcome::latencyNanos).max().orElse(0) / 1_000_000;
    }

    Map<Backend, Long> decisionsByBackend() {
        Map<Backend, Long> m = new EnumMap<>(Backend.class);
        for (Outcome o : outcomes) {
            m.merge(o.backend(), 1L, Long::sum);
        }
        return m;
    }

    int decisions() {
        return outcomes.size();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
