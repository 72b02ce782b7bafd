package io.ultrasignals.sniper.config;

/** {@code sniper_agent.instrument[].on_block}: what an instrumented method does when its signal is blocked. */
public enum BlockAction {
    /** Return without running the method body: the return type's default, or {@code return_value}. */
    SKIP,
    /** Throw {@code exception} (or the agent's own exception when none is named). */
    THROW
}
