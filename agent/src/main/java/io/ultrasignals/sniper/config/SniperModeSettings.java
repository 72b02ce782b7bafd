package io.ultrasignals.sniper.config;

import io.ultrasignals.sniper.script.WindowMode;

/**
 * The {@code runtime.sniper_mode} section: the caps themselves. The first four keys are the ultra_signals seed's.
 *
 * @param enabled           apply sniper mode at all; when false every signal is admitted and nothing is counted
 * @param mtfConfirm        admit only signals confirmed on multiple timeframes
 * @param maxSignalsPerHour hourly cap across the fleet, 0..1000000000, 0 = no hourly cap
 * @param dailySignalCap    daily (UTC) cap across the fleet, 0..1000000000, 0 = no daily cap
 * @param window            fixed (epoch-aligned buckets, the seed's) or sliding windows
 * @param enforcement       enforce, or shadow: decide, count and report, never block
 * @param fallback          behaviour while Redis is unreachable
 */
public record SniperModeSettings(boolean enabled, boolean mtfConfirm, long maxSignalsPerHour, long dailySignalCap,
                                 WindowMode window, Enforcement enforcement, FallbackSettings fallback) {
    /** Read for {@link #SECTION} only; nothing else under it is the agent's. */
    static final SettingKey RUNTIME = SettingKey.root("runtime");
    static final SettingKey SECTION = RUNTIME.key("sniper_mode");
    /** The caps the v1 scripts accept. */
    static final Checks.Range CAP_RANGE = new Checks.Range(0, 1_000_000_000L);
    static final SettingKey ENABLED = SECTION.key("enabled");
    static final SettingKey MTF_CONFIRM = SECTION.key("mtf_confirm");
    static final SettingKey MAX_SIGNALS_PER_HOUR = SECTION.key("max_signals_per_hour", CAP_RANGE);
    static final SettingKey DAILY_SIGNAL_CAP = SECTION.key("daily_signal_cap", CAP_RANGE);
    static final SettingKey WINDOW = SECTION.key("window");
    static final SettingKey ENFORCEMENT = SECTION.key("enforcement");
    static final SettingKey FALLBACK = SECTION.key("fallback");

    public SniperModeSettings {
        MAX_SIGNALS_PER_HOUR.check(maxSignalsPerHour);
        DAILY_SIGNAL_CAP.check(dailySignalCap);
        WINDOW.required(window);
        ENFORCEMENT.required(enforcement);
        FALLBACK.required(fallback);
    }

    public static SniperModeSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from these settings: change a few, keep the rest (Lettuce's {@code mutate()}). */
    public Builder toBuilder() {
        return builder().enabled(enabled).mtfConfirm(mtfConfirm).maxSignalsPerHour(maxSignalsPerHour)
                .dailySignalCap(dailySignalCap).window(window).enforcement(enforcement).fallback(fallback);
    }

    public static final class Builder {
        private boolean enabled = SettingsDefaults.SNIPER_ENABLED;
        private boolean mtfConfirm = SettingsDefaults.SNIPER_MTF_CONFIRM;
        private long maxSignalsPerHour = SettingsDefaults.SNIPER_MAX_SIGNALS_PER_HOUR;
        private long dailySignalCap = SettingsDefaults.SNIPER_DAILY_SIGNAL_CAP;
        private WindowMode window = SettingsDefaults.SNIPER_WINDOW;
        private Enforcement enforcement = SettingsDefaults.SNIPER_ENFORCEMENT;
        private FallbackSettings fallback = FallbackSettings.defaults();

        private Builder() {
        }

        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        public Builder mtfConfirm(boolean mtfConfirm) {
            this.mtfConfirm = mtfConfirm;
            return this;
        }

        public Builder maxSignalsPerHour(long cap) {
            this.maxSignalsPerHour = cap;
            return this;
        }

        public Builder dailySignalCap(long cap) {
            this.dailySignalCap = cap;
            return this;
        }

        public Builder window(WindowMode window) {
            this.window = window;
            return this;
        }

        public Builder enforcement(Enforcement enforcement) {
            this.enforcement = enforcement;
            return this;
        }

        public Builder fallback(FallbackSettings fallback) {
            this.fallback = fallback;
            return this;
        }

        public SniperModeSettings build() {
            return new SniperModeSettings(enabled, mtfConfirm, maxSignalsPerHour, dailySignalCap, window, enforcement,
                    fallback);
        }
    }
}
