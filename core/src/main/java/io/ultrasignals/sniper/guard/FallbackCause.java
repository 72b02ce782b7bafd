package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.redis.RedisFailure;
import io.ultrasignals.sniper.redis.RedisUnavailableException;

/**
 * Why the fallback decides one signal, carried typed from where it was found out.
 *
 * @param detail      the decision's detail ({@code timeout}, {@code circuit open}, the script's
 *                    {@code ERR sniper: ...} reply, ...)
 * @param scriptError Redis answered with one of the scripts' error replies (wrong data, a refused argument):
 *                    policy {@code deny} then says {@link io.ultrasignals.sniper.Reason#SNIPER_REDIS_DATA}
 */
record FallbackCause(String detail, boolean scriptError) {
    /** How much of an unexpected error's text a decision carries (Redis error text holds no secrets). */
    private static final int OTHER_DETAIL_LIMIT = 160;

    /** The guard's own reason for not asking Redis ({@code reconciling}, {@code circuit open}). */
    static FallbackCause because(String detail) {
        return new FallbackCause(detail, false);
    }

    static FallbackCause scriptError(String reply) {
        return new FallbackCause(reply, true);
    }

    /** A Redis call failed as in an outage: its kind, and for an unexpected one what it was. */
    static FallbackCause outage(RedisFailure kind, Throwable error) {
        if (kind != RedisFailure.OTHER) {
            return new FallbackCause(kind.label(), false);
        }
        // A classified failure's message already starts with its kind: say the kind once, then what Redis said.
        Throwable e = RedisFailure.unwrap(error);
        String message = e instanceof RedisUnavailableException && e.getCause() != null
                ? String.valueOf(RedisFailure.unwrap(e.getCause()).getMessage())
                : String.valueOf(e.getMessage());
        return new FallbackCause(kind.label() + ": "
                + (message.length() > OTHER_DETAIL_LIMIT ? message.substring(0, OTHER_DETAIL_LIMIT) : message), false);
    }
}
