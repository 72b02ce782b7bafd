package io.ultrasignals.sniper.instrument;

import io.ultrasignals.sniper.testkit.RedisServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A settings.yaml for a runner JVM under test: caps, optionally Redis, and the instrument entries. */
final class SettingsYaml {
    private final long hourlyCap;
    private final long dailyCap;
    private boolean mtfConfirm;
    private String redis = "";
    private String fallback = "";
    private String onMisconfiguration = "";
    private String metrics = "enabled: false";
    private final List<String> entries = new ArrayList<>();

    private SettingsYaml(long hourlyCap, long dailyCap) {
        this.hourlyCap = hourlyCap;
        this.dailyCap = dailyCap;
    }

    /** Sniper mode on with these caps (0: none); without {@link #redis} the guard counts locally. */
    static SettingsYaml caps(long hourlyCap, long dailyCap) {
        return new SettingsYaml(hourlyCap, dailyCap);
    }

    SettingsYaml mtfConfirm() {
        this.mtfConfirm = true;
        return this;
    }

    /**
     * Counters in this Redis, under {@code namespace}. Decisions may wait up to 3 s (several JVMs start at once on a
     * small machine; these tests are about caps, not timeouts), and a Redis that does not answer blocks signals, so
     * a fallback shows up as a short count rather than passing unnoticed.
     */
    SettingsYaml redis(RedisServer server, String namespace) {
        this.redis = """
                redis:
                  enabled: true
                  host: %s
                  port: %d
                  namespace: %s
                  decision_timeout_ms: 3000
                """.formatted(server.host(), server.port(), namespace);
        this.fallback = """
                    fallback:
                      policy: deny
                """;
        return this;
    }

    /** The scrape endpoint on 127.0.0.1:{@code port} (off unless asked for: runners on one host need distinct ports). */
    SettingsYaml metricsPort(int port) {
        this.metrics = "enabled: true\n    host: 127.0.0.1\n    port: " + port;
        return this;
    }

    SettingsYaml onMisconfiguration(String policy) {
        this.onMisconfiguration = "  on_misconfiguration: " + policy + "\n";
        return this;
    }

    /** One {@code sniper_agent.instrument} entry: the method, then its other keys as {@code key: value}. */
    SettingsYaml entry(String method, String... keys) {
        StringBuilder entry = new StringBuilder("    - method: ").append(method).append('\n');
        for (String key : keys) {
            entry.append("      ").append(key).append('\n');
        }
        entries.add(entry.toString());
        return this;
    }

    String text() {
        return redis + """
                runtime:
                  sniper_mode:
                    enabled: true
                    mtf_confirm: %s
                    max_signals_per_hour: %d
                    daily_signal_cap: %d
                %ssniper_agent:
                %s  metrics:
                    %s
                  instrument:
                """.formatted(mtfConfirm, hourlyCap, dailyCap, fallback, onMisconfiguration, metrics) + String.join("", entries);
    }

    /** Writes a new file in {@code dir} and returns it. */
    Path writeIn(Path dir) throws IOException {
        return Files.writeString(Files.createTempFile(dir, "settings-", ".yaml"), text());
    }
}
