package io.ultrasignals.sniper.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;

/**
 * Reads the keys of one owned section. Every key the binder asks for becomes known; whatever else the section
 * holds is an error ({@link #rejectUnknownKeys()}), since a silently dropped key once left caps unapplied.
 */
final class SettingsSection {
    private static final Pattern ANY_INDEX = Pattern.compile("\\[\\d+]");

    private final SettingNode.Mapping mapping;
    private final String path;
    /** The section's path as its keys spell it: list indexes as {@code []}, names the user chose as {@code *}. */
    private final String template;
    private final SettingOrigins origins;
    private final Set<String> knownKeys = new LinkedHashSet<>();

    /** {@code path} is the section's key path, empty for the document root. */
    SettingsSection(SettingNode.Mapping mapping, String path, SettingOrigins origins) {
        this(mapping, path, ANY_INDEX.matcher(path).replaceAll("[]"), origins);
    }

    private SettingsSection(SettingNode.Mapping mapping, String path, String template, SettingOrigins origins) {
        this.mapping = mapping;
        this.path = path;
        this.template = template;
        this.origins = origins;
    }

    String path() {
        return path;
    }

    /** If the key is present, converts its value and hands it to {@code setter}; absent keys keep the builder's default. */
    <T> void read(SettingKey key, Conversions.Conversion<T> conversion, Consumer<T> setter) {
        SettingNode.Entry entry = entry(own(key));
        if (entry != null) {
            setter.accept(convert(key.name(), entry, conversion));
        }
    }

    /** A whole number in the key's range. */
    void readInteger(SettingKey key, LongConsumer setter) {
        read(key, Conversions.integer(key.range()), setter::accept);
    }

    /** Whole milliseconds in the key's range ({@code *_ms} keys). */
    void readMillis(SettingKey key, Consumer<Duration> setter) {
        read(key, Conversions.millis(key.range()), setter);
    }

    /** The converted value of the key, or null when it is absent. */
    <T> T valueOrNull(SettingKey key, Conversions.Conversion<T> conversion) {
        SettingNode.Entry entry = entry(own(key));
        return entry == null ? null : convert(key.name(), entry, conversion);
    }

    /** Fails if the key is present at all: for keys that belong elsewhere. */
    void rejectIfPresent(String key, String problem) {
        SettingNode.Entry entry = entry(key);
        if (entry != null) {
            throw SettingsException.invalid(keyPath(key), problem).from(entry.origin());
        }
    }

    /** The nested section, if present and not null. */
    Optional<SettingsSection> section(SettingKey key) {
        SettingNode.Mapping nested = valueOf(own(key), SettingNode.Mapping.class, "a mapping of keys");
        return nested == null ? Optional.empty() : Optional.of(new SettingsSection(nested, keyPath(key), origins));
    }

    /** The items of a list of sections ({@code key[0]}, {@code key[1]}, ...); empty when absent or null. */
    List<SettingsSection> sections(SettingKey key) {
        SettingNode.Sequence sequence = valueOf(own(key), SettingNode.Sequence.class, "a list of mappings");
        if (sequence == null) {
            return List.of();
        }
        List<SettingsSection> items = new ArrayList<>();
        for (int i = 0; i < sequence.items().size(); i++) {
            SettingNode item = sequence.items().get(i);
            String itemPath = keyPath(key) + "[" + i + "]";
            if (!(item instanceof SettingNode.Mapping itemMapping)) {
                throw SettingsException.invalid(itemPath, "expected a mapping of keys, got " + item.describe())
                        .from(item.origin());
            }
            origins.record(itemPath, item.origin());
            items.add(new SettingsSection(itemMapping, itemPath, origins));
        }
        return items;
    }

