package io.ultrasignals.sniper.config;

import io.ultrasignals.sniper.script.ScopeCap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The caps of one scope dimension ({@code runtime.sniper_mode.scopes.<dimension>}): every value of the dimension
 * ({@code symbol=BTCUSDT}, {@code symbol=ETHUSDT}, ...) has its own buckets and these caps, the same key names as the
 * fleet's; {@code values} overrides them for single values, key by key.
 *
 * @param maxSignalsPerHour hourly cap of each value, 0..1000000000, 0 = no hourly cap
 * @param dailySignalCap    daily (UTC) cap of each value, 0..1000000000, 0 = no daily cap
 * @param values            value → its own caps, where they differ
 */
public record ScopeSettings(long maxSignalsPerHour, long dailySignalCap, Map<String, ValueCaps> values) {
    static final SettingKey SCOPES = SniperModeSettings.SECTION.key("scopes");
    /** Any dimension under {@code scopes}: the keys below are read in each. */
    static final SettingKey DIMENSION = SCOPES.key("*");
    static final SettingKey MAX_SIGNALS_PER_HOUR = DIMENSION.key("max_signals_per_hour", SniperModeSettings.CAP_RANGE);
    static final SettingKey DAILY_SIGNAL_CAP = DIMENSION.key("daily_signal_cap", SniperModeSettings.CAP_RANGE);
    static final SettingKey VALUES = DIMENSION.key("values");
    /** Any value under {@code values}. */
    static final SettingKey VALUE = VALUES.key("*");
    static final SettingKey VALUE_MAX_SIGNALS_PER_HOUR = VALUE.key("max_signals_per_hour", SniperModeSettings.CAP_RANGE);
    static final SettingKey VALUE_DAILY_SIGNAL_CAP = VALUE.key("daily_signal_cap", SniperModeSettings.CAP_RANGE);

    /**
     * One value's caps where they differ from its dimension's.
     *
     * @param maxSignalsPerHour the value's hourly cap, or {@code null} for the dimension's
     * @param dailySignalCap    the value's daily cap, or {@code null} for the dimension's
     */
    public record ValueCaps(Long maxSignalsPerHour, Long dailySignalCap) {
        public ValueCaps {
            if (maxSignalsPerHour != null) {
                VALUE_MAX_SIGNALS_PER_HOUR.check(maxSignalsPerHour);
            }
            if (dailySignalCap != null) {
                VALUE_DAILY_SIGNAL_CAP.check(dailySignalCap);
            }
        }
    }

    public ScopeSettings {
        MAX_SIGNALS_PER_HOUR.check(maxSignalsPerHour);
        DAILY_SIGNAL_CAP.check(dailySignalCap);
        Map<String, ValueCaps> copy = new LinkedHashMap<>();
        if (values != null) {
            values.forEach((value, caps) -> {
                if (!ScopeCap.isValue(value)) {
                    throw new IllegalArgumentException(VALUES.path() + ": a value must be A-Z a-z 0-9 . _ / : -, 1..64 bytes,"
                            + " got " + (value == null ? "null" : "\"" + value + "\""));
                }
                copy.put(value, caps == null ? new ValueCaps(null, null) : caps);
            });
        }
        values = Collections.unmodifiableMap(copy);
    }

    /** Caps with no per-value overrides. */
    public static ScopeSettings of(long maxSignalsPerHour, long dailySignalCap) {
        return new ScopeSettings(maxSignalsPerHour, dailySignalCap, Map.of());
    }

    /** The caps {@code value} of this dimension gets: its override where one is set, else the dimension's. */
    public ScopeCap capFor(String dimension, String value) {
        ValueCaps own = values.get(value);
        long hourly = own != null && own.maxSignalsPerHour() != null ? own.maxSignalsPerHour() : maxSignalsPerHour;
        long daily = own != null && own.dailySignalCap() != null ? own.dailySignalCap() : dailySignalCap;
        return new ScopeCap(dimension + "=" + value, hourly, daily);
    }
}
