package io.ultrasignals.sniper.config;

import io.ultrasignals.sniper.script.ScopeCap;
import io.ultrasignals.sniper.script.WindowMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
 * @param scopes            dimension ({@code strategy}, {@code symbol}) → the caps of each of its values, in the
 *                          order written: the layers besides the fleet, decided with it all or nothing
 * @param audit             this runner's name in the audit stream, and the stream's bound
 */
public record SniperModeSettings(boolean enabled, boolean mtfConfirm, long maxSignalsPerHour, long dailySignalCap,
                                 WindowMode window, Enforcement enforcement, FallbackSettings fallback,
                                 Map<String, ScopeSettings> scopes, AuditSettings audit) {
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
    static final SettingKey AUDIT = SECTION.key("audit");

    public SniperModeSettings {
        MAX_SIGNALS_PER_HOUR.check(maxSignalsPerHour);
        DAILY_SIGNAL_CAP.check(dailySignalCap);
        WINDOW.required(window);
        ENFORCEMENT.required(enforcement);
        FALLBACK.required(fallback);
        AUDIT.required(audit);
        Map<String, ScopeSettings> copy = new LinkedHashMap<>();
        if (scopes != null) {
            scopes.forEach((dimension, caps) -> {
                if (!ScopeCap.isDimension(dimension)) {
                    throw new IllegalArgumentException(ScopeSettings.SCOPES.path() + ": a dimension must be a-z 0-9 _ from a"
                            + " letter, up to 32 bytes, got " + (dimension == null ? "null" : "\"" + dimension + "\""));
                }
                copy.put(dimension, ScopeSettings.DIMENSION.required(caps));
            });
        }
        if (copy.size() > ScopeCap.MAX_SCOPES) {
            throw new IllegalArgumentException(ScopeSettings.SCOPES.path() + ": at most 8 dimensions, got " + copy.size());
        }
        scopes = Collections.unmodifiableMap(copy);
    }

    /**
     * The layers {@code signalScopes} (dimension → value) counts in, with their caps: first the declared dimensions
     * the signal has a value for, in the order declared, then any other dimension it names, counted without a cap.
     */
    public List<ScopeCap> scopeCaps(Map<String, String> signalScopes) {
        if (signalScopes.isEmpty()) {
            return List.of();
        }
        List<ScopeCap> caps = new ArrayList<>(signalScopes.size());
        scopes.forEach((dimension, settings) -> {
            String value = signalScopes.get(dimension);
            if (value != null) {
                caps.add(settings.capFor(dimension, value));
            }
        });
        signalScopes.forEach((dimension, value) -> {
            if (!scopes.containsKey(dimension)) {
                caps.add(new ScopeCap(dimension + "=" + value, 0, 0));
            }
        });
        return List.copyOf(caps);
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
                .dailySignalCap(dailySignalCap).window(window).enforcement(enforcement).fallback(fallback).scopes(scopes)
                .audit(audit);
    }

    public static final class Builder {
        private boolean enabled = SettingsDefaults.SNIPER_ENABLED;
        private boolean mtfConfirm = SettingsDefaults.SNIPER_MTF_CONFIRM;
        private long maxSignalsPerHour = SettingsDefaults.SNIPER_MAX_SIGNALS_PER_HOUR;
        private long dailySignalCap = SettingsDefaults.SNIPER_DAILY_SIGNAL_CAP;
        private WindowMode window = SettingsDefaults.SNIPER_WINDOW;
        private Enforcement enforcement = SettingsDefaults.SNIPER_ENFORCEMENT;
        private FallbackSettings fallback = FallbackSettings.defaults();
        private Map<String, ScopeSettings> scopes = Map.of();
        private AuditSettings audit = AuditSettings.defaults();

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

        /** Dimension → the caps of each of its values, in the order they are decided (e.g. a LinkedHashMap). */
        public Builder scopes(Map<String, ScopeSettings> scopes) {
            this.scopes = scopes;
            return this;
        }

        public Builder audit(AuditSettings audit) {
            this.audit = audit;
            return this;
        }

        public SniperModeSettings build() {
            return new SniperModeSettings(enabled, mtfConfirm, maxSignalsPerHour, dailySignalCap, window, enforcement,
                    fallback, scopes, audit);
        }
    }
}
