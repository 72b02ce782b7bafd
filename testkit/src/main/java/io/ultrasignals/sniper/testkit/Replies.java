package io.ultrasignals.sniper.testkit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the reply shapes the topologies inspect: INFO text and flat field/value arrays. */
final class Replies {
    private Replies() {}

    /** The {@code field:value} lines of an INFO (or CLUSTER INFO) reply. */
    static Map<String, String> info(Object reply) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : String.valueOf(reply).split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("#")) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).strip());
            }
        }
        return fields;
    }

    /** A flat array {@code [field, value, field, value, ...]} such as SENTINEL MASTER answers. */
    static Map<String, String> pairs(Object reply) {
        List<?> items = (List<?>) reply;
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 0; i + 1 < items.size(); i += 2) {
            fields.put(String.valueOf(items.get(i)), String.valueOf(items.get(i + 1)));
        }
        return fields;
    }
}
