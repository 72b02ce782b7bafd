package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.redis.ClockOffset;
import io.ultrasignals.sniper.redis.RedisEngine;
import io.ultrasignals.sniper.script.GuardState;
import io.ultrasignals.sniper.script.HeartbeatReply;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The background round: register and read the fleet, restore counts Redis lost, then reconcile. Runs on the
 * guard's one background thread only. Every heartbeat tells Redis the latest counts this guard saw
 * ({@link LostCountRestore}): a server that holds less than was acknowledged before it took over (a promoted
 * replica that was behind, a restart that lost writes) gets it back in that same script call, before our own
 * credits are added to it. A guard that may hold local
 * admissions says so ({@code local}) before it credits, so that Redis holds back every guard's share until each
 * has credited or beaten again (lua/README.md, "Recovery"). Once everything is credited it beats again as
 * {@code redis}, which releases its own share.
 */
final class Heartbeat {
    private static final Logger LOG = Logger.getLogger(Heartbeat.class.getName());

    private final RedisEngine redis;
    private final BackendState state;
    private final Reconciler reconciler;
    private final FleetView fleet;
    private final FallbackBudget budget;
    private final LocalAdmissionGate gate;
    private final ClockOffset clock;
    private final GuardListener listener;
    private final String guardId;
    private final Duration ttl;
    private final long hourlyCap;
    private final long dailyCap;
    private final long decisionTimeoutMillis;
    /** A sliding window: acquire replies carry estimates, so only heartbeat counts tell what was lost. */
    private final boolean slidingWindow;
    /**
     * The server ({@code run_id}) and since when, of the latest heartbeat ({@code NONE}: not heard from Redis since
     * start); a loss is reported once per server.
     */
    private HeartbeatReply.Lineage lastServer = HeartbeatReply.Lineage.NONE;
    /** Whether the latest heartbeat found Redis holding back for guards that may be local (for one log line per change). */
    private boolean holding;

    private final ControlView control;

    Heartbeat(RedisEngine redis, BackendState state, Reconciler reconciler, FleetView fleet, FallbackBudget budget,
              LocalAdmissionGate gate, ClockOffset clock, GuardListener listener, String guardId, Duration ttl,
              long hourlyCap, long dailyCap, long decisionTimeoutMillis, boolean slidingWindow, ControlView control) {
        this.control = control;
        this.redis = redis;
        this.state = state;
        this.reconciler = reconciler;
        this.fleet = fleet;
        this.budget = budget;
        this.gate = gate;
        this.clock = clock;
        this.listener = listener;
        this.guardId = guardId;
        this.ttl = ttl;
        this.hourlyCap = hourlyCap;
        this.dailyCap = dailyCap;
        this.decisionTimeoutMillis = decisionTimeoutMillis;
        this.slidingWindow = slidingWindow;
    }

    /** One round (scheduled at the heartbeat interval); never throws. True if Redis answered every call of it. */
    boolean beat() {
        if (!state.breakerPermits()) {
            return false;
        }
        boolean answered = false;
        long start = System.nanoTime();
        try {
            long credited;
            if (lastServer == HeartbeatReply.Lineage.NONE) {
                // Not heard from Redis since start, so not in its reckoning: guards on Redis keep room for this one
                // (fleet_size) and Redis holds nothing for it. Ask without registering first (a redis beat that
                // failed would keep the local-admission gate shut), then return: credit, and register with redis.
                redis.status(null);
                credited = returnToRedis();
            } else {
                // Books open: this guard may hold local admissions, and says so before it credits them.
                boolean onRedis = state.booksComplete();
                HeartbeatReply hb = send(onRedis ? GuardState.REDIS : GuardState.LOCAL);
                observe(hb);
                if (onRedis) {
                    // Books complete: no local admission is pending (BackendState orders them before a return's
                    // credit); only releases asked for while the breaker let no call through may wait.
                    credited = reconciler.replayReleases(redis);
                    // Also clears an episode a decision of the last outage may have seeded after the return.
                    budget.endEpisode();
                } else {
                    credited = returnToRedis();
                }
            }
            answered = true;
            if (credited > 0) {
                LOG.info("sniper: credited " + credited + " local admissions to Redis");
                listener.onReconciled(credited);
            }
            state.redisAnswered(System.nanoTime() - start);
        } catch (RuntimeException e) {
            state.redisFailed(e, System.nanoTime() - start);
        } catch (Throwable t) {
            LOG.log(Level.WARNING, "sniper: heartbeat failed unexpectedly", t);
        } finally {
            // Decisions waiting for a return must never wait longer than this round.
            state.returnEnded();
        }
        return answered;
    }

    /**
     * Ends an outage's books: decisions stop entering the fallback (they wait, {@link BackendState#returnBegins}),
     * the fallback decisions already under way are waited for, everything admitted locally is credited, and Redis
     * hears {@code redis}, which releases this guard's share; only then may Redis decide, so no local admission
     * is credited after that beat and none of Redis's decisions is held back for this guard's own share.
     */
    private long returnToRedis() {
        state.returnBegins();
        state.awaitFallbackDecisions();
        long credited = reconciler.flush(redis);
        HeartbeatReply hb = send(GuardState.REDIS);
        observe(hb);
        if (state.booksCompleted()) {
            // Books complete: a later outage starts from the share recorded now, not the old episode's.
            budget.endEpisode();
        }
        state.returnEnded();
        return credited;
    }

