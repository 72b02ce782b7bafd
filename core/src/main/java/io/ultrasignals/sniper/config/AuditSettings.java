package io.ultrasignals.sniper.config;

import io.ultrasignals.sniper.script.AuditIdentity;

/**
 * {@code runtime.sniper_mode.audit}: how this runner appears in the namespace's audit stream, and the stream's bounds.
 *
 * @param runner      the runner's readable name in audit entries, up to 256 bytes; null: host, pid and main class
 * @param maxEntries  the stream's bound in entries ({@code XADD MAXLEN ~}), 1..100000000
 * @param maxAgeHours the stream's age bound in hours ({@code XTRIM MINID ~}), 0..8784; 0: none
 */
public record AuditSettings(String runner, long maxEntries, long maxAgeHours) {
    static final SettingKey SECTION = SniperModeSettings.AUDIT;
    static final SettingKey RUNNER = SECTION.key("runner");
    static final SettingKey MAX_ENTRIES = SECTION.key("max_entries", new Checks.Range(1, 100_000_000));
    static final SettingKey MAX_AGE_HOURS = SECTION.key("max_age_hours", new Checks.Range(0, 8784));

    public AuditSettings {
        if (runner != null && (runner.isBlank() || runner.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 256)) {
            throw new IllegalArgumentException(RUNNER.path() + ": expected 1..256 bytes of text or null, got "
                    + (runner.isBlank() ? "blank text" : runner.length() + " characters"));
        }
        MAX_ENTRIES.check(maxEntries);
        MAX_AGE_HOURS.check(maxAgeHours);
    }

    /** With the default age bound. */
    public AuditSettings(String runner, long maxEntries) {
        this(runner, maxEntries, AuditIdentity.DEFAULT_MAX_AGE_HOURS);
    }

    public static AuditSettings defaults() {
        return new AuditSettings(null, AuditIdentity.DEFAULT_MAX_ENTRIES, AuditIdentity.DEFAULT_MAX_AGE_HOURS);
    }

    /** The age bound in ms, as the scripts take it; 0: none. */
    public long maxAgeMillis() {
        return maxAgeHours * 3_600_000L;
    }
}
