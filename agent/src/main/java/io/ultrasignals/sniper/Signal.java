package io.ultrasignals.sniper;

import java.nio.charset.StandardCharsets;

/**
 * One trading signal about to go out.
 *
 * @param id           optional id (at most 256 bytes): the same id is decided once, and can be released;
 *                     {@code null} for none
 * @param mtfConfirmed whether the signal is confirmed on multiple timeframes
 */
public record Signal(String id, boolean mtfConfirmed) {
    public Signal {
        if (id != null && id.isEmpty()) {
            id = null;
        }
        if (id != null && id.getBytes(StandardCharsets.UTF_8).length > 256) {
            throw new IllegalArgumentException("signal id must be at most 256 bytes, got "
                    + id.getBytes(StandardCharsets.UTF_8).length);
        }
    }

    /** A signal without an id. */
    public static Signal of(boolean mtfConfirmed) {
        return new Signal(null, mtfConfirmed);
    }

    public static Signal withId(String id, boolean mtfConfirmed) {
        return new Signal(id, mtfConfirmed);
    }
}
