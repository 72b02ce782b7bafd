package io.ultrasignals.sniper.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code sniper_agent} section, read only by the Java agent (the Python runners ignore it).
 *
 * @param metrics            the scrape endpoint
 * @param instrument         the methods whose calls are signals; empty when the agent is used through its API only
 * @param onMisconfiguration what the javaagent does when settings or targets are wrong
 */
public record AgentSettings(MetricsSettings metrics, List<InstrumentTarget> instrument,
                            MisconfigurationPolicy onMisconfiguration) {

    static final SettingKey SECTION = SettingKey.root("sniper_agent");
    static final SettingKey METRICS = SECTION.key("metrics");
    static final SettingKey INSTRUMENT = SECTION.key("instrument");
    static final SettingKey ON_MISCONFIGURATION = SECTION.key("on_misconfiguration");

    public AgentSettings {
        METRICS.required(metrics);
        instrument = Checks.immutableList(INSTRUMENT.path(), instrument);
        ON_MISCONFIGURATION.required(onMisconfiguration);
        Map<String, Integer> firstIndexOfMethod = new HashMap<>();
        for (int i = 0; i < instrument.size(); i++) {
            Integer earlier = firstIndexOfMethod.putIfAbsent(instrument.get(i).method(), i);
            if (earlier != null) {
                throw SettingsException.conflict(targetPath(i) + "." + InstrumentTarget.METHOD.name(),
                        targetPath(earlier) + "." + InstrumentTarget.METHOD.name(),
                        "names the same method as " + targetPath(earlier) + ": " + instrument.get(i).method());
            }
        }
    }

    /** {@code sniper_agent.instrument[3]}. */
    static String targetPath(int index) {
        return INSTRUMENT.path() + "[" + index + "]";
    }

    public static AgentSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from these settings. */
    public Builder toBuilder() {
        return builder().metrics(metrics).instrument(instrument).onMisconfiguration(onMisconfiguration);
    }

    public static final class Builder {
        private MetricsSettings metrics = MetricsSettings.defaults();
        private List<InstrumentTarget> instrument = List.of();
        private MisconfigurationPolicy onMisconfiguration = SettingsDefaults.ON_MISCONFIGURATION;

        private Builder() {
        }

        public Builder metrics(MetricsSettings metrics) {
            this.metrics = metrics;
            return this;
        }

        public Builder instrument(List<InstrumentTarget> targets) {
            this.instrument = targets;
            return this;
        }

        public Builder onMisconfiguration(MisconfigurationPolicy policy) {
            this.onMisconfiguration = policy;
            return this;
        }

        public AgentSettings build() {
            return new AgentSettings(metrics, instrument, onMisconfiguration);
        }
    }
}
