package io.ultrasignals.sniper.config;

/** {@code sniper_agent.instrument[].match}: which classes an instrument target names. */
public enum MatchMode {
    /** Only the named class. */
    EXACT,
    /** The named class or interface and every class that extends or implements it. */
    SUPERTYPE
}
