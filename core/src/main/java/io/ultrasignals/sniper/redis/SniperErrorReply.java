package io.ultrasignals.sniper.redis;

/**
 * The scripts' own error replies ({@code ERR sniper: ...}, lua/README.md), told apart here only: where a reply
 * is decoded ({@link ScriptRunner}) and classified ({@link RedisFailure}). Past that point they travel typed:
 * {@link CorruptDataException}, {@link io.ultrasignals.sniper.script.ScriptException}, or a
 * {@link RedisFailure#TIMEOUT} for a call that reached Redis after its deadline.
 */
enum SniperErrorReply {
    /** acquire or heartbeat ran after the caller's deadline (Redis time) and counted nothing. */
    DEADLINE_PASSED,
    /** A key of the namespace holds a value the scripts cannot count with: wrong data, not an outage. */
    CORRUPT_DATA,
    /** Any other: an argument the scripts refuse. */
    BAD_ARGUMENT;

    private static final String PREFIX = "ERR sniper:";

    /** The kind of an error reply's text; null when it is not one of the scripts' own. */
    static SniperErrorReply of(String message) {
        if (message == null || !message.startsWith(PREFIX)) {
            return null;
        }
        if (message.startsWith(" deadline_ms passed", PREFIX.length())) {
            return DEADLINE_PASSED;
        }
        return message.startsWith(" key ", PREFIX.length()) ? CORRUPT_DATA : BAD_ARGUMENT;
    }
}
