package io.ultrasignals.sniper;

import java.util.Locale;

/** What made a decision. */
public enum Backend {
    /** The Lua scripts on Redis: the fleet-wide cap. */
    REDIS,
    /** The in-process engine: Redis unavailable (policy {@code local}) or not configured. */
    LOCAL,
    /**
     * A cap block Redis answered before, repeated from this guard's memory until its bucket ends or a slot may have
     * freed up (README, "Capped hours cost Redis nothing"); never an admission.
     */
    CACHE,
    /** Redis unavailable, policy {@code allow}: admitted without counting. */
    ALLOW,
    /** Redis unavailable, policy {@code deny}: blocked. */
    DENY,
    /** Sniper mode is disabled in settings: everything is admitted, nothing counted. */
    OFF;

    /** The metric label value. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
