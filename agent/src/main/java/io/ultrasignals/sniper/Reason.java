package io.ultrasignals.sniper;

/** Why a decision came out as it did. The first four are the scripts' reasons. */
public enum Reason {
    OK,
    SNIPER_MTF_REQUIRED,
    SNIPER_HOURLY_CAP,
    SNIPER_DAILY_CAP,
    /** Redis was unavailable and the fallback policy is {@code deny}. */
    SNIPER_FALLBACK_DENY,
    /** A key of the namespace holds wrong data and the fallback policy is {@code deny}. */
    SNIPER_REDIS_DATA;

    /** Parses a script's reason string. */
    public static Reason fromScript(String reason) {
        return switch (reason) {
            case "OK" -> OK;
            case "SNIPER_MTF_REQUIRED" -> SNIPER_MTF_REQUIRED;
            case "SNIPER_HOURLY_CAP" -> SNIPER_HOURLY_CAP;
            case "SNIPER_DAILY_CAP" -> SNIPER_DAILY_CAP;
            default -> throw new IllegalArgumentException("unknown script reason " + reason);
        };
    }
}
