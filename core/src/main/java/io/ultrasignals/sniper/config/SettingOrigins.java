package io.ultrasignals.sniper.config;

import java.util.LinkedHashMap;
import java.util.Map;

/** Where each key of a load was written, so an error found after reading (a contradiction) can name its source. */
final class SettingOrigins {
    private final Map<String, String> byKeyPath = new LinkedHashMap<>();

    void record(String keyPath, String origin) {
        byKeyPath.put(keyPath, origin);
    }

    /** Every key path that was set in a source, with where; in reading order. */
    Map<String, String> asMap() {
        return Map.copyOf(byKeyPath);
    }

    /**
     * The exception with its source filled in: where its key was written, else where the other key of the
     * contradiction was, else where the nearest enclosing section was. Unchanged when nothing is known.
     */
    SettingsException attach(SettingsException e) {
        if (e.source() != null || e.keyPath() == null) {
            return e;
        }
        String origin = byKeyPath.get(e.keyPath());
        if (origin == null && e.relatedKeyPath() != null) {
            origin = byKeyPath.get(e.relatedKeyPath());
        }
        for (String path = parent(e.keyPath()); origin == null && !path.isEmpty(); path = parent(path)) {
            origin = byKeyPath.get(path);
        }
        return origin == null ? e : e.from(origin);
    }

    private static String parent(String keyPath) {
        int cut = Math.max(keyPath.lastIndexOf('.'), keyPath.lastIndexOf('['));
        return cut < 0 ? "" : keyPath.substring(0, cut);
    }
}
