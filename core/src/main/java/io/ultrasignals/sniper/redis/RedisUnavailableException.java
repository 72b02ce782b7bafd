package io.ultrasignals.sniper.redis;

/** A Redis call failed in a way that says nothing about the data: timeout, connection, permission, other. */
public final class RedisUnavailableException extends RuntimeException {
    private final RedisFailure failure;

    public RedisUnavailableException(RedisFailure failure, Throwable cause) {
        super(failure.label() + ": " + describe(cause), cause, false, false);
        this.failure = failure;
    }

    public RedisFailure failure() {
        return failure;
    }

    private static String describe(Throwable cause) {
        Throwable root = RedisFailure.unwrap(cause);
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : " " + root.getMessage());
    }
}