    /** Stopping, caught up: leave the fleet's reckoning, so that Redis holds nothing back for this guard. */
    void leave() {
        if (!state.booksComplete() || reconciler.hasPending()) {
            return;
        }
        try {
            redis.heartbeatAsync(guardId, ttl, hourlyCap, dailyCap, GuardState.LEAVE)
                    .get(decisionTimeoutMillis * 2, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // Harmless: the guard then stays in the reckoning until its buckets end.
            LOG.log(Level.FINE, "sniper: leaving the fleet failed", e);
        }
    }

    private HeartbeatReply send(GuardState said) {
        if (said == GuardState.REDIS) {
            gate.sendingRedisBeat(clock.redisNow());
        }
        // Counts seen before this guard's first heartbeat reply are not news of a loss: the first heartbeat of a
        // fresh namespace also finds no epoch, and would take them for lost.
        String seen = lastServer == HeartbeatReply.Lineage.NONE ? ""
                : LostCountRestore.wire(LostCountRestore.seen(fleet, reconciler, decisionTimeoutMillis, slidingWindow));
        // The scopes decided today, with the counts of each that the latest heartbeat naming it read (ScopeCounts).
        List<String> scopes = fleet.scopes().arguments(clock.redisNow(), reconciler, decisionTimeoutMillis);
        // With a stated fleet size, the shares recorded leave room for the runners not yet seen (FallbackBudget), off
        // whichever caps apply: a stored policy's too.
        HeartbeatReply reply = redis.heartbeatAsync(guardId, ttl, hourlyCap, dailyCap, said, seen, scopes,
                budget.roomKept()).join();
        if (said == GuardState.LOCAL) {
            gate.localBeatApplied();
        }
        noticeServer(reply.lineage());
        noticeScopes(reply);
        return reply;
    }

    /** Takes in a heartbeat reply; says once when Redis starts and stops holding back for guards that may be local. */
    private void observe(HeartbeatReply hb) {
        fleet.observeBeat(hb);
        control.observe(hb);
        boolean nowHolding = hb.heldHour() > 0 || hb.heldDay() > 0;
        if (nowHolding != holding) {
            holding = nowHolding;
            LOG.info(nowHolding
                    ? "sniper: Redis holds back " + hb.heldHour() + " (hour) / " + hb.heldDay() + " (day) admissions for "
                            + "guards that may be deciding locally, until they have credited (" + hb.guards() + " guards in the fleet)"
                    : "sniper: Redis holds nothing back any more: every guard's local admissions are in its books");
        }
    }

    /**
     * Says once per server what it lost and what this heartbeat put back; a change of server that lost nothing
     * this guard saw is said too, once.
     */
    private void noticeServer(HeartbeatReply.Lineage now) {
        boolean newServer = !now.server().equals(lastServer.server()) || now.sinceMillis() != lastServer.sinceMillis();
        boolean first = lastServer == HeartbeatReply.Lineage.NONE;
        HeartbeatReply.Lineage before = lastServer;
        lastServer = now;
        if (now.restoredHour() > 0 || now.restoredDay() > 0) {
            listener.onRedisRollback(now.restoredHour(), now.restoredDay());
        }
        if (!newServer) {
            return;
        }
        if (now.lost()) {
            LOG.warning("sniper: Redis lost admissions it had acknowledged (a replica promoted before it had them, or a "
                    + "restart that lost writes): this guard saw " + now.lostHour() + " (hour) / " + now.lostDay()
                    + " (day) more than server " + abbreviate(now.server()) + " held at its first heartbeat, "
                    + Instant.ofEpochMilli(now.sinceMillis()) + "; restored +" + now.restoredHour() + " (hour) / +"
                    + now.restoredDay() + " (day) now"
                    + (now.restoredHour() < now.lostHour() || now.restoredDay() < now.lostDay()
                            ? ", the rest already by other guards" : ""));
            listener.onRedisLoss(now.lostHour(), now.lostDay());
        } else if (!first) {
            LOG.info("sniper: Redis is now server " + abbreviate(now.server()) + " (since "
                    + Instant.ofEpochMilli(now.sinceMillis()) + ", was " + abbreviate(before.server())
                    + "); it holds every count this guard saw");
        }
    }

    /** Says what this heartbeat put back of each scope a new server lost (once per restore). */
    private static void noticeScopes(HeartbeatReply reply) {
        for (HeartbeatReply.ScopeCount scope : reply.scopes()) {
            if (scope.restoredHour() > 0 || scope.restoredDay() > 0) {
                LOG.warning("sniper: Redis lost admissions of scope " + scope.scope() + " it had acknowledged: this guard"
                        + " saw " + scope.lostHour() + " (hour) / " + scope.lostDay() + " (day) more than server "
                        + abbreviate(reply.lineage().server()) + " held; restored +" + scope.restoredHour() + " (hour) / +"
                        + scope.restoredDay() + " (day) now");
            }
        }
    }

    private static String abbreviate(String runId) {
        return runId.length() > 12 ? runId.substring(0, 12) : runId;
    }
}
