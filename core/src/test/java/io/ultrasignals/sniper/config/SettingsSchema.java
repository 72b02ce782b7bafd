package io.ultrasignals.sniper.config;

import io.ultrasignals.sniper.testkit.RepoRoot;
import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.Yaml;

/**
 * settings/schema.yaml, where every key is stated once, and settings/vectors.yaml, as the tests read them; plus
 * the one way both the schema's values and the loaded settings are written for comparison (the Python suite
 * writes them the same way: tests/settings_schema.py).
 */
final class SettingsSchema {
    /** One key of the schema. {@code java} is the dotted record accessor path, {@code python} null when Python does not read it. */
    record Entry(String key, String type, List<Object> range, List<String> values, Object defaultValue, String doc,
                 String java, String python) {
        /** A key of a list item ({@code []}) or of a named section ({@code *}): no variable of its own, no default of the whole. */
        boolean inList() {
            return key.contains("[]") || key.contains("*");
        }

        boolean required() {
            return "required".equals(defaultValue);
        }

        String variable() {
            return SettingsLoader.ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace(".", "__");
        }
    }

    private SettingsSchema() {
    }


    static List<Entry> entries() {
        Map<String, Object> schema = yaml("settings/schema.yaml");
        List<Entry> entries = new ArrayList<>();
        for (Object raw : (List<?>) schema.get("keys")) {
            Map<?, ?> e = (Map<?, ?>) raw;
            @SuppressWarnings("unchecked")
            List<Object> range = (List<Object>) e.get("range");
            @SuppressWarnings("unchecked")
            List<String> values = (List<String>) e.get("values");
            entries.add(new Entry((String) e.get("key"), (String) e.get("type"), range, values, e.get("default"),
                    (String) e.get("doc"), (String) e.get("java"), (String) e.get("python")));
        }
        return entries;
    }

    static Entry entry(String keyPath) {
        return entries().stream().filter(e -> pattern(e.key()).matcher(keyPath).matches()).findFirst()
                .orElseThrow(() -> new AssertionError(keyPath + " is not in settings/schema.yaml"));
    }

    /**
     * A schema key as a pattern of key paths: {@code []} matches an item's index ({@code [0]}), {@code *} a name
     * in a mapping of named sections; each is a group, in order.
     */
    static Pattern pattern(String key) {
        StringBuilder regex = new StringBuilder();
        for (String part : key.split("(?=\\[])|(?<=\\[])|(?=\\*)|(?<=\\*)")) {
            regex.append(switch (part) {
                case "[]" -> "\\[(\\d+)]";
                case "*" -> "([^.\\[]+)";
                default -> Pattern.quote(part);
            });
        }
        return Pattern.compile(regex.toString());
    }

    /** A key path as the schema writes it: {@code [0]} as {@code []}, a section's chosen name as {@code *}. */
    static String generic(String keyPath) {
        String path = keyPath.replaceAll("\\[\\d+]", "[]");
        for (Entry e : entries()) {
            // Each "*" of the key in turn, outermost first (scopes.*.values.*: the dimension, then the value).
            for (int star = e.key().indexOf('*'); star >= 0; star = e.key().indexOf('*', star + 1)) {
                Matcher prefix = pattern(e.key().substring(0, star + 1)).matcher(path);
                if (prefix.lookingAt() && (prefix.end() == path.length() || path.charAt(prefix.end()) == '.')) {
                    path = e.key().substring(0, star + 1) + path.substring(prefix.end());
                }
            }
        }
        return path;
    }

