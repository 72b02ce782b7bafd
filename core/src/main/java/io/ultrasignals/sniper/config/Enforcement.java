package io.ultrasignals.sniper.config;

/** {@code runtime.sniper_mode.enforcement}: whether a decision may block a signal. */
public enum Enforcement {
    /** A blocked decision stops the signal. */
    ENFORCE,
    /** Decide, count and report, but never block: for dark launches. */
    SHADOW
}
