package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.script.AcquireReply;

/** The decision an acquire reply says (from Redis or the local engine, which reply alike). */
final class Decisions {
    private Decisions() {}

    static Decision fromReply(AcquireReply r, Backend by) {
        Reason reason = Reason.fromScript(r.reason());
        return switch (reason) {
            case OK -> Decision.admittedBy(by, r.hourCount(), r.dayCount(), r.serverTimeMillis(), r.replayed());
            case SNIPER_MTF_REQUIRED -> Decision.blockedByMtf(by, r.hourCount(), r.dayCount(), r.serverTimeMillis(), r.replayed());
            // A caller that passed no identity gets no text: the halt is named, its reason is for the CLI.
            case SNIPER_HALTED -> Decision.halted(by, r.hourCount(), r.dayCount(), r.retryAfterMillis(), r.serverTimeMillis(),
                    r.replayed(), r.halt() == null || r.halt().isEmpty() ? "halted" : r.halt());
            // A reply to a call without scopes has no layer: the fleet is the only one.
            default -> Decision.blockedByCap(reason, by, r.hourCount(), r.dayCount(), r.retryAfterMillis(),
                    r.serverTimeMillis(), r.replayed()).withLayer(r.layer() == null || r.layer().isEmpty() ? Decision.FLEET : r.layer());
        };
    }

    /**
     * A fleet cap block whose count is below the cap, with what held it in its detail; anything else as it is.
     * <ul>
     *   <li>The room kept for runners of the stated fleet not yet seen ({@code fleet_size}), when the reply says it
     *       alone blocked ({@code unseen}: how many runners, when the call was sent).</li>
     *   <li>Else, with the caps the reply was decided by known ({@code caps}, {hourly, daily}; null: not known, or a
     *       sliding window's estimate), the shares Redis holds back for guards that may be admitting locally, cut off
     *       from Redis (heartbeat.lua's held shares).</li>
     * </ul>
     */
    static Decision belowTheCap(Decision decision, AcquireReply reply, long unseen, long[] caps) {
        boolean hourly = decision.reason() == Reason.SNIPER_HOURLY_CAP;
        if (!hourly && decision.reason() != Reason.SNIPER_DAILY_CAP || !Decision.FLEET.equals(decision.layer())
                || reply.replayed()) {
            return decision;
        }
        String window = hourly ? "hourly" : "daily";
        if (reply.roomKept() != null && reply.roomKept() > 0) {
            return decision.withDetail("the " + window + " cap less the room kept (" + reply.roomKept() + ") for " + unseen
                    + " runners of the stated fleet not yet seen on Redis (fleet_size)");
        }
        long cap = caps == null ? 0 : hourly ? caps[0] : caps[1];
        long count = hourly ? decision.hourCount() : decision.dayCount();
        if (cap <= 0 || count + 1 > cap) {
            return decision;
        }
        return decision.withDetail("the " + window + " cap (" + cap + ") with " + count
                + " counted: the rest is held back for guards that may be admitting locally, cut off from Redis");
    }
}
