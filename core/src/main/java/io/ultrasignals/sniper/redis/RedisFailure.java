package io.ultrasignals.sniper.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import java.io.IOException;
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
    /**
     * {@code OOM}: used memory is above {@code maxmemory} under {@code noeviction}. Redis refused the
     * script's first write, so the call counted nothing (a blocked call without an id, which writes
     * nothing, still succeeds).
     */
    OUT_OF_MEMORY("oom"),
    /** {@code READONLY}: the server is a replica (a demoted master); the script's first write was refused, nothing counted. */
    READ_ONLY("readonly"),
    /** {@code LOADING}: the server is loading its AOF or RDB and runs no script until done; nothing counted. */
    LOADING("loading"),
    /** {@code BUSY}: another script has run past {@code busy-reply-threshold}; this one did not run. */
    BUSY("busy"),
    /**
     * {@code NOREPLICAS}: the master has fewer replicas within {@code min-replicas-max-lag} than
     * {@code min-replicas-to-write}; the script's first write was refused, nothing counted.
     */
    NO_REPLICAS("noreplicas"),
    /** Anything else: MASTERDOWN, an unexpected reply. */
    OTHER("other");

    /** How Redis 6.2 starts the error of a command that failed inside a script. */
    private static final String SCRIPT_ERROR_6_2 = "ERR Error running script";

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
            if (SniperErrorReply.of(message) == SniperErrorReply.CORRUPT_DATA) {
                return DATA;
            }
            return ofErrorCode(errorCode(message));
        }
        if (e instanceof RedisConnectionException || e instanceof IOException
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

    /** The kind of an error reply's code (its first word, e.g. {@code OOM}). */
    static RedisFailure ofErrorCode(String code) {
        return switch (code) {
            case "NOPERM", "NOAUTH", "WRONGPASS" -> PERMISSION;
            case "OOM" -> OUT_OF_MEMORY;
            case "READONLY" -> READ_ONLY;
            case "LOADING" -> LOADING;
            case "BUSY" -> BUSY;
            case "NOREPLICAS" -> NO_REPLICAS;
            default -> OTHER;
        };
    }

    /**
     * The code of an error reply. Redis 7 passes an error raised by a command inside a script on with
     * its own code ({@code OOM command not allowed ... script: <sha>, on @user_script:160.}); Redis 6.2
     * wraps it: {@code ERR Error running script (call to f_<sha>): @user_script:160: @user_script: 160:
     * -OOM command not allowed ...}, so there the code follows the last {@code ": -"}.
     */
    static String errorCode(String message) {
        if (message.startsWith(SCRIPT_ERROR_6_2)) {
            int dash = message.lastIndexOf(": -");
            if (dash >= 0) {
                return firstWord(message.substring(dash + 3));
            }
        }
        return firstWord(message);
    }

    private static String firstWord(String text) {
        int space = text.indexOf(' ');
        return (space < 0 ? text : text.substring(0, space)).toUpperCase(Locale.ROOT);
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
