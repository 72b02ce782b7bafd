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
     * A fleet cap block (fixed window) whose count is below the cap it was decided by ({@code caps}, {hourly, daily};
     * null: not known): the rest of the cap is held back for guards that may be admitting locally, cut off from
     * Redis (heartbeat.lua's held shares), and the answer says so. Anything else is returned as it is.
     */
    static Decision heldBack(Decision decision, long[] caps) {
        if (caps == null || !Decision.FLEET.equals(decision.layer())) {
            return decision;
        }
        boolean hourly = decision.reason() == Reason.SNIPER_HOURLY_CAP;
        if (!hourly && decision.reason() != Reason.SNIPER_DAILY_CAP) {
            return decision;
        }
        long cap = hourly ? caps[0] : caps[1];
        long count = hourly ? decision.hourCount() : decision.dayCount();
        if (cap <= 0 || count + 1 > cap) {
            return decision;
        }
        return decision.withDetail("the " + (hourly ? "hourly" : "daily") + " cap (" + cap + ") with " + count
                + " counted: the rest is held back for guards that may be admitting locally, cut off from Redis");
    }
}
