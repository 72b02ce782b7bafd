package io.ultrasignals.sniper;

/** Why a decision came out as it did. The first four and {@link #SNIPER_HALTED} are the scripts' reasons. */
public enum Reason {
    OK,
    SNIPER_MTF_REQUIRED,
    SNIPER_HOURLY_CAP,
    SNIPER_DAILY_CAP,
    /** Redis was unavailable and the fallback policy is {@code deny}. */
    SNIPER_FALLBACK_DENY,
    /** A key of the namespace holds wrong data and the fallback policy is {@code deny}. */
    SNIPER_REDIS_DATA,
    /**
     * Redis was unavailable, the fallback policy is {@code local}, and this guard's share of a cap is used up, or it
     * has none (it has not reached Redis since it started): the cap itself was not reached (the decision's counts,
     * last seen from Redis plus local admissions, are below it; the detail names the window).
     */
    SNIPER_FALLBACK_SHARE,
    /**
     * The fleet is halted (lua/README.md, "Fleet policy, halt, audit"): nothing is admitted until an operator
     * resumes it or the halt's TTL ends. The halt's text is the decision's {@code detail}.
     */
    SNIPER_HALTED;

    /** Parses a script's reason string. */
    public static Reason fromScript(String reason) {
        return switch (reason) {
            case "OK" -> OK;
            case "SNIPER_MTF_REQUIRED" -> SNIPER_MTF_REQUIRED;
            case "SNIPER_HOURLY_CAP" -> SNIPER_HOURLY_CAP;
            case "SNIPER_DAILY_CAP" -> SNIPER_DAILY_CAP;
            case "SNIPER_HALTED" -> SNIPER_HALTED;
            default -> throw new IllegalArgumentException("unknown script reason " + reason);
        };
    }
}
