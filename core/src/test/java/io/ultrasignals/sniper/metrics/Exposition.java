package io.ultrasignals.sniper.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scrape in Prometheus text format 0.0.4 (or OpenMetrics), parsed as far as tests need: the
 * {@code # TYPE} line of each family and every sample with its labels and value.
 */
final class Exposition {
    /** One sample line. */
    record Sample(String name, Map<String, String> labels, double value) {}

    private static final Pattern TYPE = Pattern.compile("# TYPE (\\S+) (\\S+)");
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)(?: \\S+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");
    /** Sample suffixes that belong to a histogram's or a summary's family. */
    private static final List<String> FAMILY_SUFFIXES = List.of("_bucket", "_count", "_sum");

    private final Map<String, String> types = new LinkedHashMap<>();
    private final List<Sample> samples = new ArrayList<>();

    private Exposition() {}

    static Exposition parse(String text) {
        Exposition e = new Exposition();
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            if (line.isBlank() || line.startsWith("# HELP") || line.equals("# EOF")) {
                continue;
            }
            Matcher type = TYPE.matcher(line);
            if (type.matches()) {
                if (e.types.put(type.group(1), type.group(2)) != null) {
                    throw new IllegalArgumentException("line " + lineNo + ": TYPE of " + type.group(1) + " given twice");
                }
                continue;
            }
            Matcher sample = SAMPLE.matcher(line);
            if (!sample.matches()) {
                throw new IllegalArgumentException("line " + lineNo + " is neither a TYPE, HELP nor sample line: " + line);
            }
            e.samples.add(new Sample(sample.group(1), labels(sample.group(2), lineNo), number(sample.group(3))));
        }
        return e;
    }

    /** The TYPE of the family a sample name belongs to, as this text declares it. */
    Optional<String> typeOfSample(String sampleName) {
        if (types.containsKey(sampleName)) {
            return Optional.of(types.get(sampleName));
        }
        for (String suffix : FAMILY_SUFFIXES) {
            if (sampleName.endsWith(suffix)) {
                String family = sampleName.substring(0, sampleName.length() - suffix.length());
                String type = types.get(family);
                if ("histogram".equals(type) || "summary".equals(type)) {
                    return Optional.of(type);
                }
            }
        }
        // OpenMetrics declares counters without _total.
        if (sampleName.endsWith("_total") && "counter".equals(types.get(sampleName.substring(0, sampleName.length() - 6)))) {
            return Optional.of("counter");
        }
        return Optional.empty();
    }

    Map<String, String> types() {
        return types;
    }

    List<Sample> samples(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }

    List<Sample> samples() {
        return samples;
    }

    /** The one sample of {@code name} whose labels include {@code labels}. */
    double value(String name, Map<String, String> labels) {
        List<Sample> found = samples(name).stream()
                .filter(s -> s.labels().entrySet().containsAll(labels.entrySet())).toList();
        if (found.size() != 1) {
            throw new AssertionError("expected one sample " + name + labels + ", found " + found);
        }
        return found.get(0).value();
    }

    double value(String name) {
        return value(name, Map.of());
    }

    private static Map<String, String> labels(String text, int lineNo) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (text == null || text.isEmpty()) {
            return labels;
        }
        Matcher m = LABEL.matcher(text);
        int end = 0;
        while (m.lookingAt()) {
            labels.put(m.group(1), m.group(2));
            end = m.end();
            m.region(end, text.length());
        }
        if (end != text.length()) {
            throw new IllegalArgumentException("line " + lineNo + ": cannot read labels {" + text + "}");
        }
        return labels;
    }

    private static double number(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }
}
