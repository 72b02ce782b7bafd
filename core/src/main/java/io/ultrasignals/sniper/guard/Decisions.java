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
}
