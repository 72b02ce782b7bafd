package io.ultrasignals.sniper.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Why a Redis call failed, in the few kinds the fallback and the metrics care about. Label values
 * are fixed strings, never exception text (the original built metric names from exception text).
 */
public enum RedisFailure {
    /** No reply within the decision timeout. The command may still have run on the server. */
    TIMEOUT("timeout"),
    /** Not connected, connection refused or reset, cluster/sentinel topology unavailable. */
    CONNECTION("connection"),
    /** The server refused the call for this user: NOPERM, NOAUTH, WRONGPASS. */
    PERMISSION("permission"),
    /** An {@code ERR sniper:} reply about a key: the namespace holds wrong data. Not an outage. */
    DATA("data"),
    /** Anything else: LOADING, BUSY, MASTERDOWN, READONLY after a failover, an unexpected reply. */
    OTHER("other");

    private final String label;

    RedisFailure(String label) {
        this.label = label;
    }

    /** The metric label value. */
    public String label() {
        return label;
    }

    /** Classifies any exception a Lettuce future completed with. */
    public static RedisFailure of(Throwable error) {
        Throwable e = unwrap(error);
        if (e instanceof RedisUnavailableException classified) {
            return classified.failure();
        }
        if (e instanceof RedisCommandTimeoutException || e instanceof TimeoutException) {
            return TIMEOUT;
        }
        if (e instanceof CorruptDataException) {
            return DATA;
        }
        if (e instanceof RedisCommandExecutionException) {
            String message = String.valueOf(e.getMessage());
            if (message.startsWith("ERR sniper: key ")) {
                return DATA;
            }
            String code = message.split(" ", 2)[0].toUpperCase(Locale.ROOT);
            if (code.equals("NOPERM") || code.equals("NOAUTH") || code.equals("WRONGPASS")) {
                return PERMISSION;
            }
            return OTHER;
        }
        if (e instanceof RedisConnectionException || e instanceof java.io.IOException
                || e instanceof CancellationException || e instanceof NotConnectedException) {
            return CONNECTION;
        }
        if (e instanceof RedisException) {
            // Lettuce signals "Currently not connected" / "Connection closed" as a plain RedisException.
            String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            if (message.contains("connect") || message.contains("closed")) {
                return CONNECTION;
            }
        }
        return OTHER;
    }

    /** The exception inside CompletionException / ExecutionException wrappers. */
    public static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
