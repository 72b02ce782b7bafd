package io.ultrasignals.sniper.config;

/** {@code runtime.sniper_mode.fallback.policy}: how signals are decided while Redis cannot be reached. */
public enum FallbackPolicy {
    /** Local counters, each guard limited to its share of what remained of each cap. */
    LOCAL,
    /** Admit every signal (fail open). */
    ALLOW,
    /** Block every signal (fail closed). */
    DENY
}
