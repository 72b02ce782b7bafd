package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.config.FallbackPolicy;
import io.ultrasignals.sniper.local.LocalEngine;
import io.ultrasignals.sniper.redis.ClockOffset;
import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.AcquireReply;
import io.ultrasignals.sniper.script.ScopeCap;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Decides while Redis does not, by the fallback policy: {@code allow}, {@code deny}, or {@code local} — the
 * local engine, limited to this guard's {@link FallbackBudget share}, and only once the
 * {@link LocalAdmissionGate} says Redis holds that share back. Also the local engine's decisions when no Redis
 * is configured. Never throws into a runner: a bug on the local path blocks the signal and says so.
 */
final class Fallback {
    private static final Logger LOG = Logger.getLogger(Fallback.class.getName());

    private final FallbackPolicy policy;
    private final boolean shadow;
    private final LocalEngine local;
    private final FallbackBudget budget;
    private final LocalAdmissionGate gate;
    private final Reconciler reconciler;
    private final ClockOffset clock;

    Fallback(FallbackPolicy policy, boolean shadow, LocalEngine local, FallbackBudget budget, LocalAdmissionGate gate,
             Reconciler reconciler, ClockOffset clock) {
        this.policy = policy;
        this.shadow = shadow;
        this.local = local;
        this.budget = budget;
        this.gate = gate;
        this.reconciler = reconciler;
        this.clock = clock;
    }

    /** Redis does not decide this signal, for {@code cause}: the policy does, at Redis time as far as known. */
    Decision decide(AcquireArgs args, FallbackCause cause) {
        long now = clock.redisNow();
        switch (policy) {
            case ALLOW:
                return Decision.fallbackAllowed(now).inShadow(shadow).withDetail(cause.detail());
            case DENY:
                return Decision.fallbackDenied(cause.scriptError() ? Reason.SNIPER_REDIS_DATA : Reason.SNIPER_FALLBACK_DENY, now)
                        .inShadow(shadow).withDetail(cause.detail());
            default:
                ScopeCap capped = firstCapped(args);
                if (capped != null) {
                    // No guard holds a share of a scope's cap: a capped scope admits on Redis only (docs/layered-caps.md).
                    return Decision.waitingForGate(now).withLayer(capped.scope()).inShadow(shadow)
                            .withDetail("scope " + capped.scope() + " is capped: decided on Redis only"
                                    + (cause.detail() == null ? "" : " (" + cause.detail() + ")"));
                }
                if (!gate.mayAdmit(now)) {
                    // Redis answered since the last failure (catching up), or may not hold this guard's share yet.
                    return Decision.waitingForGate(now).inShadow(shadow)
                            .withDetail("local admissions wait until Redis holds this guard's share back"
                                    + (cause.detail() == null ? "" : " (" + cause.detail() + ")"));
                }
                return safely(() -> {
                    budget.prepare(local, now);
                    AcquireReply reply = local.acquire(args);
                    if (reply.allowed() && !reply.replayed()) {
                        reconciler.markDirty();
                    }
                    return Decisions.fromReply(reply, Backend.LOCAL).inShadow(shadow).withDetail(cause.detail());
                });
        }
    }

    /** The first scope of {@code args} with a cap, or null: what the local fallback may not decide. */
    private static ScopeCap firstCapped(AcquireArgs args) {
        for (ScopeCap scope : args.scopes()) {
            if (scope.hourlyCap() > 0 || scope.dailyCap() > 0) {
                return scope;
            }
        }
        return null;
    }

    /** No Redis configured: the local engine with the full caps (one process, one cap). */
    Decision decideAlone(AcquireArgs args) {
        return safely(() -> Decisions.fromReply(local.acquire(args), Backend.LOCAL).inShadow(shadow));
    }

    /** The local path must never throw into a runner; a bug there fails closed, and says so. */
    Decision safely(Supplier<Decision> decide) {
        try {
            return decide.get();
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "sniper: local decision failed; blocking this signal", e);
            return Decision.fallbackDenied(Reason.SNIPER_FALLBACK_DENY, clock.localNow()).inShadow(shadow)
                    .withDetail("local engine error: " + e.getClass().getSimpleName());
        }
    }
}
