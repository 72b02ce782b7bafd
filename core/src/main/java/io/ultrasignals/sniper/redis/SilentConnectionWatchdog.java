package io.ultrasignals.sniper.redis;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Decides when a connection has gone silent: commands are sent but nothing comes back (a hung Redis, a
 * stuck proxy, an address blackholed behind a failed-over name). TCP keep-alive does not see this while the
 * peer's TCP stack still acknowledges, and Lettuce reconnects only when the channel closes; so the link
 * probes the connection with PING every {@link #probeInterval()} and replaces it when this says so.
 *
 * <p>The rule: at least {@link #DEFAULT_TIMEOUTS_IN_A_ROW} probes in a row timed out, and nothing has been
 * answered for {@link #silence()}. A probe that could not be sent (the connection is closed and Lettuce is
 * reconnecting by itself) is neither. So a silent connection is replaced within
 * {@code silence + probeInterval + the probe's timeout}, and the new one is up within the connect timeout
 * after that (docs/design/recovery.md, "Books stay complete"). One instance per connection; probes come from one thread.
 */
public final class SilentConnectionWatchdog {
    public static final int DEFAULT_TIMEOUTS_IN_A_ROW = 3;
    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofMillis(500);
    public static final Duration DEFAULT_SILENCE = Duration.ofMillis(1500);

    private final int timeoutsInARow;
    private final Duration probeInterval;
    private final long silenceNanos;
    private final LongSupplier nanoClock;
    private int consecutiveTimeouts;
    private long lastAnswerNanos;
    /** When the connection last delivered any reply (the script calls'), on the same clock: a busy Redis answers. */
    private volatile LongSupplier lastReplyNanos;

    public SilentConnectionWatchdog(int timeoutsInARow, Duration probeInterval, Duration silence, LongSupplier nanoClock) {
        if (timeoutsInARow < 1 || probeInterval.isNegative() || probeInterval.isZero() || silence.isNegative()) {
            throw new IllegalArgumentException("watchdog needs timeoutsInARow >= 1, a positive probe interval and a silence >= 0; got "
                    + timeoutsInARow + ", " + probeInterval + ", " + silence);
        }
        this.timeoutsInARow = timeoutsInARow;
        this.probeInterval = probeInterval;
        this.silenceNanos = silence.toNanos();
        this.nanoClock = nanoClock;
        this.lastAnswerNanos = nanoClock.getAsLong();
        this.lastReplyNanos = () -> lastAnswerNanos;
    }

    public static SilentConnectionWatchdog withDefaults() {
        return new SilentConnectionWatchdog(DEFAULT_TIMEOUTS_IN_A_ROW, DEFAULT_PROBE_INTERVAL, DEFAULT_SILENCE, System::nanoTime);
    }

    public Duration probeInterval() {
        return probeInterval;
    }

    public Duration silence() {
        return Duration.ofNanos(silenceNanos);
    }

    /** A probe (or anything else on this connection) was answered. */
    public synchronized void answered() {
        consecutiveTimeouts = 0;
        lastAnswerNanos = nanoClock.getAsLong();
    }

    /**
     * Replies to other commands on the connection count as answers too: a probe queued behind many
     * decisions on a busy Redis may time out while replies keep flowing, and that connection is not silent.
     */
    public void alsoCountReplies(LongSupplier lastReplyNanos) {
        this.lastReplyNanos = lastReplyNanos;
    }

    /** A probe timed out; true when the connection should be replaced now. */
    public synchronized boolean timedOut() {
        consecutiveTimeouts++;
        long now = nanoClock.getAsLong();
        return consecutiveTimeouts >= timeoutsInARow && now - lastAnswerNanos >= silenceNanos
                && now - lastReplyNanos.getAsLong() >= silenceNanos;
    }

    /** A new connection replaces the silent one: start counting afresh. */
    public synchronized void replaced() {
        answered();
    }
}
