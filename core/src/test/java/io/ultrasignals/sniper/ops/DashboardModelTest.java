package io.ultrasignals.sniper.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ultrasignals.sniper.ops.DashboardExpressions.PanelQuery;
import io.ultrasignals.sniper.ops.DashboardExpressions.VariableQuery;
import io.ultrasignals.sniper.ops.MetricNames.MetricName;
import io.ultrasignals.sniper.ops.PromQlSelectors.LabelMatcher;
import io.ultrasignals.sniper.ops.PromQlSelectors.Selector;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The dashboard's structure: importable into current Grafana, and every query built on the listed metrics. */
@Tag("unit")
class DashboardModelTest {
    private static final String DATASOURCE_UID = "${DS_PROMETHEUS}";
    private static final Set<String> CURRENT_PANEL_TYPES = Set.of("timeseries", "stat", "gauge", "bargauge", "table");
    private static final String PER_MINUTE_UNIT = "suffix:/min";

    private final JsonNode dashboard = DashboardExpressions.dashboard();
    private final List<JsonNode> panels = DashboardExpressions.panels(dashboard);
    private final List<PanelQuery> queries = DashboardExpressions.raw();

    @Test
    void isInGrafanaImportFormatWithOnePrometheusInput() {
        JsonNode inputs = dashboard.path("__inputs");
        assertThat(inputs).hasSize(1);
        assertThat(inputs.get(0).path("name").asText()).isEqualTo("DS_PROMETHEUS");
        assertThat(inputs.get(0).path("type").asText()).isEqualTo("datasource");
        assertThat(inputs.get(0).path("pluginId").asText()).isEqualTo("prometheus");
        assertThat(dashboard.path("id").isNull()).as("an exported dashboard has id null").isTrue();
        assertThat(dashboard.path("uid").asText()).isNotBlank();
        assertThat(dashboard.path("title").asText()).isNotBlank();
        assertThat(dashboard.path("schemaVersion").asInt()).isGreaterThanOrEqualTo(36);

        Set<String> requiredPanels = StreamSupport.stream(dashboard.path("__requires").spliterator(), false)
                .filter(r -> r.path("type").asText().equals("panel")).map(r -> r.path("id").asText())
                .collect(Collectors.toSet());
        Set<String> usedPanels = panels.stream().map(p -> p.path("type").asText()).collect(Collectors.toSet());
        assertThat(requiredPanels).as("__requires lists exactly the panel types used").isEqualTo(usedPanels);
    }

    @Test
    void usesOnlyCurrentPanelTypes() {
        assertThat(panels).isNotEmpty();
        for (JsonNode panel : panels) {
            assertThat(panel.path("type").asText()).as("type of panel '%s' (graph and singlestat are gone from Grafana)",
                    panel.path("title").asText()).isIn(CURRENT_PANEL_TYPES);
        }
    }

