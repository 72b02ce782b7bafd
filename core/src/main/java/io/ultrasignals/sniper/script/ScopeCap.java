package io.ultrasignals.sniper.script;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One scope of an acquire call: the layer {@code <dimension>=<value>} (e.g. {@code symbol=BTCUSDT}) and its caps,
 * ARGV[9..] of acquire.lua in threes. A scope is decided with the fleet, all or nothing, in its own buckets
 * {@code <ns>:scope:<dimension>=<value>:hour:<bucket>} and {@code :day:<bucket>}.
 *
 * @param scope      {@code <dimension>=<value>}: dimension {@code [a-z][a-z0-9_]*} up to 32 bytes, value
 *                   {@code [A-Za-z0-9._/:-]} 1..64 bytes ({@link #check})
 * @param hourlyCap  0..1e9, 0 = no hourly cap for this scope
 * @param dailyCap   0..1e9, 0 = no daily cap for this scope
 */
public record ScopeCap(String scope, long hourlyCap, long dailyCap) {
    /** At most this many scopes per call (a signal's layers beyond the fleet). */
    public static final int MAX_SCOPES = 8;
    public static final int MAX_DIMENSION_BYTES = 32;
    public static final int MAX_VALUE_BYTES = 64;

    public ScopeCap {
        String problem = problem(scope);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        if (hourlyCap < 0 || hourlyCap > AcquireArgs.MAX_CAP) {
            throw new IllegalArgumentException("hourly_cap of scope " + scope + " must be an integer 0..1000000000, got " + hourlyCap);
        }
        if (dailyCap < 0 || dailyCap > AcquireArgs.MAX_CAP) {
            throw new IllegalArgumentException("daily_cap of scope " + scope + " must be an integer 0..1000000000, got " + dailyCap);
        }
    }

    /** The dimension of a well-formed scope: {@code symbol} of {@code symbol=BTCUSDT}. */
    public String dimension() {
        return scope.substring(0, scope.indexOf('='));
    }

    /** The value of a well-formed scope: {@code BTCUSDT} of {@code symbol=BTCUSDT}. */
    public String value() {
        return scope.substring(scope.indexOf('=') + 1);
    }

    /** What is wrong with {@code scope} as the scripts see it, or {@code null} when it is well-formed. */
    public static String problem(String scope) {
        if (scope == null || !wellFormed(scope)) {
            return "scope must be <dimension>=<value>: dimension a-z 0-9 _ from a letter, up to 32 bytes; value A-Z a-z 0-9"
                    + " . _ / : -, 1..64 bytes; got " + (scope == null ? "none" : "\"" + scope + "\"");
        }
        return null;
    }

    /** Whether {@code name} is a dimension: {@code [a-z][a-z0-9_]*}, up to 32 bytes. */
    public static boolean isDimension(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_DIMENSION_BYTES || name.charAt(0) < 'a' || name.charAt(0) > 'z') {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code value} is a scope value: {@code [A-Za-z0-9._/:-]}, 1..64 bytes. */
    public static boolean isValue(String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_VALUE_BYTES) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '/'
                    || c == ':' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private static boolean wellFormed(String scope) {
        int eq = scope.indexOf('=');
        return eq > 0 && isDimension(scope.substring(0, eq)) && isValue(scope.substring(eq + 1));
    }

    /**
     * The scopes as one call may carry them: at most {@link #MAX_SCOPES}, one value per dimension.
     *
     * @throws IllegalArgumentException naming the first problem
     */
    public static List<ScopeCap> checkAll(List<ScopeCap> scopes) {
        if (scopes == null || scopes.isEmpty()) {
            return List.of();
        }
        if (scopes.size() > MAX_SCOPES) {
            throw new IllegalArgumentException("at most 8 scopes per signal, got " + scopes.size());
        }
        Set<String> dimensions = new HashSet<>();
        List<ScopeCap> copy = new ArrayList<>(scopes.size());
        for (ScopeCap s : scopes) {
            if (s == null) {
                throw new IllegalArgumentException("a scope must not be null");
            }
            if (!dimensions.add(s.dimension())) {
                throw new IllegalArgumentException("scope " + s.scope() + " repeats dimension \"" + s.dimension()
                        + "\": one value per dimension");
            }
            copy.add(s);
        }
        return List.copyOf(copy);
    }
}
