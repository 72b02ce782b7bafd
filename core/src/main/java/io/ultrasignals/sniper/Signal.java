package io.ultrasignals.sniper;

import io.ultrasignals.sniper.script.ScopeCap;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One trading signal about to go out.
 *
 * <pre>{@code
 * Signal.withId(orderId, mtfOk).scope("strategy", "momentum").scope("symbol", "BTCUSDT")
 * }</pre>
 *
 * @param id           optional id (at most 256 bytes): the same id is decided once, and can be released;
 *                     {@code null} for none
 * @param mtfConfirmed whether the signal is confirmed on multiple timeframes
 * @param scopes       dimension → value ({@code symbol → BTCUSDT}), at most 8, in the order given: the layers
 *                     besides the fleet this signal counts in, capped as the settings' {@code scopes:} say
 */
public record Signal(String id, boolean mtfConfirmed, Map<String, String> scopes) {
    public Signal {
        if (id != null && id.isEmpty()) {
            id = null;
        }
        if (id != null && id.getBytes(StandardCharsets.UTF_8).length > 256) {
            throw new IllegalArgumentException("signal id must be at most 256 bytes, got "
                    + id.getBytes(StandardCharsets.UTF_8).length);
        }
        scopes = checkedScopes(scopes);
    }

    /** A signal without scopes. */
    public Signal(String id, boolean mtfConfirmed) {
        this(id, mtfConfirmed, Map.of());
    }

    /** A signal without an id. */
    public static Signal of(boolean mtfConfirmed) {
        return new Signal(null, mtfConfirmed);
    }

    public static Signal withId(String id, boolean mtfConfirmed) {
        return new Signal(id, mtfConfirmed);
    }

    /**
     * This signal with one more scope: {@code dimension} ({@code [a-z][a-z0-9_]*}, up to 32 bytes) has
     * {@code value} ({@code A-Z a-z 0-9 . _ / : -}, 1..64 bytes) for it.
     *
     * @throws IllegalArgumentException on a malformed name or value, a dimension given twice, or a ninth scope
     */
    public Signal scope(String dimension, String value) {
        Map<String, String> more = new LinkedHashMap<>(scopes);
        if (more.putIfAbsent(dimension, value) != null) {
            throw new IllegalArgumentException("scope " + dimension + " is already " + scopes.get(dimension)
                    + ": one value per dimension");
        }
        return new Signal(id, mtfConfirmed, more);
    }

    private static Map<String, String> checkedScopes(Map<String, String> scopes) {
        if (scopes == null || scopes.isEmpty()) {
            return Map.of();
        }
        if (scopes.size() > ScopeCap.MAX_SCOPES) {
            throw new IllegalArgumentException("a signal has at most 8 scopes, got " + scopes.size());
        }
        Map<String, String> copy = new LinkedHashMap<>();
        scopes.forEach((dimension, value) -> {
            if (!ScopeCap.isDimension(dimension)) {
                throw new IllegalArgumentException("scope dimension must be a-z 0-9 _ from a letter, up to 32 bytes, got "
                        + (dimension == null ? "null" : "\"" + dimension + "\""));
            }
            if (!ScopeCap.isValue(value)) {
                throw new IllegalArgumentException("scope " + dimension + " must have a value of A-Z a-z 0-9 . _ / : -,"
                        + " 1..64 bytes, got " + (value == null ? "null" : "\"" + value + "\""));
            }
            copy.put(dimension, value);
        });
        return Collections.unmodifiableMap(copy);
    }
}
