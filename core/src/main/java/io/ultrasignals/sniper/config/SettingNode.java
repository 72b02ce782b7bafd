package io.ultrasignals.sniper.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A value of the merged settings tree (file, then environment on top) before it is typed. Every node knows where it
 * came from ({@code settings.yaml line 12}, {@code env ULTRA_SIGNALS_REDIS__PORT}) so errors can say so.
 */
sealed interface SettingNode permits SettingNode.Mapping, SettingNode.Sequence, SettingNode.Scalar {

    /** Where this value was written. */
    String origin();

    /** How an error shows this value: the value for a scalar, its kind for the others. Never call it for a secret. */
    String describe();

    /** A mapping; mutable only while the loader merges sources into it. */
    final class Mapping implements SettingNode {
        private final String origin;
        private final Map<String, Entry> entries = new LinkedHashMap<>();
        private final Map<String, String> repeatedKeys = new LinkedHashMap<>();

        Mapping(String origin) {
            this.origin = origin;
        }

        @Override
        public String origin() {
            return origin;
        }

        @Override
        public String describe() {
            return "a mapping";
        }

        Entry get(String key) {
            return entries.get(key);
        }

        Collection<Entry> entries() {
            return entries.values();
        }

        /** Adds a key of the source; a key written twice in one mapping is remembered, the later value kept. */
        void add(Entry entry) {
            if (entries.put(entry.key(), entry) != null) {
                repeatedKeys.putIfAbsent(entry.key(), entry.origin());
            }
        }

        /** Adds a key only if the mapping has none of that name (YAML merge keys: explicit keys win). */
        void addIfAbsent(Entry entry) {
            entries.putIfAbsent(entry.key(), entry);
        }

        /** Sets a key over whatever the mapping held; mappings merge key by key, anything else is replaced. */
        void override(Entry entry) {
            Entry existing = entries.get(entry.key());
            if (existing != null && existing.value() instanceof Mapping target && entry.value() instanceof Mapping source) {
                for (Entry inner : source.entries()) {
                    target.override(inner);
                }
            } else {
                entries.put(entry.key(), entry);
            }
        }

        /** The origin of the second occurrence of a key written twice in this mapping, or null. */
        String repetitionOf(String key) {
            return repeatedKeys.get(key);
        }
    }

    /** One key of a mapping; its origin is where the key itself was written. */
    record Entry(String key, String origin, SettingNode value) {
    }

    record Sequence(String origin, List<SettingNode> items) implements SettingNode {
        @Override
        public String describe() {
            return "a list";
        }
    }

    /**
     * A scalar: {@code value} is null, a Boolean, a Long or BigInteger, a Double or BigDecimal, or a String;
     * {@code text} is how it was written (without quotes), so a password of digits keeps its leading zeros.
     */
    record Scalar(String origin, Object value, String text) implements SettingNode {
        @Override
        public String describe() {
            if (value == null) {
                return "null";
            }
            if (value instanceof Boolean || value instanceof Long || value instanceof BigInteger
                    || value instanceof Double || value instanceof BigDecimal) {
                return text;
            }
            return Checks.quote(text);
        }
    }
}
