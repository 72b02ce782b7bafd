package io.ultrasignals.sniper.redis;

/** No connection to Redis is established (yet, or any more); the call was not sent. */
public final class NotConnectedException extends RuntimeException {
    public NotConnectedException(String message) {
        super(message, null, false, false);
    }
}
