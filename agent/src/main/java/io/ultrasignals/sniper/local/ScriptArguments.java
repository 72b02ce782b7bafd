package io.ultrasignals.sniper.local;

import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.ScriptException;

/**
 * The argument checks of lua/v1, with the scripts' exact {@code ERR sniper:} messages, so a caller
 * cannot tell from an error which engine answered. Caps, MTF flags and the window are already
 * guaranteed by {@link AcquireArgs}; what remains are the checks its types cannot express.
 */
final class ScriptArguments {
    /** The scripts accept at most 15 digits for now_ms and 12 for a credited bucket. */
    static final long MAX_NOW_MILLIS = 999_999_999_999_999L;
    static final long MAX_BUCKET = 999_999_999_999L;

    private ScriptArguments() {}

    static void checkAcquire(AcquireArgs args) {
        if (args == null) {
            throw new IllegalArgumentException("acquire args must not be null");
        }
        String signalId = args.signalId();
        if (signalId != null) {
            int bytes = utf8Length(signalId);
            if (bytes > AcquireArgs.MAX_ID_BYTES) {
                throw error("signal_id (ARGV[5]) must be at most 256 bytes, got " + bytes);
            }
        }
        checkNow(args.nowMillis(), "ARGV[6]");
    }

    static void checkStatus(Long nowMillis) {
        checkNow(nowMillis, "ARGV[1]");
    }

    static void checkRelease(String signalId) {
        int bytes = signalId == null ? 0 : utf8Length(signalId);
        if (bytes == 0 || bytes > AcquireArgs.MAX_ID_BYTES) {
            throw error("signal_id (ARGV[1]) must be 1..256 bytes, got " + bytes);
        }
    }

    static void checkCredit(long hourBucket, long dayBucket, long n, String batchId) {
        if (hourBucket < 0 || hourBucket > MAX_BUCKET) {
            throw error("hour_bucket (ARGV[1]) must be a non-negative integer, got \"" + hourBucket + "\"");
        }
        if (dayBucket < 0 || dayBucket > MAX_BUCKET) {
            throw error("day_bucket (ARGV[2]) must be a non-negative integer, got \"" + dayBucket + "\"");
        }
        if (n < 0 || n > AcquireArgs.MAX_CAP) {
            throw error("n (ARGV[3]) must be an integer 0..1000000000, got \"" + n + "\"");
        }
        int bytes = batchId == null ? 0 : utf8Length(batchId);
        if (bytes == 0 || bytes > AcquireArgs.MAX_ID_BYTES) {
            throw error("batch_id (ARGV[4]) must be 1..256 bytes, got " + bytes);
        }
    }

    private static void checkNow(Long nowMillis, String argv) {
        if (nowMillis != null && (nowMillis < 0 || nowMillis > MAX_NOW_MILLIS)) {
            throw error("now_ms (" + argv + ") must be empty or epoch milliseconds, got \"" + nowMillis + "\"");
        }
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

    private static ScriptException error(String detail) {
        return new ScriptException("ERR sniper: " + detail);
    }
}
