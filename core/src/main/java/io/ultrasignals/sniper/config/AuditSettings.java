package io.ultrasignals.sniper.config;

import io.ultrasignals.sniper.script.AuditIdentity;

/**
 * {@code runtime.sniper_mode.audit}: how this runner appears in the namespace's audit stream, and the stream's bound.
 *
 * @param runner     the runner's readable name in audit entries, up to 256 bytes; null: host, pid and main class
 * @param maxEntries the stream's bound in entries ({@code XADD MAXLEN ~}), 1..100000000
 */
public record AuditSettings(String runner, long maxEntries) {
    static final SettingKey SECTION = SniperModeSettings.AUDIT;
    static final SettingKey RUNNER = SECTION.key("runner");
    static final SettingKey MAX_ENTRIES = SECTION.key("max_entries", new Checks.Range(1, 100_000_000));

    public AuditSettings {
        if (runner != null && (runner.isBlank() || runner.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 256)) {
            throw new IllegalArgumentException(RUNNER.path() + ": expected 1..256 bytes of text or null, got "
                    + (runner.isBlank() ? "blank text" : runner.length() + " characters"));
        }
        MAX_ENTRIES.check(maxEntries);
    }

    public static AuditSettings defaults() {
        return new AuditSettings(null, AuditIdentity.DEFAULT_MAX_ENTRIES);
    }
}
