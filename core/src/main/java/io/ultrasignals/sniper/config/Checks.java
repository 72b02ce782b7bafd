package io.ultrasignals.sniper.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The validations the settings values share, each failing with a {@link SettingsException} that names the key. */
final class Checks {
    private static final int MAX_QUOTED = 60;

    private Checks() {
    }

    /** An inclusive range of whole numbers, and how an error states it. */
    record Range(long min, long max) {
        String expected() {
            return "an integer " + min + ".." + max;
        }

        long check(String keyPath, long value) {
            if (value < min || value > max) {
                throw SettingsException.invalid(keyPath, "expected " + expected() + ", got " + value);
            }
            return value;
        }

        /** For a value written as a decimal (seconds, to be held as milliseconds): in the range, both ends included. */
        boolean contains(BigDecimal value) {
            return value.compareTo(BigDecimal.valueOf(min)) >= 0 && value.compareTo(BigDecimal.valueOf(max)) <= 0;
        }

        /** A duration held as whole milliseconds in this range ({@code *_ms} keys). */
        Duration checkMillis(String keyPath, Duration value) {
            required(keyPath, value);
            if (value.compareTo(Duration.ofMillis(min)) < 0 || value.compareTo(Duration.ofMillis(max)) > 0
                    || value.getNano() % 1_000_000 != 0) {
                throw SettingsException.invalid(keyPath, "expected " + expected() + " (milliseconds), got " + value.toMillis());
            }
            return value;
        }
    }

    static <T> T required(String keyPath, T value) {
        if (value == null) {
            throw SettingsException.invalid(keyPath, "is required");
        }
        return value;
    }

    /** Non-empty text without whitespace or control characters (host names, namespaces, class names). */
    static String token(String keyPath, String value) {
        required(keyPath, value);
        if (value.isEmpty()) {
            throw SettingsException.invalid(keyPath, "must not be empty");
        }
        if (value.codePoints().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw SettingsException.invalid(keyPath, "must not contain spaces or control characters, got " + quote(value));
        }
        return value;
    }

    static <T> List<T> immutableList(String keyPath, List<T> values) {
        required(keyPath, values);
        for (T value : values) {
            required(keyPath, value);
        }
        return List.copyOf(values);
    }

    /** A string value as an error shows it: quoted, escaped, cut short. Never pass a secret. */
    static String quote(String value) {
        String shown = value.length() > MAX_QUOTED ? value.substring(0, MAX_QUOTED) + "..." : value;
        StringBuilder out = new StringBuilder("\"");
        shown.codePoints().forEach(c -> {
            if (c == '"' || c == '\\') {
                out.append('\\').appendCodePoint(c);
            } else if (Character.isISOControl(c)) {
                out.append(String.format(Locale.ROOT, "\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.append('"').toString();
    }

    /** The YAML spelling of an enum constant: lower case. */
    static String yamlName(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }

    static String yamlNames(Class<? extends Enum<?>> type) {
        return Arrays.stream(type.getEnumConstants()).map(Checks::yamlName).collect(Collectors.joining(", "));
    }
}
