package io.ultrasignals.sniper.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * From an untyped {@link SettingNode} to the Java value of one key, with the error a user needs when it does not fit.
 * Lenient where the Python side is (a quoted {@code "5"} is 5, {@code on}/{@code off} are booleans); strict otherwise.
 */
final class Conversions {
    /** Converts the node found at {@code keyPath}; throws {@link SettingsException} naming that path. */
    @FunctionalInterface
    interface Conversion<T> {
        T convert(SettingNode node, String keyPath);
    }

    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Map<String, Boolean> BOOLEANS = Map.of(
            "true", true, "yes", true, "on", true, "1", true,
            "false", false, "no", false, "off", false, "0", false);

    private Conversions() {
    }

    static Conversion<Boolean> bool() {
        return (node, keyPath) -> {
            if (node instanceof SettingNode.Scalar scalar && scalar.value() != null) {
                if (scalar.value() instanceof Boolean b) {
                    return b;
                }
                Boolean parsed = BOOLEANS.get(scalar.text().strip().toLowerCase(Locale.ROOT));
                if (parsed != null) {
                    return parsed;
                }
            }
            throw expected(keyPath, "true or false", node);
        };
    }

    static Conversion<Long> integer(Checks.Range range) {
        return (node, keyPath) -> range.check(keyPath, wholeNumber(node, keyPath, "expected " + range.expected()));
    }

    static Conversion<Duration> millis(Checks.Range range) {
        return (node, keyPath) -> Duration.ofMillis(integer(range).convert(node, keyPath));
    }

    /** {@code redis.timeout}: seconds, whole or decimal, as the seed writes it ({@code timeout: 5}). */
    static Conversion<Duration> seconds() {
        return (node, keyPath) -> {
            BigDecimal seconds = decimal(node);
            if (seconds == null || !RedisSettings.connectTimeoutFits(seconds)) {
                throw expected(keyPath, RedisSettings.CONNECT_TIMEOUT_EXPECTED, node);
            }
            return Duration.ofNanos(seconds.movePointRight(9).longValue());
        };
    }

    /** {@code failure_rate_threshold}: a percentage, whole or decimal. */
    static Conversion<Float> failureRate() {
        return (node, keyPath) -> {
            BigDecimal percent = decimal(node);
            if (percent == null || !FallbackSettings.failureRateFits(percent)) {
                throw expected(keyPath, FallbackSettings.FAILURE_RATE_EXPECTED, node);
            }
            return percent.floatValue();
        };
    }

    /** Any scalar as written; null is an error. */
    static Conversion<String> string() {
        return (node, keyPath) -> {
            if (node instanceof SettingNode.Scalar scalar && scalar.value() != null) {
                return scalar.text();
            }
            throw expected(keyPath, "a string", node);
        };
    }

    /** Any scalar as written; null and the empty string mean "none". */
    static Conversion<String> optionalString() {
        return (node, keyPath) -> {
            if (node instanceof SettingNode.Scalar scalar) {
                return scalar.value() == null || scalar.text().isEmpty() ? null : scalar.text();
            }
            throw expected(keyPath, "a string or null", node);
        };
    }

