package io.ultrasignals.sniper.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Applies {@code ULTRA_SIGNALS_*} variables on top of the file, as the ultra_signals seed does: prefix removed,
 * lower-cased, split on {@code __} into a key path; the value parsed as JSON when it is JSON ({@code true},
 * {@code 42}, {@code 0.5}, {@code null}, {@code ["a:1","b:2"]}, {@code {"k":1}}), else taken as a string.
 * Variables outside the sections the agent owns are left alone. They apply in name order, so a more specific
 * variable ({@code ..._REDIS__HOST}) wins over an object given for its parent ({@code ..._REDIS}).
 */
final class EnvironmentOverrides {
    static final String PREFIX = "ULTRA_SIGNALS_";

    /** Built on the first variable only: Jackson is some 370 classes on the javaagent's start-up path. */
    private static final class Json {
        static final JsonMapper MAPPER = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
    }

    private EnvironmentOverrides() {
    }

    /** Writes every agent-relevant variable of {@code environment} into {@code root}. */
    static void apply(Map<String, String> environment, SettingNode.Mapping root) {
        for (Map.Entry<String, String> variable : new TreeMap<>(environment).entrySet()) {
            String name = variable.getKey();
            if (!name.startsWith(PREFIX) || name.length() == PREFIX.length() || variable.getValue() == null) {
                continue;
            }
            List<String> path = Arrays.asList(name.substring(PREFIX.length()).toLowerCase(Locale.ROOT).split("__", -1));
            if (!YamlSettingsReader.AGENT_SECTIONS.contains(path.get(0))) {
                continue;
            }
            String origin = origin(name);
            if (path.contains("")) {
                throw SettingsException.inSource(origin,
                        "empty key in " + String.join(".", path) + ": levels are separated by exactly two underscores");
            }
            set(root, path, new SettingNode.Entry(path.get(path.size() - 1), origin, parse(variable.getValue(), origin)));
        }
    }

    /** How errors name a variable. */
    static String origin(String variableName) {
        return "env " + variableName;
    }

    private static void set(SettingNode.Mapping root, List<String> path, SettingNode.Entry leaf) {
        SettingNode.Mapping parent = root;
        for (String key : path.subList(0, path.size() - 1)) {
            SettingNode.Entry existing = parent.get(key);
            if (existing != null && existing.value() instanceof SettingNode.Mapping child) {
                parent = child;
            } else {
                SettingNode.Mapping created = new SettingNode.Mapping(leaf.origin());
                parent.override(new SettingNode.Entry(key, leaf.origin(), created));
                parent = created;
            }
        }
        parent.override(leaf);
    }

    /** JSON if the whole value is JSON, else the text itself. A scalar keeps the variable's exact text. */
    static SettingNode parse(String value, String origin) {
        if (value.isBlank()) {
            return new SettingNode.Scalar(origin, value, value);
        }
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(value);
        } catch (JsonProcessingException notJson) {
            return new SettingNode.Scalar(origin, value, value);
        }
        if (json.isValueNode() || json.isNull()) {
            return new SettingNode.Scalar(origin, scalarValue(json), json.isTextual() ? json.textValue() : value.strip());
        }
        return convert(json, origin);
    }

    private static SettingNode convert(JsonNode json, String origin) {
        if (json.isObject()) {
            SettingNode.Mapping mapping = new SettingNode.Mapping(origin);
            json.fields().forEachRemaining(field ->
                    mapping.add(new SettingNode.Entry(field.getKey(), origin, convert(field.getValue(), origin))));
            return mapping;
        }
        if (json.isArray()) {
            List<SettingNode> items = new ArrayList<>();
            json.forEach(item -> items.add(convert(item, origin)));
            return new SettingNode.Sequence(origin, List.copyOf(items));
        }
        return new SettingNode.Scalar(origin, scalarValue(json), json.isNull() ? "null" : json.asText());
    }

    private static Object scalarValue(JsonNode json) {
        if (json.isNull()) {
            return null;
        }
        if (json.isBoolean()) {
            return json.booleanValue();
        }
        if (json.isIntegralNumber()) {
            return json.canConvertToLong() ? (Object) json.longValue() : json.bigIntegerValue();
        }
        if (json.isNumber()) {
            return json.decimalValue();
        }
        return json.asText();
    }
}
