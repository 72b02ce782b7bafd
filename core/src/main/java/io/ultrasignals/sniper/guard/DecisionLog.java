package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.redis.RedisFailure;
import java.util.Locale;
import java.util.logging.Logger;

/**
 * An opt-in line per decision, for debugging one runner: off by default (blocked signals are silent in a runner's
 * log); on with {@code -Dsniper.log_decisions=true}. Logger {@value #LOGGER}, level INFO; the line names the
 * outcome, reason, counts, backend and time taken, never a signal id. Wraps the guard's listener and passes every
 * event on unchanged; like any listener it is isolated, so a logging failure changes no decision.
 */
public final class DecisionLog implements GuardListener {
    public static final String PROPERTY = "sniper.log_decisions";
    public static final String LOGGER = "io.ultrasignals.sniper.decisions";
    private static final Logger LOG = Logger.getLogger(LOGGER);

    private final GuardListener next;

    private DecisionLog(GuardListener next) {
        this.next = next;
    }

    /** {@code listener} with the decision log in front when {@value #PROPERTY} is {@code true}; else itself. */
    public static GuardListener around(GuardListener listener) {
        return Boolean.getBoolean(PROPERTY) ? new DecisionLog(listener) : listener;
    }

    /** The line for one decision. */
    static String line(Decision d, long nanos) {
        StringBuilder b = new StringBuilder("sniper decision: ").append(d.allowed() ? "ALLOWED " : "BLOCKED ")
                .append(d.reason()).append(" hour=").append(d.hourCount()).append(" day=").append(d.dayCount())
                .append(" backend=").append(d.backend().label());
        if (d.detail() != null) {
            b.append(" (").append(d.detail()).append(')');
        }
        if (d.retryAfterMillis() > 0) {
            b.append(" retry_after_ms=").append(d.retryAfterMillis());
        }
        if (d.replayed()) {
            b.append(" replayed");
        }
        if (d.shadow()) {
            b.append(" shadow");
        }
        return b.append(String.format(Locale.ROOT, " %.2f ms", nanos / 1e6)).toString();
    }

    @Override
    public void onDecision(Decision decision, long nanos) {
        try {
            LOG.info(line(decision, nanos));
        } finally {
            next.onDecision(decision, nanos);
        }
    }

    @Override
    public void onRedisFailure(RedisFailure failure) {
        next.onRedisFailure(failure);
    }

    @Override
    public void onScriptReload() {
        next.onScriptReload();
    }

    @Override
    public void onReconciled(long admissions) {
        next.onReconciled(admissions);
    }

    @Override
    public void onRedisLoss(long hourLost, long dayLost) {
        next.onRedisLoss(hourLost, dayLost);
    }

    @Override
    public void onRedisRollback(long hourRestored, long dayRestored) {
        next.onRedisRollback(hourRestored, dayRestored);
    }

    @Override
    public void onBackendChange(Backend from, Backend to, String cause) {
        next.onBackendChange(from, to, cause);
    }
}
