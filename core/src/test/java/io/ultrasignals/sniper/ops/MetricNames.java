package io.ultrasignals.sniper.ops;

import io.ultrasignals.sniper.testkit.RepoRoot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The series names the dashboard and alert rules may use, read from {@code ops/metric-names.txt}:
 * the one list shared by the dashboard test, the alert test and the agent's own metrics test.
 */
public final class MetricNames {
    /** Relative to the repository root. */
    public static final String FILE = "ops/metric-names.txt";
    /** Type of a series Prometheus makes itself ({@code up}); the agent does not export it. */
    public static final String SCRAPE_TYPE = "scrape";

    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", SCRAPE_TYPE);

    /** One listed series: its name, its family's type and the labels queries rely on (job and instance aside). */
    public record MetricName(String name, String type, List<String> labels) {
        public MetricName {
            labels = List.copyOf(labels);
        }

        public boolean exportedByAgent() {
            return !SCRAPE_TYPE.equals(type);
        }
    }

    private MetricNames() {}

    /** Every listed series, in file order. */
    public static List<MetricName> all() {
        return parse(RepoRoot.resolve(FILE));
    }

    /** Every listed series name. */
    public static Set<String> names() {
        return all().stream().map(MetricName::name).collect(Collectors.toCollection(java.util.LinkedHashSet::new));
    }

    /** The series names a scrape of the agent must show. */
    public static Set<String> exportedByAgent() {
        return all().stream().filter(MetricName::exportedByAgent).map(MetricName::name)
                .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
    }

    static List<MetricName> parse(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        Map<String, MetricName> byName = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = file.getFileName() + ":" + (i + 1);
            String[] columns = line.split("\\s+");
            if (columns.length != 3) {
                throw new IllegalStateException(where + ": expected 'name type labels' (labels comma-separated or -), got: " + line);
            }
            if (!TYPES.contains(columns[1])) {
                throw new IllegalStateException(where + ": type '" + columns[1] + "' is not one of " + TYPES);
            }
            List<String> labels = columns[2].equals("-") ? List.of() : List.of(columns[2].split(","));
            if (byName.put(columns[0], new MetricName(columns[0], columns[1], labels)) != null) {
                throw new IllegalStateException(where + ": " + columns[0] + " is listed twice");
            }
        }
        return new ArrayList<>(byName.values());
    }
}
