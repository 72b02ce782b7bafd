package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.redis.RedisFailure;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A {@link GuardListener} whose every call is isolated: whatever the wrapped listener throws is logged and
 * dropped, so a bug in metrics or logging never changes a decision, never reaches a runner and never stops the
 * heartbeat thread. The guard is built with one of these around the listener it is given ({@link SniperRuntime}).
 *
 * <p>Logging is rate-limited per listener method and exception class: the first failure with its stack trace,
 * then at most one line per {@link #REPEAT_INTERVAL_NANOS} saying how many more there were.
 */
final class IsolatedListener implements GuardListener {
    private static final Logger LOG = Logger.getLogger(IsolatedListener.class.getName());
    static final long REPEAT_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final GuardListener delegate;
    private final LongSupplier nanoClock;
    private final Map<String, FailureLog> failures = new ConcurrentHashMap<>();

    IsolatedListener(GuardListener delegate, LongSupplier nanoClock) {
        this.delegate = delegate;
        this.nanoClock = nanoClock;
    }

    /** {@code listener} isolated; {@link GuardListener#NONE} and an already isolated listener as they are. */
    static GuardListener isolate(GuardListener listener) {
        if (listener == GuardListener.NONE || listener instanceof IsolatedListener) {
            return listener;
        }
        return new IsolatedListener(listener, System::nanoTime);
    }

    @Override
    public void onDecision(Decision decision, long nanos) {
        isolated("onDecision", () -> delegate.onDecision(decision, nanos));
    }

    @Override
    public void onRedisFailure(RedisFailure failure) {
        isolated("onRedisFailure", () -> delegate.onRedisFailure(failure));
    }

    @Override
    public void onScriptReload() {
        isolated("onScriptReload", delegate::onScriptReload);
    }

    @Override
    public void onReconciled(long admissions) {
        isolated("onReconciled", () -> delegate.onReconciled(admissions));
    }

    @Override
    public void onRedisLoss(long hourLost, long dayLost) {
        isolated("onRedisLoss", () -> delegate.onRedisLoss(hourLost, dayLost));
    }

    @Override
    public void onRedisRollback(long hourRestored, long dayRestored) {
        isolated("onRedisRollback", () -> delegate.onRedisRollback(hourRestored, dayRestored));
    }

    @Override
    public void onBackendChange(Backend from, Backend to, String cause) {
        isolated("onBackendChange", () -> delegate.onBackendChange(from, to, cause));
    }

    /** How many calls of {@code method} have thrown {@code type} (for tests and diagnosis). */
    long failures(String method, Class<? extends Throwable> type) {
        FailureLog log = failures.get(method + " " + type.getName());
        return log == null ? 0 : log.total.get();
    }

    private void isolated(String method, Runnable call) {
        try {
            call.run();
        } catch (Throwable t) {
            failed(method, t);
        }
    }

    private void failed(String method, Throwable t) {
        try {
            failures.computeIfAbsent(method + " " + t.getClass().getName(), key -> new FailureLog())
                    .record(method, t, nanoClock.getAsLong());
        } catch (Throwable ignored) {
            // Even the log line must not reach the guard (an exception whose getMessage throws, a full disk).
        }
    }

    /** One listener method's failures of one exception class: counted always, logged now and then. */
    private final class FailureLog {
        final AtomicLong total = new AtomicLong();
        final AtomicLong sinceLogged = new AtomicLong();
        final AtomicLong loggedAtNanos = new AtomicLong();

        void record(String method, Throwable t, long nowNanos) {
            long count = total.incrementAndGet();
            String where = "sniper: the guard listener " + delegate.getClass().getName() + "." + method;
            if (count == 1) {
                loggedAtNanos.set(nowNanos);
                LOG.log(Level.WARNING, where + " threw; ignored, decisions are unaffected"
                        + " (further failures of this kind are logged at most once a minute)", t);
                return;
            }
            long unlogged = sinceLogged.incrementAndGet();
            long last = loggedAtNanos.get();
            if (nowNanos - last >= REPEAT_INTERVAL_NANOS && loggedAtNanos.compareAndSet(last, nowNanos)) {
                sinceLogged.addAndGet(-unlogged);
                LOG.warning(where + " threw " + t.getClass().getName() + " " + unlogged
                        + " more times; ignored, decisions are unaffected");
            }
        }
    }
}
