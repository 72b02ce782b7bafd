package io.ultrasignals.sniper.ops;

import io.ultrasignals.sniper.testkit.RepoRoot;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/** The alerting rules of {@code ops/prometheus/alerts.yml}: names, expressions, labels and annotations. */
public final class AlertExpressions {
    /** Relative to the repository root. */
    public static final String FILE = "ops/prometheus/alerts.yml";

    /** One alerting rule; {@code forDuration} is empty when the rule has no {@code for}. */
    public record AlertRule(String group, String name, String expr, String forDuration,
                            Map<String, String> labels, Map<String, String> annotations) {
        @Override
        public String toString() {
            return "alert " + name + ": " + expr.strip();
        }
    }

    private AlertExpressions() {}

    /** Every alerting rule of every group, in file order (recording rules are left out). */
    @SuppressWarnings("unchecked")
    public static List<AlertRule> all() {
        Map<String, Object> root;
        try (Reader in = Files.newBufferedReader(RepoRoot.resolve(FILE))) {
            root = new Yaml().load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + FILE, e);
        }
        List<AlertRule> rules = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) root.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                if (rule.containsKey("alert")) {
                    rules.add(new AlertRule(String.valueOf(group.get("name")), String.valueOf(rule.get("alert")),
                            String.valueOf(rule.get("expr")), String.valueOf(rule.getOrDefault("for", "")),
                            strings(rule.get("labels")), strings(rule.get("annotations"))));
                }
            }
        }
        return rules;
    }

    private static Map<String, String> strings(Object map) {
        Map<String, String> out = new LinkedHashMap<>();
        if (map instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
        }
        return out;
    }
}
