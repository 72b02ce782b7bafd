package io.ultrasignals.sniper.config;

import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Method;
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
    private static final Pattern INDEX = Pattern.compile("\\[(\\d+)]");

    /** One key of the schema. {@code java} is the dotted record accessor path, {@code python} null when Python does not read it. */
    record Entry(String key, String type, List<Object> range, List<String> values, Object defaultValue, String doc,
                 String java, String python) {
        boolean inList() {
            return key.contains("[]");
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

    static Path repoRoot() {
        return Path.of(System.getenv().getOrDefault("SNIPER_REPO_ROOT", ".."));
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
        String key = INDEX.matcher(keyPath).replaceAll("[]");
        return entries().stream().filter(e -> e.key().equals(key)).findFirst()
                .orElseThrow(() -> new AssertionError(keyPath + " is not in settings/schema.yaml"));
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> vectors() {
        return (List<Map<String, Object>>) yaml("settings/vectors.yaml").get("vectors");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yaml(String relative) {
        Path path = repoRoot().resolve(relative);
        try (Reader reader = Files.newBufferedReader(path)) {
            return (Map<String, Object>) new Yaml().load(reader);
        } catch (IOException e) {
            throw new AssertionError(path.toAbsolutePath() + " cannot be read", e);
        }
    }

    /** The loaded value of a key ({@code sniper_agent.instrument[0].method} for list items), written canonically. */
    static String loaded(SniperSettings settings, String keyPath) {
        Entry entry = entry(keyPath);
        Matcher index = INDEX.matcher(keyPath);
        Object value = settings;
        String[] steps = entry.java().split("\\.");
        for (String step : steps) {
            if (value == null) {
                break;
            }
            boolean item = step.endsWith("[]");
            value = access(value, item ? step.substring(0, step.length() - 2) : step);
            if (item && value != null) {
                if (!index.find()) {
                    throw new AssertionError(keyPath + ": a key in a list needs the item's index");
                }
                List<?> list = (List<?>) value;
                int i = Integer.parseInt(index.group(1));
                value = i < list.size() ? list.get(i) : null;
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
        for (String step : entry.java().replace("[]", "").split("\\.")) {
            try {
                Method accessor = type.getMethod(step);
                type = accessor.getReturnType();
                if (type == List.class && entry.java().contains(step + "[]")) {
                    type = InstrumentTarget.class;
                }
            } catch (NoSuchMethodException e) {
                throw new AssertionError(entry.key() + ": no accessor " + step + "() on " + type.getSimpleName());
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
        return value.toString();
    }

    private static String number(BigDecimal value) {
        return value.stripTrailingZeros().toPlainString();
    }
}
