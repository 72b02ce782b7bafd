package io.ultrasignals.sniper;

/**
 * The answer for one signal.
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
 *                         {@code ERR sniper: key ...} for wrong data); {@code null} when Redis decided
 */
public record Decision(boolean allowed, Reason reason, long hourCount, long dayCount, long retryAfterMillis,
                       long serverTimeMillis, Backend backend, boolean replayed, boolean shadow, String detail) {

    /** True if the caps (not a shadow override) let it through. */
    public boolean admitted() {
        return reason == Reason.OK;
    }
}
