package io.ultrasignals.sniper;

/**
 * The answer for one signal. Built by the named factories below ({@link #admittedBy}, {@link #blockedByCap},
 * {@link #blockedByMtf}, {@link #fallbackAllowed}, {@link #fallbackDenied}, {@link #waitingForGate}, {@link #off}),
 * then {@link #inShadow} and {@link #withDetail}.
 *
 * @param allowed          whether the signal may go out (always true in shadow mode)
 * @param reason           OK, or what blocked it (in shadow mode: what would have blocked it)
 * @param hourCount        the hour window's count after the decision (sliding: the estimate)
 * @param dayCount         the day window's count after the decision
 * @param retryAfterMillis 0, or ms until the blocking window's bucket ends
 * @param serverTimeMillis the time the decision used (Redis time, or the corrected local clock)
 * @param backend          what decided
 * @param replayed         this signal id was decided before; the stored decision was returned
 * @param shadow           enforcement is shadow: decided and counted, but never blocked
 * @param detail           why a fallback decided (e.g. {@code timeout}, or the script's
 *                         {@code ERR sniper: key ...} for wrong data), or what blocked a Redis decision below
 *                         the cap (the room kept for runners not yet seen, shares held back for guards cut off);
 *                         otherwise {@code null}
 * @param layer            which layer blocked it: {@code fleet}, or a scope such as {@code symbol=BTCUSDT};
 *                         {@code null} when no cap blocked it. The counts are always the fleet's.
 */
public record Decision(boolean allowed, Reason reason, long hourCount, long dayCount, long retryAfterMillis,
                       long serverTimeMillis, Backend backend, boolean replayed, boolean shadow, String detail,
                       String layer) {

    /** The layer a fleet cap's block names. */
    public static final String FLEET = "fleet";

    /** A decision no layer blocked. */
    public Decision(boolean allowed, Reason reason, long hourCount, long dayCount, long retryAfterMillis,
                    long serverTimeMillis, Backend backend, boolean replayed, boolean shadow, String detail) {
        this(allowed, reason, hourCount, dayCount, retryAfterMillis, serverTimeMillis, backend, replayed, shadow, detail,
                null);
    }

    /** The caps let it through and counted it (on Redis, or on the local engine). */
    public static Decision admittedBy(Backend by, long hourCount, long dayCount, long serverTimeMillis, boolean replayed) {
        return new Decision(true, Reason.OK, hourCount, dayCount, 0, serverTimeMillis, by, replayed, false, null);
    }

    /** An hourly or daily cap blocked it until its bucket ends, {@code retryAfterMillis} from now. */
    public static Decision blockedByCap(Reason cap, Backend by, long hourCount, long dayCount, long retryAfterMillis,
                                        long serverTimeMillis, boolean replayed) {
        if (cap != Reason.SNIPER_HOURLY_CAP && cap != Reason.SNIPER_DAILY_CAP) {
            throw new IllegalArgumentException("a cap is SNIPER_HOURLY_CAP or SNIPER_DAILY_CAP, got " + cap);
        }
        return new Decision(false, cap, hourCount, dayCount, retryAfterMillis, serverTimeMillis, by, replayed, false, null);
    }

    /** The policy requires MTF confirmation and the signal has none. */
    public static Decision blockedByMtf(Backend by, long hourCount, long dayCount, long serverTimeMillis, boolean replayed) {
        return new Decision(false, Reason.SNIPER_MTF_REQUIRED, hourCount, dayCount, 0, serverTimeMillis, by, replayed, false, null);
    }

    /**
     * The fleet is halted: blocked, nothing counted. {@code text} (the operator's reason) is the detail;
     * {@code retryAfterMillis} the halt's remaining TTL, or 0 when it lasts until resumed. Decided by Redis,
     * or by the local fallback obeying the last halt this guard saw.
     */
    public static Decision halted(Backend by, long hourCount, long dayCount, long retryAfterMillis, long serverTimeMillis,
                                  boolean replayed, String text) {
        return new Decision(false, Reason.SNIPER_HALTED, hourCount, dayCount, retryAfterMillis, serverTimeMillis, by,
                replayed, false, text, null);
    }

    /** Sniper mode is off: admitted, nothing counted. */
    public static Decision off(long timeMillis) {
        return new Decision(true, Reason.OK, 0, 0, 0, timeMillis, Backend.OFF, false, false, null);
    }

    /** Redis is away and the fallback policy is {@code allow}: admitted without counting. */
    public static Decision fallbackAllowed(long timeMillis) {
        return new Decision(true, Reason.OK, 0, 0, 0, timeMillis, Backend.ALLOW, false, false, null);
    }

    /**
     * Redis is away and the fallback blocks: policy {@code deny} ({@link Reason#SNIPER_FALLBACK_DENY}, or
     * {@link Reason#SNIPER_REDIS_DATA} for a script's error reply), or a local engine error.
     */
    public static Decision fallbackDenied(Reason reason, long timeMillis) {
        if (reason != Reason.SNIPER_FALLBACK_DENY && reason != Reason.SNIPER_REDIS_DATA) {
            throw new IllegalArgumentException("a fallback denies with SNIPER_FALLBACK_DENY or SNIPER_REDIS_DATA, got " + reason);
        }
        return new Decision(false, reason, 0, 0, 0, timeMillis, Backend.DENY, false, false, null);
    }

    /** Policy {@code local}, but local admissions wait until Redis holds this guard's share back: blocked. */
    public static Decision waitingForGate(long hourCount, long dayCount, long timeMillis) {
        return new Decision(false, Reason.SNIPER_FALLBACK_DENY, hourCount, dayCount, 0, timeMillis, Backend.LOCAL, false, false, null);
    }

    /**
     * Policy {@code local}: this guard's share of a cap is used up (or it has none) while the cap is not reached;
     * the counts are the real ones (last seen from Redis plus local admissions); {@code retryAfterMillis} until
     * the blocking bucket ends (the next one brings the next share).
     */
    public static Decision blockedByShare(long hourCount, long dayCount, long retryAfterMillis, long serverTimeMillis,
                                          boolean replayed) {
        return new Decision(false, Reason.SNIPER_FALLBACK_SHARE, hourCount, dayCount, retryAfterMillis, serverTimeMillis,
                Backend.LOCAL, replayed, false, null);
    }

    /** This decision under {@code shadow} enforcement (let through, marked shadow); as it is otherwise. */
    public Decision inShadow(boolean shadow) {
        return shadow ? new Decision(true, reason, hourCount, dayCount, retryAfterMillis, serverTimeMillis, backend,
                replayed, true, detail, layer) : this;
    }

    /** This decision with {@code detail} saying why a fallback made it. */
    public Decision withDetail(String detail) {
        return new Decision(allowed, reason, hourCount, dayCount, retryAfterMillis, serverTimeMillis, backend, replayed,
                shadow, detail, layer);
    }

    /** This decision naming {@code layer} ({@code fleet}, {@code symbol=BTCUSDT}) as what blocked it. */
    public Decision withLayer(String layer) {
        return new Decision(allowed, reason, hourCount, dayCount, retryAfterMillis, serverTimeMillis, backend, replayed,
                shadow, detail, layer);
    }

    /** True if the caps (not a shadow override) let it through. */
    public boolean admitted() {
        return reason == Reason.OK;
    }
}
