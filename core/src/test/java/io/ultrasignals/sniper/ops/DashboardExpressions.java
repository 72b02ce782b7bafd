package io.ultrasignals.sniper.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ultrasignals.sniper.testkit.RepoRoot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PromQL of every panel of {@code dashboards/sniper-mode-dashboard.json}, as written or with
 * Grafana's variables filled in the way Grafana would, ready to send to a real Prometheus.
 */
public final class DashboardExpressions {
    /** Relative to the repository root. */
    public static final String FILE = "dashboards/sniper-mode-dashboard.json";

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(?::\\w+)?}|\\$(\\w+)");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*(\\w+)\\)");

    /** One query of one panel. {@code instant} as Grafana sends it: an instant query, else a range query. */
    public record PanelQuery(String panelTitle, String panelType, String refId, String expr, boolean instant) {
        @Override
        public String toString() {
            return "panel '" + panelTitle + "' query " + refId + ": " + expr;
        }
    }

    /**
     * Values for the dashboard's variables. {@code job} and {@code instance} are regular expressions, as
     * Grafana fills them into {@code =~} matchers; the others are PromQL durations such as {@code 5m}.
     */
    public record Variables(String job, String instance, String rateInterval, String range, String interval) {
        /**
         * What Grafana would send for a Prometheus scraping every {@code scrapeInterval}: {@code $__rate_interval}
         * is four scrape intervals, {@code $__interval} one, {@code $__range} is {@code range}.
         */
        public static Variables forScrapeInterval(String job, String instance, Duration scrapeInterval, Duration range) {
            return new Variables(job, instance, promDuration(scrapeInterval.multipliedBy(4)), promDuration(range),
                    promDuration(scrapeInterval));
        }

        /** Fills every variable in; a variable this record has no value for is an error, never left in place. */
        public String apply(String expr) {
            Map<String, String> values = Map.of("job", job, "instance", instance, "__rate_interval", rateInterval,
                    "__range", range, "__interval", interval);
            Matcher m = VARIABLE.matcher(expr);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String name = m.group(1) != null ? m.group(1) : m.group(2);
                String value = values.get(name);
                if (value == null) {
                    throw new IllegalArgumentException("no value for Grafana variable $" + name + " in: " + expr
                            + "; expected one of " + values.keySet());
                }
                m.appendReplacement(out, Matcher.quoteReplacement(value));
            }
            m.appendTail(out);
            return out.toString();
        }

        private static String promDuration(Duration d) {
            long millis = d.toMillis();
            return millis % 1000 == 0 ? (millis / 1000) + "s" : millis + "ms";
        }
    }

    private DashboardExpressions() {}

    /** The dashboard file, parsed. */
    public static JsonNode dashboard() {
        try {
            return new ObjectMapper().readTree(RepoRoot.resolve(FILE).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + FILE, e);
        }
    }

    /** Every panel, including panels nested in collapsed rows. */
    public static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> panels = new ArrayList<>();
        collect(dashboard.path("panels"), panels);
        return panels;
    }

    /** Every panel query as written in the file, variables and all. */
    public static List<PanelQuery> raw() {
        List<PanelQuery> queries = new ArrayList<>();
        for (JsonNode panel : panels(dashboard())) {
            for (JsonNode target : panel.path("targets")) {
                queries.add(new PanelQuery(panel.path("title").asText(), panel.path("type").asText(),
                        target.path("refId").asText(), target.path("expr").asText(), target.path("instant").asBoolean(false)));
            }
        }
        return queries;
    }

    /** Every panel query with the variables filled in. */
    public static List<PanelQuery> all(Variables variables) {
        return raw().stream().map(q -> new PanelQuery(q.panelTitle(), q.panelType(), q.refId(),
                variables.apply(q.expr()), q.instant())).toList();
    }

    /** A {@code label_values(selector, label)} variable query: the values of {@code label} on the series of {@code selector}. */
    public record VariableQuery(String variable, String selector, String label) {
        /** The same question in PromQL, for an instant query: one series per value of the label. */
        public String asPromQl(Variables variables) {
            return "count by (" + label + ") (" + variables.apply(selector) + ")";
        }
    }

    /** Every query variable of the dashboard; each must be a {@code label_values(selector, label)} query. */
    public static List<VariableQuery> variableQueries() {
        List<VariableQuery> queries = new ArrayList<>();
        for (JsonNode variable : dashboard().path("templating").path("list")) {
            if (!variable.path("type").asText().equals("query")) {
                continue;
            }
            JsonNode query = variable.path("query");
            String text = query.isTextual() ? query.asText() : query.path("query").asText();
            Matcher m = LABEL_VALUES.matcher(text.strip());
            if (!m.matches()) {
                throw new IllegalStateException("variable $" + variable.path("name").asText() + " has query '" + text
                        + "'; expected label_values(selector, label)");
            }
            queries.add(new VariableQuery(variable.path("name").asText(), m.group(1).strip(), m.group(2)));
        }
        return queries;
    }

    private static void collect(JsonNode panels, List<JsonNode> into) {
        for (JsonNode panel : panels) {
            into.add(panel);
            collect(panel.path("panels"), into);
        }
    }
}