    /** The key with a concrete name for each {@code *}, for a test that sets it. */
    static String named(String key) {
        return key.replace("*", "x");
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> vectors() {
        return (List<Map<String, Object>>) yaml("settings/vectors.yaml").get("vectors");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yaml(String relative) {
        Path path = RepoRoot.resolve(relative);
        try (Reader reader = Files.newBufferedReader(path)) {
            return (Map<String, Object>) new Yaml().load(reader);
        } catch (IOException e) {
            throw new AssertionError(path.toAbsolutePath() + " cannot be read", e);
        }
    }

    /** The loaded value of a key ({@code sniper_agent.instrument[0].method} for list items), written canonically. */
    static String loaded(SniperSettings settings, String keyPath) {
        Entry entry = entry(keyPath);
        Matcher where = pattern(entry.key()).matcher(keyPath);
        where.matches();
        int group = 0;
        Object value = settings;
        for (String step : entry.java().split("\\.")) {
            if (value == null) {
                break;
            }
            boolean item = step.endsWith("[]");
            boolean named = step.endsWith("{}");
            value = access(value, item || named ? step.substring(0, step.length() - 2) : step);
            if (item && value instanceof List<?> list) {
                int i = Integer.parseInt(where.group(++group));
                value = i < list.size() ? list.get(i) : null;
            } else if (named && value instanceof Map<?, ?> map) {
                value = map.get(where.group(++group));
            }
        }
        return canonical(entry.type(), value);
    }

    /** A key's value on an object that holds it directly (an InstrumentTarget for an item's key). */
    static String loadedOn(Object holder, Entry entry) {
        String[] steps = entry.java().split("\\.");
        return canonical(entry.type(), access(holder, steps[steps.length - 1]));
    }

    /** The record component accessor's return type, for the key's last step. */
    static Class<?> javaType(Entry entry) {
        Class<?> type = SniperSettings.class;
        for (String step : entry.java().split("\\.")) {
            boolean element = step.endsWith("[]") || step.endsWith("{}");
            String name = element ? step.substring(0, step.length() - 2) : step;
            try {
                Method accessor = type.getMethod(name);
                type = accessor.getReturnType();
                if (element) {
                    // A List<T> or a Map<String, T>: the step goes on in T.
                    Type[] arguments = ((ParameterizedType) accessor.getGenericReturnType()).getActualTypeArguments();
                    type = (Class<?>) arguments[arguments.length - 1];
                }
            } catch (NoSuchMethodException e) {
                throw new AssertionError(entry.key() + ": no accessor " + name + "() on " + type.getSimpleName());
            }
        }
        return type;
    }

    private static Object access(Object holder, String accessor) {
        try {
            return holder.getClass().getMethod(accessor).invoke(holder);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("no accessor " + accessor + "() on " + holder.getClass().getSimpleName(), e);
        }
    }

    /** A loaded Java value as the schema and the vectors write it. */
    static String canonical(String type, Object value) {
        if (value instanceof Duration d) {
            return "seconds".equals(type) ? number(BigDecimal.valueOf(d.toNanos(), 9)) : Long.toString(d.toMillis());
        }
        if (value instanceof Secret secret) {
            return secret.reveal();
        }
        if (value instanceof Float f) {
            return number(new BigDecimal(Float.toString(f)));
        }
        if (value instanceof Enum<?> constant) {
            return Checks.yamlName(constant);
        }
        if (value == null && ("host_ports".equals(type) || "mappings".equals(type))) {
            return "[]";
        }
        if (value instanceof List<?> list && "mappings".equals(type)) {
            return list.isEmpty() ? "[]" : "[" + list.size() + " entries]";
        }
        if ("sections".equals(type)) {
            return value == null || ((Map<?, ?>) value).isEmpty() ? "{}" : "{" + ((Map<?, ?>) value).size() + " entries}";
        }
        return written(value);
    }

    /** A value as YAML gives it (schema defaults, expected values in vectors). */
    static String written(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Number n) {
            return number(new BigDecimal(n.toString()));
        }
        if (value instanceof List<?> list) {
            return list.stream().map(SettingsSchema::written).collect(Collectors.joining(", ", "[", "]"));
        }
        if (value instanceof Map<?, ?> map) {
            return map.isEmpty() ? "{}" : "{" + map.size() + " entries}";
        }
        return value.toString();
    }

    private static String number(BigDecimal value) {
        return value.stripTrailingZeros().toPlainString();
    }
}