    /** A mapping of names to strings ({@code scopes: {symbol: arg0.getSymbol(), strategy: momentum}}), in order. */
    static Conversion<Map<String, String>> stringMap() {
        return (node, keyPath) -> {
            if (node instanceof SettingNode.Scalar scalar && scalar.value() == null) {
                return Map.of();
            }
            if (!(node instanceof SettingNode.Mapping mapping)) {
                throw SettingsException.invalid(keyPath, "expected a mapping of names to values, got " + node.describe());
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (SettingNode.Entry entry : mapping.entries()) {
                String repeated = mapping.repetitionOf(entry.key());
                if (repeated != null) {
                    throw SettingsException.invalid(keyPath + "." + entry.key(), "is set twice in the same mapping; keep one")
                            .from(repeated);
                }
                try {
                    values.put(entry.key(), string().convert(entry.value(), keyPath + "." + entry.key()));
                } catch (SettingsException e) {
                    throw e.source() == null ? e.from(entry.origin()) : e;
                }
            }
            return values;
        };
    }

    /** Like {@link #optionalString()}; the error names only the kind of the wrong value, never the value. */
    static Conversion<Secret> secret() {
        return (node, keyPath) -> {
            if (node instanceof SettingNode.Scalar scalar) {
                return scalar.value() == null || scalar.text().isEmpty() ? null : Secret.of(scalar.text());
            }
            throw SettingsException.invalid(keyPath, "expected a string or null, got " + node.describe());
        };
    }

    static Conversion<Path> optionalPath() {
        return (node, keyPath) -> {
            String text = optionalString().convert(node, keyPath);
            if (text == null) {
                return null;
            }
            try {
                return Path.of(text);
            } catch (InvalidPathException e) {
                throw SettingsException.invalid(keyPath, "expected a file path, got " + Checks.quote(text));
            }
        };
    }

    /** One of the constants of {@code type}, written in lower case (case is not significant). */
    static <E extends Enum<E>> Conversion<E> enumeration(Class<E> type) {
        return (node, keyPath) -> {
            if (node instanceof SettingNode.Scalar scalar && scalar.value() != null) {
                String text = scalar.text().strip();
                for (E constant : type.getEnumConstants()) {
                    if (Checks.yamlName(constant).equalsIgnoreCase(text)) {
                        return constant;
                    }
                }
                List<String> names = Arrays.stream(type.getEnumConstants()).map(Checks::yamlName).toList();
                String guess = Suggestions.closest(text, names);
                String hint = guess == null ? "" : "; did you mean " + guess + "?";
                throw SettingsException.invalid(keyPath,
                        "expected one of " + String.join(", ", names) + ", got " + node.describe() + hint);
            }
            throw expected(keyPath, "one of " + Checks.yamlNames(type), node);
        };
    }

    /** A list of {@code host:port}, or one string of them separated by commas; null is an empty list. */
    static Conversion<List<HostAndPort>> hostAndPorts() {
        return (node, keyPath) -> {
            List<String> texts = new ArrayList<>();
            if (node instanceof SettingNode.Sequence sequence) {
                for (int i = 0; i < sequence.items().size(); i++) {
                    texts.add(string().convert(sequence.items().get(i), keyPath + "[" + i + "]"));
                }
            } else if (node instanceof SettingNode.Scalar scalar && scalar.value() == null) {
                return List.of();
            } else if (node instanceof SettingNode.Scalar scalar && scalar.value() instanceof String) {
                texts.addAll(Arrays.stream(scalar.text().split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList());
            } else {
                throw expected(keyPath, "a list of " + HostAndPort.EXPECTED, node);
            }
            List<HostAndPort> nodes = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                nodes.add(HostAndPort.parse(keyPath + "[" + i + "]", texts.get(i)));
            }
            return List.copyOf(nodes);
        };
    }

    private static long wholeNumber(SettingNode node, String keyPath, String expectation) {
        if (node instanceof SettingNode.Scalar scalar) {
            Object value = scalar.value();
            if (value instanceof Long l) {
                return l;
            }
            BigInteger big = value instanceof BigInteger b ? b
                    : value instanceof String s && INTEGER.matcher(s.strip()).matches() ? new BigInteger(s.strip()) : null;
            if (big != null && big.bitLength() < 64) {
                return big.longValue();
            }
        }
        throw SettingsException.invalid(keyPath, expectation + ", got " + node.describe());
    }

    /** The number a scalar holds (a numeric string counts), or null. */
    private static BigDecimal decimal(SettingNode node) {
        if (!(node instanceof SettingNode.Scalar scalar)) {
            return null;
        }
        Object value = scalar.value();
        if (value instanceof Long l) {
            return BigDecimal.valueOf(l);
        }
        if (value instanceof BigInteger b) {
            return new BigDecimal(b);
        }
        if (value instanceof BigDecimal d) {
            return d;
        }
        if (value instanceof Double d) {
            return d.isNaN() || d.isInfinite() ? null : BigDecimal.valueOf(d);
        }
        if (value instanceof String s && DECIMAL.matcher(s.strip()).matches()) {
            return new BigDecimal(s.strip());
        }
        return null;
    }

    private static SettingsException expected(String keyPath, String expectation, SettingNode node) {
        return SettingsException.invalid(keyPath, "expected " + expectation + ", got " + node.describe());
    }
}
