package io.ultrasignals.sniper.config;

/** {@code sniper_agent.on_misconfiguration}: what the javaagent does when its settings or targets are wrong. */
public enum MisconfigurationPolicy {
    /** Stop the JVM at start-up rather than let signals run uncapped. */
    EXIT,
    /** Start with the agent disabled, after saying why in one line. */
    DISABLE
}
