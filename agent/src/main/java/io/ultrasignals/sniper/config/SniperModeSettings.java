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
    /** The caps the v1 scripts accept. */
    static final Checks.Range CAP_RANGE = new Checks.Range(0, 1_000_000_000L);

    public SniperModeSettings {
        CAP_RANGE.check("runtime.sniper_mode.max_signals_per_hour", maxSignalsPerHour);
        CAP_RANGE.check("runtime.sniper_mode.daily_signal_cap", dailySignalCap);
        Checks.required("runtime.sniper_mode.window", window);
        Checks.required("runtime.sniper_mode.enforcement", enforcement);
        Checks.required("runtime.sniper_mode.fallback", fallback);
    }

    public static SniperModeSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
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
