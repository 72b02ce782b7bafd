package io.ultrasignals.sniper.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The endpoint's worker threads: few, daemon, with a short queue, and a deadline per exchange.
 *
 * <p>The JDK server reads a request on the worker thread, without a timeout unless the whole JVM
 * sets {@code sun.net.httpserver.maxReqTime} (which an agent inside someone else's process should not
 * change). So a client that sends half a request and stops would hold a worker forever. A watchdog
 * interrupts a worker whose exchange has run past the deadline; the server's blocking channel read
 * is interruptible, so the connection closes and the worker takes the next exchange. A full queue
 * rejects the exchange, and the JDK server then drops that connection: the scraper retries next
 * interval, and the runner's process is not touched.
 */
final class ExchangeExecutor implements Executor, AutoCloseable {
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService watchdog;
    private final long deadlineNanos;
    /** Worker thread -> when its current exchange started. */
    private final Map<Thread, Long> running = new ConcurrentHashMap<>();

    ExchangeExecutor(int threads, int queue, Duration deadline) {
        this.deadlineNanos = deadline.toNanos();
        this.workers = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(queue), daemon("sniper-metrics-http-"), new ThreadPoolExecutor.AbortPolicy()) {
            @Override
            protected void beforeExecute(Thread t, Runnable r) {
                running.put(t, System.nanoTime());
            }

            @Override
            protected void afterExecute(Runnable r, Throwable failure) {
                synchronized (running) {
                    running.remove(Thread.currentThread());
                    // An interrupt aimed at the exchange that just ended must not hit the next one.
                    Thread.interrupted();
                }
            }
        };
        this.watchdog = Executors.newSingleThreadScheduledExecutor(daemon("sniper-metrics-watchdog-"));
        long period = Math.max(50, deadline.toMillis() / 4);
        watchdog.scheduleWithFixedDelay(this::interruptOverdue, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public void execute(Runnable exchange) {
        workers.execute(exchange);
    }

    private void interruptOverdue() {
        long now = System.nanoTime();
        synchronized (running) {
            running.forEach((thread, started) -> {
                if (now - started > deadlineNanos) {
                    thread.interrupt();
                }
            });
        }
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
        workers.shutdownNow();
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
