package io.ultrasignals.sniper.config;

import io.ultrasignals.sniper.script.WindowMode;
import java.time.Duration;

/**
 * Every default value of the settings, as the builders start from them. The defaults are stated in
 * {@code settings/schema.yaml} (docs/settings.md is generated from it), and SettingsSchemaTest holds these to it.
 * Keys in brackets are the YAML keys.
 */
public final class SettingsDefaults {
    private SettingsDefaults() {
    }

    // [redis] The seed's keys keep the seed's defaults.
    public static final boolean REDIS_ENABLED = false;
    public static final String REDIS_HOST = "localhost";
    public static final int REDIS_PORT = 6379;
    public static final int REDIS_DB = 0;
    /** [redis.timeout] in seconds in YAML: the connect timeout. */
    public static final Duration REDIS_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** [redis.decision_timeout_ms] Lettuce's own command timeout is 60 s; a decision must never wait that long. */
    public static final Duration REDIS_DECISION_TIMEOUT = Duration.ofMillis(100);
    /** [redis.namespace] The seed's key prefix, so Python runners and this agent share counters. */
    public static final String REDIS_NAMESPACE = "sniper_signals";
    public static final boolean TLS_ENABLED = false;
    public static final boolean TLS_VERIFY_PEER = true;

    // [runtime.sniper_mode]
    public static final boolean SNIPER_ENABLED = false;
    public static final boolean SNIPER_MTF_CONFIRM = false;
    public static final long SNIPER_MAX_SIGNALS_PER_HOUR = 2;
    public static final long SNIPER_DAILY_SIGNAL_CAP = 6;
    public static final WindowMode SNIPER_WINDOW = WindowMode.FIXED;
    public static final Enforcement SNIPER_ENFORCEMENT = Enforcement.ENFORCE;

    // [runtime.sniper_mode.scopes.<dimension>] A dimension declared without a cap counts its values, caps none.
    public static final long SCOPE_MAX_SIGNALS_PER_HOUR = 0;
    public static final long SCOPE_DAILY_SIGNAL_CAP = 0;

    // [runtime.sniper_mode.fallback] Circuit breaker numbers close to Resilience4j's own defaults, smaller windows.
    public static final FallbackPolicy FALLBACK_POLICY = FallbackPolicy.LOCAL;
    public static final float FALLBACK_FAILURE_RATE_THRESHOLD = 50f;
    public static final int FALLBACK_MINIMUM_CALLS = 5;
    public static final int FALLBACK_SLIDING_WINDOW_CALLS = 20;
    public static final Duration FALLBACK_OPEN_WAIT = Duration.ofMillis(2000);
    public static final int FALLBACK_PERMITTED_CALLS_IN_HALF_OPEN = 2;
    public static final Duration FALLBACK_HEARTBEAT_INTERVAL = Duration.ofMillis(1000);
    public static final Duration FALLBACK_HEARTBEAT_TTL = Duration.ofMillis(5000);
    /** Not stated: a guard that has not reached Redis has no share and admits nothing locally. */
    public static final int FALLBACK_FLEET_SIZE = 0;

    // [sniper_agent]
    public static final boolean METRICS_ENABLED = true;
    /** Loopback: an agent inside someone's trading process opens no port to the world unless told to. */
    public static final String METRICS_HOST = "127.0.0.1";
    public static final int METRICS_PORT = 9464;
    public static final MatchMode INSTRUMENT_MATCH = MatchMode.EXACT;
    public static final BlockAction INSTRUMENT_ON_BLOCK = BlockAction.SKIP;
    public static final MisconfigurationPolicy ON_MISCONFIGURATION = MisconfigurationPolicy.EXIT;
}
