package io.ultrasignals.sniper.instrument;

import static net.bytebuddy.matcher.ElementMatchers.named;

import java.util.Locale;
import net.bytebuddy.description.type.TypeDescription;

/**
 * What a skipped call returns: the return type's default (0, false, null), or {@code return_value} converted to the
 * return type. Conversions: booleans ({@code true}/{@code false}), integers and decimals within the type's range,
 * one character for {@code char}, the text itself for {@code String}, {@code CharSequence} and {@code Object}, and
 * a constant's name for an enum (looked up on first use).
 */
final class SkipResult {
    static final String SUPPORTED = "primitives and their boxes, String (CharSequence, Object) and enum constants";

    private final Object value;
    private final String enumType;
    private final String enumConstant;
    private volatile Object enumValue;

    private SkipResult(Object value, String enumType, String enumConstant) {
        this.value = value;
        this.enumType = enumType;
        this.enumConstant = enumConstant;
    }

    /**
     * @param text       {@code return_value}, or null for the default
     * @param returnType the instrumented method's return type (erased), not void
     * @throws IllegalArgumentException when the text does not convert; the message says what was expected
     */
    static SkipResult of(String text, TypeDescription returnType) {
        String type = returnType.getName();
        if (text == null) {
            return new SkipResult(defaultOf(type), null, null);
        }
        if (returnType.isEnum()) {
            if (returnType.getDeclaredFields().filter(named(text)).stream().noneMatch(field -> field.isEnum())) {
                throw new IllegalArgumentException("\"" + text + "\" is not a constant of the enum " + type);
            }
            return new SkipResult(null, type, text);
        }
        return new SkipResult(convert(text, type), null, null);
    }

    /** The boxed value to return; enum constants are resolved with the instrumented class's loader. */
    Object value(ClassLoader loader) throws ClassNotFoundException {
        if (enumType == null) {
            return value;
        }
        Object resolved = enumValue;
        if (resolved == null) {
            resolved = enumConstant(Class.forName(enumType, true, loader), enumConstant);
            enumValue = resolved;
        }
        return resolved;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object enumConstant(Class<?> type, String name) {
        return Enum.valueOf((Class) type, name);
    }

    private static Object defaultOf(String type) {
        return switch (type) {
            case "boolean" -> Boolean.FALSE;
            case "byte" -> (byte) 0;
            case "short" -> (short) 0;
            case "int" -> 0;
            case "long" -> 0L;
            case "float" -> 0f;
            case "double" -> 0d;
            case "char" -> '\0';
            default -> null;
        };
    }

    private static Object convert(String text, String type) {
        try {
            return switch (type) {
                case "boolean", "java.lang.Boolean" -> bool(text);
                case "byte", "java.lang.Byte" -> (byte) integer(text, Byte.MIN_VALUE, Byte.MAX_VALUE);
                case "short", "java.lang.Short" -> (short) integer(text, Short.MIN_VALUE, Short.MAX_VALUE);
                case "int", "java.lang.Integer" -> (int) integer(text, Integer.MIN_VALUE, Integer.MAX_VALUE);
                case "long", "java.lang.Long" -> integer(text, Long.MIN_VALUE, Long.MAX_VALUE);
                case "float", "java.lang.Float" -> Float.parseFloat(text);
                case "double", "java.lang.Double" -> Double.parseDouble(text);
                case "char", "java.lang.Character" -> character(text);
                case "java.lang.String", "java.lang.CharSequence", "java.lang.Object" -> text;
                default -> throw new IllegalArgumentException("cannot convert \"" + text + "\" to " + type
                        + "; supported: " + SUPPORTED);
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a number for " + type + ", got \"" + text + "\"");
        }
    }

    private static Boolean bool(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException("expected true or false for a boolean, got \"" + text + "\"");
        };
    }

    private static long integer(String text, long min, long max) {
        long value = Long.parseLong(text);
        if (value < min || value > max) {
            throw new IllegalArgumentException("expected an integer " + min + ".." + max + ", got " + text);
        }
        return value;
    }

    private static Character character(String text) {
        if (text.length() != 1) {
            throw new IllegalArgumentException("expected one character for a char, got \"" + text + "\"");
        }
        return text.charAt(0);
    }
}
