package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.config.FallbackPolicy;
import io.ultrasignals.sniper.local.LocalEngine;
import io.ultrasignals.sniper.redis.ClockOffset;
import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.AcquireReply;
import io.ultrasignals.sniper.script.Buckets;
import io.ultrasignals.sniper.script.ScopeCap;
import io.ultrasignals.sniper.script.StatusReply;
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
                    long[] counts = budget.realCounts(local, now);
                    return Decision.waitingForGate(counts[0], counts[1], now).withLayer(capped.scope()).inShadow(shadow)
                            .withDetail("scope " + capped.scope() + " is capped: decided on Redis only"
                                    + (cause.detail() == null ? "" : " (" + cause.detail() + ")"));
                }
                if (budget.neverShared()) {
                    // Nothing to wait for: without a share the local engine admits nothing, and says so.
                    return safely(() -> decideLocally(args, cause, now));
                }
                if (!gate.mayAdmit(now)) {
                    // Redis answered since the last failure (catching up), or may not hold this guard's share yet.
                    long[] counts = budget.realCounts(local, now);
                    return Decision.waitingForGate(counts[0], counts[1], now).inShadow(shadow)
                            .withDetail("local admissions wait until Redis holds this guard's share back"
                                    + (cause.detail() == null ? "" : " (" + cause.detail() + ")"));
                }
                return safely(() -> decideLocally(args, cause, now));
        }
    }

    /** The local engine decides within this guard's share; a block by the share below the cap says so. */
    private Decision decideLocally(AcquireArgs args, FallbackCause cause, long now) {
        FallbackBudget.Limits limits = budget.prepare(local, now, args.hourlyCap(), args.dailyCap());
        AcquireReply reply;
        if (limits.admitsNothing() && !(args.mtfRequired() && !args.mtfConfirmed())) {
            // A limit of 0 is no cap to the engine: block here, unless the signal was decided before.
            reply = local.storedDecision(args.signalId());
            if (reply == null) {
                StatusReply s = local.status(null);
                boolean hour = limits.hourShare() >= 0 && limits.hour() == 0;
                long retryAfter = hour ? (Buckets.hour(now) + 1) * Buckets.HOUR_MS - now : (Buckets.day(now) + 1) * Buckets.DAY_MS - now;
                return Decision.blockedByShare(s.hourCount(), s.dayCount(), retryAfter, now, false).inShadow(shadow)
                        .withDetail(shareDetail(hour, limits, cause));
            }
        } else {
            reply = local.acquire(args.withCaps(limits.hour(), limits.day()));
        }
        if (reply.allowed() && !reply.replayed()) {
            reconciler.markDirty();
        }
        Decision decision = Decisions.fromReply(reply, Backend.LOCAL);
        boolean hour = decision.reason() == Reason.SNIPER_HOURLY_CAP;
        if ((hour && reply.hourCount() < args.hourlyCap()) || (decision.reason() == Reason.SNIPER_DAILY_CAP && reply.dayCount() < args.dailyCap())) {
            // Blocked at the local limit with the cap itself not reached: the share is used up.
            return Decision.blockedByShare(reply.hourCount(), reply.dayCount(), reply.retryAfterMillis(),
                    reply.serverTimeMillis(), reply.replayed()).inShadow(shadow).withDetail(shareDetail(hour, limits, cause));
        }
        return decision.inShadow(shadow).withDetail(cause.detail());
    }

    /** Why the share blocked: which window, and where the share came from. */
    private static String shareDetail(boolean hour, FallbackBudget.Limits limits, FallbackCause cause) {
        String window = hour ? "hourly" : "daily";
        long share = hour ? limits.hourShare() : limits.dayShare();
        String why = limits.hasRecord()
                ? "this guard's share of the " + window + " cap (" + share + ") is used up while Redis is away"
                : share > 0
                ? "this guard's share of the " + window + " cap for a start without Redis (" + share
                        + ", the cap / fleet_size) is used up"
                : "no share of the " + window + " cap: this guard has not reached Redis since it started";
        return why + (cause.detail() == null ? "" : " (" + cause.detail() + ")");
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
