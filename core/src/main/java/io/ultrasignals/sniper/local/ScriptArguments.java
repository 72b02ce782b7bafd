package io.ultrasignals.sniper.local;

import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.ScopeCap;
import io.ultrasignals.sniper.script.ScriptException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The argument checks of lua/v1, with the scripts' exact {@code ERR sniper:} messages, so a caller
 * cannot tell from an error which engine answered. For typed calls, caps, MTF flags and the window
 * are already guaranteed by {@link AcquireArgs}; {@link ArgvCalls} checks those on raw ARGV.
 */
final class ScriptArguments {
    /** The scripts accept at most 15 digits for now_ms and 12 for a credited bucket. */
    static final int MAX_NOW_DIGITS = 15;
    static final int MAX_BUCKET_DIGITS = 12;
    static final int MAX_COUNT_DIGITS = 10;
    static final long MAX_NOW_MILLIS = 999_999_999_999_999L;
    static final long MAX_BUCKET = 999_999_999_999L;

    static final String HOURLY_CAP = "hourly_cap (ARGV[1])";
    static final String DAILY_CAP = "daily_cap (ARGV[2])";
    static final String MTF_REQUIRED = "mtf_required (ARGV[3])";
    static final String MTF_CONFIRMED = "mtf_confirmed (ARGV[4])";
    static final String ACQUIRE_NOW = "now_ms (ARGV[6])";
    static final String WINDOW = "window (ARGV[7])";
    static final String STATUS_NOW = "now_ms (ARGV[1])";
    static final String HOUR_BUCKET = "hour_bucket (ARGV[1])";
    static final String DAY_BUCKET = "day_bucket (ARGV[2])";
    static final String CREDIT_N = "n (ARGV[3])";

    private ScriptArguments() {}

    static void checkAcquire(AcquireArgs args) {
        if (args == null) {
            throw new IllegalArgumentException("acquire args must not be null");
        }
        checkAcquireSignalId(args.signalId());
        checkNow(args.nowMillis(), ACQUIRE_NOW);
    }

    static void checkAcquireSignalId(String signalId) {
        int bytes = signalId == null ? 0 : utf8Length(signalId);
        if (bytes > AcquireArgs.MAX_ID_BYTES) {
            throw error("signal_id (ARGV[5]) must be at most 256 bytes, got " + bytes);
        }
    }

    static void checkStatus(Long nowMillis, List<String> scopes) {
        checkNow(nowMillis, STATUS_NOW);
        checkScopes(scopes, 2, false);
    }

    /**
     * Scopes as ARGV[{@code first}..] of status (a read: values of one dimension may repeat) or credit (one value
     * per dimension): at most 8, each {@code <dimension>=<value>}.
     */
    static void checkScopes(List<String> scopes, int first, boolean onePerDimension) {
        if (scopes == null) {
            throw new IllegalArgumentException("scopes must not be null (List.of() for none)");
        }
        if (scopes.size() > ScopeCap.MAX_SCOPES) {
            throw error("at most 8 scopes, got " + scopes.size());
        }
        Set<String> dimensions = new HashSet<>();
        for (int i = 0; i < scopes.size(); i++) {
            String scope = scopes.get(i);
            checkScope(scope, first + i);
            String dimension = scope.substring(0, scope.indexOf('='));
            if (onePerDimension && !dimensions.add(dimension)) {
                throw repeatsDimension(first + i, dimension);
            }
        }
    }

    static void checkScope(String scope, int argvIndex) {
        if (ScopeCap.problem(scope) != null) {
            String got = scope == null ? "" : scope.length() > 100 ? scope.substring(0, 100) : scope;
            throw error("scope (ARGV[" + argvIndex + "]) must be <dimension>=<value>: dimension a-z 0-9 _ from a letter,"
                    + " up to 32 bytes; value A-Z a-z 0-9 . _ / : -, 1..64 bytes; got \"" + got + "\"");
        }
    }

    static ScriptException repeatsDimension(int argvIndex, String dimension) {
        return error("scope (ARGV[" + argvIndex + "]) repeats dimension \"" + dimension + "\": one value per dimension");
    }

    static void checkRelease(String signalId) {
        int bytes = signalId == null ? 0 : utf8Length(signalId);
        if (bytes == 0 || bytes > AcquireArgs.MAX_ID_BYTES) {
            throw error("signal_id (ARGV[1]) must be 1..256 bytes, got " + bytes);
        }
    }

    static void checkCredit(long hourBucket, long dayBucket, long n, String batchId, List<String> scopes) {
        if (hourBucket < 0 || hourBucket > MAX_BUCKET) {
            throw notABucket(HOUR_BUCKET, Long.toString(hourBucket));
        }
        if (dayBucket < 0 || dayBucket > MAX_BUCKET) {
            throw notABucket(DAY_BUCKET, Long.toString(dayBucket));
        }
        if (n < -AcquireArgs.MAX_CAP || n > AcquireArgs.MAX_CAP) {
            throw notACreditN(Long.toString(n));
        }
        int bytes = batchId == null ? 0 : utf8Length(batchId);
        if (bytes == 0 || bytes > AcquireArgs.MAX_ID_BYTES) {
            throw error("batch_id (ARGV[4]) must be 1..256 bytes, got " + bytes);
        }
        checkScopes(scopes, 5, true);
    }

    private static void checkNow(Long nowMillis, String argument) {
        if (nowMillis != null && (nowMillis < 0 || nowMillis > MAX_NOW_MILLIS)) {
            throw notATime(argument, Long.toString(nowMillis));
        }
    }

    static ScriptException notACount(String argument, String got) {
        return error(argument + " must be an integer 0..1000000000, got \"" + got + "\"");
    }

    /** credit's n may be negative (a take-back). */
    static ScriptException notACreditN(String got) {
        return error(CREDIT_N + " must be an integer -1000000000..1000000000, got \"" + got + "\"");
    }

    static ScriptException notAFlag(String argument, String got) {
        return error(argument + " must be 0 or 1, got \"" + got + "\"");
    }

    static ScriptException notATime(String argument, String got) {
        return error(argument + " must be empty or epoch milliseconds, got \"" + got + "\"");
    }

    static ScriptException notAWindow(String got) {
        return error(WINDOW + " must be fixed or sliding, got \"" + got + "\"");
    }

    static ScriptException notABucket(String argument, String got) {
        return error(argument + " must be a non-negative integer, got \"" + got + "\"");
    }

    /**
     * The length Lua's {@code #} sees: the UTF-8 bytes the id travels as, counted without encoding
     * it. A lone surrogate counts 1, as {@link String#getBytes} replaces it with {@code ?}.
     */
    static int utf8Length(CharSequence s) {
        int bytes = 0;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                bytes += 1;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }

    static ScriptException error(String detail) {
        return new ScriptException("ERR sniper: " + detail);
    }
}
