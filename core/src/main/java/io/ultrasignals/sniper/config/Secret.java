package io.ultrasignals.sniper.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * A password or other credential. Its {@link #toString()} is always {@value #REDACTED}, so a secret that
 * ends up in a log line, an error or the {@code toString} of a settings value shows nothing of itself.
 * Only {@link #reveal()} gives the value, for the one place that must send it (the Redis AUTH).
 */
public final class Secret {
    /** What every secret prints as. */
    public static final String REDACTED = "<redacted>";

    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    /** A secret holding {@code value}, which must not be null or empty (an empty password means none: use null). */
    public static Secret of(String value) {
        Objects.requireNonNull(value, "secret value");
        if (value.isEmpty()) {
            throw new IllegalArgumentException("a secret must not be empty; use no secret instead");
        }
        return new Secret(value);
    }

    /** The value itself. Call it only where the credential is sent, never to log or format it. */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return REDACTED;
    }

    /** Equal when the values are equal; compared in constant time so the comparison leaks no prefix length. */
    @Override
    public boolean equals(Object other) {
        return other instanceof Secret that && MessageDigest.isEqual(
                value.getBytes(StandardCharsets.UTF_8), that.value.getBytes(StandardCharsets.UTF_8));
    }

    /** Constant, so that a hash code says nothing about the value. */
    @Override
    public int hashCode() {
        return 1;
    }
}