    /**
     * The sections under {@code key} whose names the user chooses (a scope's dimension, one of its values), in the
     * order written; each is read with the keys of {@code anyName}'s section. A name {@code nameProblem} finds fault
     * with, or a value that is not a mapping, is an error; a null value is an empty section.
     */
    Map<String, SettingsSection> namedSections(SettingKey key, SettingKey anyName, Function<String, String> nameProblem) {
        SettingNode.Mapping named = valueOf(own(key), SettingNode.Mapping.class, "a mapping of names to sections");
        Map<String, SettingsSection> sections = new LinkedHashMap<>();
        if (named == null) {
            return sections;
        }
        for (SettingNode.Entry entry : named.entries()) {
            String itemPath = keyPath(key) + "." + entry.key();
            String repeated = named.repetitionOf(entry.key());
            if (repeated != null) {
                throw SettingsException.invalid(itemPath, "is set twice in the same mapping; keep one").from(repeated);
            }
            String problem = nameProblem.apply(entry.key());
            if (problem != null) {
                throw SettingsException.invalid(itemPath, problem).from(entry.origin());
            }
            SettingNode.Mapping mappingOf;
            if (isNull(entry.value())) {
                mappingOf = new SettingNode.Mapping(entry.origin());
            } else if (entry.value() instanceof SettingNode.Mapping m) {
                mappingOf = m;
            } else {
                throw SettingsException.invalid(itemPath, "expected a mapping of keys, got " + entry.value().describe())
                        .from(entry.origin());
            }
            origins.record(itemPath, entry.origin());
            sections.put(entry.key(), new SettingsSection(mappingOf, itemPath, anyName.path(), origins));
        }
        return sections;
    }

    /** True when the section sets anything at all: a key with a value other than null or an empty list. */
    boolean setsAnything() {
        return mapping.entries().stream().anyMatch(e -> !isNull(e.value())
                && !(e.value() instanceof SettingNode.Sequence s && s.items().isEmpty()));
    }

    /** Fails on the first key nobody asked for. */
    void rejectUnknownKeys() {
        for (SettingNode.Entry entry : mapping.entries()) {
            if (!knownKeys.contains(entry.key())) {
                String guess = Suggestions.closest(entry.key(), knownKeys);
                String hint = guess != null ? ", did you mean " + guess + "?" : " (known keys: " + String.join(", ", knownKeys) + ")";
                throw SettingsException.invalid(keyPath(entry.key()), "unknown key" + hint).from(entry.origin());
            }
        }
    }

    /** The path of one of this section's keys as it stands here: {@code sniper_agent.instrument[2].method}. */
    String keyPath(SettingKey key) {
        return keyPath(own(key));
    }

    private String keyPath(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** The key's name; a key of another section is the binder's mistake, caught on the first load. */
    private String own(SettingKey key) {
        if (!key.section().equals(template)) {
            throw new IllegalArgumentException("the key " + key.path() + " is not one of the section " + path);
        }
        return key.name();
    }

    /** The key's entry, or null; a key written twice is an error, since YAML readers silently keep only the last. */
    private SettingNode.Entry entry(String key) {
        knownKeys.add(key);
        String repeated = mapping.repetitionOf(key);
        if (repeated != null) {
            throw SettingsException.invalid(keyPath(key), "is set twice in the same mapping; keep one").from(repeated);
        }
        SettingNode.Entry entry = mapping.get(key);
        if (entry != null) {
            origins.record(keyPath(key), entry.origin());
        }
        return entry;
    }

    private <T> T convert(String key, SettingNode.Entry entry, Conversions.Conversion<T> conversion) {
        try {
            return conversion.convert(entry.value(), keyPath(key));
        } catch (SettingsException e) {
            throw e.source() == null ? e.from(entry.origin()) : e;
        }
    }

    /** The value of {@code key} as {@code kind}, or null when absent or null; anything else is an error. */
    private <T extends SettingNode> T valueOf(String key, Class<T> kind, String expected) {
        SettingNode.Entry entry = entry(key);
        if (entry == null || isNull(entry.value())) {
            return null;
        }
        if (!kind.isInstance(entry.value())) {
            throw SettingsException.invalid(keyPath(key), "expected " + expected + ", got " + entry.value().describe())
                    .from(entry.origin());
        }
        return kind.cast(entry.value());
    }

    private static boolean isNull(SettingNode node) {
        return node instanceof SettingNode.Scalar scalar && scalar.value() == null;
    }
}