    @Test
    void panelsHaveUniqueIdsAndFitTheGrid() {
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : panels) {
            String title = panel.path("title").asText();
            assertThat(ids.add(panel.path("id").asInt())).as("id of panel '%s' is unique", title).isTrue();
            assertThat(title).isNotBlank();
            JsonNode grid = panel.path("gridPos");
            assertThat(grid.path("w").asInt()).as("width of '%s'", title).isPositive();
            assertThat(grid.path("h").asInt()).as("height of '%s'", title).isPositive();
            assertThat(grid.path("x").asInt() + grid.path("w").asInt()).as("'%s' ends within 24 columns", title)
                    .isLessThanOrEqualTo(24);
        }
    }

    @Test
    void everyPanelAndTargetUsesTheImportedPrometheus() {
        for (JsonNode panel : panels) {
            assertPrometheusInput(panel.path("datasource"), "panel '" + panel.path("title").asText() + "'");
            assertThat(panel.path("targets")).as("targets of '%s'", panel.path("title").asText()).isNotEmpty();
            Set<String> refIds = new HashSet<>();
            for (JsonNode target : panel.path("targets")) {
                String where = "panel '" + panel.path("title").asText() + "' query " + target.path("refId").asText();
                assertPrometheusInput(target.path("datasource"), where);
                assertThat(target.path("expr").asText()).as(where).isNotBlank();
                assertThat(refIds.add(target.path("refId").asText())).as("refId unique in " + where).isTrue();
            }
        }
    }

    @Test
    void isTemplatedByJobAndInstanceFromTheImportedPrometheus() {
        Map<String, JsonNode> variables = StreamSupport.stream(dashboard.path("templating").path("list").spliterator(), false)
                .collect(Collectors.toMap(v -> v.path("name").asText(), Function.identity()));
        // Same name as the import input: provisioned dashboards resolve ${DS_PROMETHEUS} through it.
        assertThat(variables.get("DS_PROMETHEUS").path("type").asText()).isEqualTo("datasource");
        assertThat(variables.get("DS_PROMETHEUS").path("query").asText()).isEqualTo("prometheus");
        for (String name : List.of("job", "instance")) {
            JsonNode variable = variables.get(name);
            assertThat(variable).as("variable $%s", name).isNotNull();
            assertThat(variable.path("type").asText()).isEqualTo("query");
            assertPrometheusInput(variable.path("datasource"), "variable $" + name);
        }
        Map<String, VariableQuery> queries = DashboardExpressions.variableQueries().stream()
                .collect(Collectors.toMap(VariableQuery::variable, Function.identity()));
        assertThat(queries.get("job").label()).isEqualTo("job");
        assertThat(queries.get("instance").label()).isEqualTo("instance");
        assertThat(queries.get("instance").selector()).as("guards offered are those of the chosen jobs")
                .contains("job=~\"$job\"");
    }

    @Test
    void everyQueryFiltersEverySelectorByJobAndInstance() {
        for (PanelQuery query : queries) {
            List<Selector> selectors = PromQlSelectors.of(query.expr());
            assertThat(selectors).as("%s", query).isNotEmpty();
            for (Selector selector : selectors) {
                assertThat(selector.matcher("job")).as("job filter of %s in %s", selector.metric(), query)
                        .contains(new LabelMatcher("job", "=~", "$job"));
                assertThat(selector.matcher("instance")).as("instance filter of %s in %s", selector.metric(), query)
                        .contains(new LabelMatcher("instance", "=~", "$instance"));
            }
        }
    }

    @Test
    void everyMetricIsListedAndEveryMatchedLabelIsOneOfItsLabels() {
        Map<String, MetricName> listed = MetricNames.all().stream()
                .collect(Collectors.toMap(MetricName::name, Function.identity()));
        List<String> expressions = new ArrayList<>(queries.stream().map(PanelQuery::expr).toList());
        DashboardExpressions.variableQueries().forEach(v -> expressions.add(v.selector()));
        for (String expr : expressions) {
            for (Selector selector : PromQlSelectors.of(expr)) {
                MetricName metric = listed.get(selector.metric());
                assertThat(metric).as("metric '%s' in `%s` is listed in %s", selector.metric(), expr, MetricNames.FILE)
                        .isNotNull();
                for (LabelMatcher m : selector.matchers()) {
                    if (!m.label().equals("job") && !m.label().equals("instance")) {
                        assertThat(metric.labels()).as("label '%s' of %s in `%s`", m.label(), metric.name(), expr)
                                .contains(m.label());
                    }
                }
            }
        }
    }

    @Test
    void showsEveryListedMetric() {
        Set<String> used = queries.stream().flatMap(q -> PromQlSelectors.of(q.expr()).stream())
                .map(Selector::metric).collect(Collectors.toCollection(TreeSet::new));
        assertThat(used).as("every metric of %s has a place on the dashboard", MetricNames.FILE)
                .containsAll(MetricNames.names());
    }

    /** The original dashboard labelled a per-second rate "per minute"; here the label and the maths must agree. */
    @Test
    void perMinuteLabelsAndPerMinuteMathsGoTogether() {
        for (JsonNode panel : panels) {
            String title = panel.path("title").asText();
            boolean labelledPerMinute = title.contains("per minute");
            boolean perMinuteUnit = PER_MINUTE_UNIT.equals(panel.path("fieldConfig").path("defaults").path("unit").asText());
            assertThat(perMinuteUnit).as("unit of '%s' is %s exactly when the title says per minute", title, PER_MINUTE_UNIT)
                    .isEqualTo(labelledPerMinute);
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                boolean perMinuteMaths = expr.matches("(?s).*rate\\(.*\\)\\s*\\*\\s*60") || expr.contains("[1m]");
                assertThat(perMinuteMaths).as("'%s' query %s: `%s` is a per-minute figure exactly when labelled so",
                        title, target.path("refId").asText(), expr).isEqualTo(labelledPerMinute);
            }
        }
    }

    @Test
    void latencyQuantilesComeFromTheHistogramBucketsByLe() {
        List<PanelQuery> quantiles = queries.stream().filter(q -> q.expr().contains("histogram_quantile")).toList();
        assertThat(quantiles).extracting(q -> q.expr().replaceAll("^histogram_quantile\\(([0-9.]+),.*", "$1"))
                .containsExactlyInAnyOrder("0.5", "0.95", "0.99");
        for (PanelQuery q : quantiles) {
            assertThat(q.expr()).as("%s", q).matches("(?s)histogram_quantile\\([0-9.]+, sum by \\(le\\) \\(rate\\("
                    + "sniper_decision_latency_seconds_bucket\\{[^}]*}\\[\\$__rate_interval]\\)\\)\\)");
        }
    }

    private static void assertPrometheusInput(JsonNode datasource, String where) {
        assertThat(datasource.path("type").asText()).as("datasource type of %s", where).isEqualTo("prometheus");
        assertThat(datasource.path("uid").asText()).as("datasource of %s", where).isEqualTo(DATASOURCE_UID);
    }
}
