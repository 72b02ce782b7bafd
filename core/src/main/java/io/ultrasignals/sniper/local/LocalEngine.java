package io.ultrasignals.sniper.local;

import io.ultrasignals.sniper.local.BucketTable.Bucket;
import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.AcquireReply;
import io.ultrasignals.sniper.script.Buckets;
import io.ultrasignals.sniper.script.Clock;
import io.ultrasignals.sniper.script.CountsReply;
import io.ultrasignals.sniper.script.LimitEngine;
import io.ultrasignals.sniper.script.RoomKept;
import io.ultrasignals.sniper.script.ScopeCap;
import io.ultrasignals.sniper.script.ScriptException;
import io.ultrasignals.sniper.script.StatusReply;
import io.ultrasignals.sniper.script.WindowMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The v1 limit semantics of {@code lua/v1/*.lua} in process memory, for one namespace: the same
 * replies, counts and {@code ERR sniper:} errors (as {@link ScriptException})
 * as the scripts, so the fallback can take over decisions without changing them.
 *
 * <p><b>Two times.</b> A call decides at its {@code nowMillis}, or at the clock when that is
 * {@code null} (as the scripts use Redis {@code TIME}). Expiry always runs on the clock, whatever
 * {@code nowMillis} says, as Redis TTLs run on the server's clock: hour buckets live 2 hours and
 * day buckets 2 days from creation, credit marks and admitted decisions 172800 s, a decision blocked
 * by a cap until its bucket ends ({@code retryAfterMillis}), one blocked by MTF 60 s
 * ({@link #decisionTtlMillis}). Expired entries are dropped lazily, so memory follows what is live,
 * as in Redis.
 *
 * <p><b>Threads.</b> Every call runs under one lock, like a script run in Redis: exact under any
 * concurrency. The lock is held for a few map lookups; an acquire without a signal id allocates
 * only its reply.
 *
 * <p><b>For the fallback layer.</b> {@link #seed} raises buckets to counts last seen in Redis;
 * {@link #drainAdmissions} hands over what this engine admitted, for {@code credit.lua}.
 */
public final class LocalEngine implements LimitEngine {
    static final long HOUR_MS = Buckets.HOUR_MS;
    static final long DAY_MS = Buckets.DAY_MS;
    /** TTL of admitted {@code op:} decisions and of {@code credit:} marks. */
    static final long MARK_TTL_MS = 172_800_000L;
    /** TTL of an {@code op:} decision blocked by MTF: a confirmation may follow soon. */
    static final long MTF_BLOCK_TTL_MS = 60_000L;

    static final String OK = "OK";
    /** The layer a fleet cap's block names. */
    static final String FLEET = "fleet";
    static final String MTF_REQUIRED = "SNIPER_MTF_REQUIRED";
    static final String HOURLY_CAP = "SNIPER_HOURLY_CAP";
    static final String DAILY_CAP = "SNIPER_DAILY_CAP";

    private static final CountsReply UNKNOWN_SIGNAL = new CountsReply(false, 0, 0);

    /**
     * A stored acquire decision ({@code <ns>:op:<signal_id>}); its buckets follow from its time. {@code layer}
     * is what blocked it ({@code ""} when nothing did), {@code scopes} the scopes it was decided in.
     */
    private static final class Decision {
        final AcquireReply reply;
        final String layer;
        final List<String> scopes;
        boolean released;

        Decision(AcquireReply reply, String layer, List<String> scopes) {
            this.reply = reply;
            this.layer = layer;
            this.scopes = scopes;
        }

        long hourBucket() {
            return Buckets.hour(reply.serverTimeMillis());
        }

        long dayBucket() {
            return Buckets.day(reply.serverTimeMillis());
        }
    }

    private final Clock clock;
    private final Object lock = new Object();
    private final BucketTable hours = new BucketTable(2 * HOUR_MS);
    private final BucketTable days = new BucketTable(2 * DAY_MS);
    /** Each scope's buckets, as {@code <ns>:scope:<scope>:hour:} and {@code :day:}. */
    private final Map<String, Layer> scopes = new HashMap<>();
    private long scopedCalls;
    private final ExpiringMap<Decision> decisions = new ExpiringMap<>();
    private final ExpiringMap<Boolean> creditMarks = new ExpiringMap<>();
    private final AdmissionLedger ledger = new AdmissionLedger();

    /** An engine on the system clock. */
    public LocalEngine() {
        this(Clock.SYSTEM);
    }

    /**
     * @param clock epoch ms; plays Redis's clock: the default now of a call and the clock expiry
     *              runs on. The fallback passes the local clock corrected by its offset to Redis.
     */
    public LocalEngine(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public AcquireReply acquire(AcquireArgs args) {
        return acquire(args, null);
    }

    /**
     * acquire with the room kept for runners not yet seen, as acquire.lua's {@code @room} triple: taken off the
     * fleet's caps; the reply then carries {@code roomKept} (the 11-element reply, with no policy or halt: this engine
     * keeps none).
     *
     * @param room the room to keep, or null for none
     */
    public AcquireReply acquire(AcquireArgs args, RoomKept room) {
        ScriptArguments.checkAcquire(args);
        String signalId = args.signalId();
        List<ScopeCap> scopeCaps = args.scopes();
        boolean scoped = !scopeCaps.isEmpty();
        synchronized (lock) {
            long clockNow = clock.millis();
            if (signalId != null) {
                Decision stored = decisions.get(signalId, clockNow);
                if (stored != null) {
                    return room == null ? replay(stored, scoped) : withRoom(replay(stored, true), stored.layer, 0);
                }
            }
            long now = args.nowMillis() == null ? clockNow : args.nowMillis();
            long hour = Buckets.hour(now);
            long day = Buckets.day(now);
            boolean sliding = args.window() == WindowMode.SLIDING;
            Bucket hourBucket = hours.live(hour, clockNow);
            Bucket dayBucket = days.live(day, clockNow);
            // hourCount/dayCount: the count (sliding: the estimate rounded down); over: 1 where the exact
            // estimate has a fraction above it. The cap comparison uses the exact estimate, the reply its floor.
            long hourCount = count(hourBucket);
            long dayCount = count(dayBucket);
            long hourOver = 0;
            long dayOver = 0;
            if (sliding) {
                long hourPrevious = count(hours.live(hour - 1, clockNow));
                long dayPrevious = count(days.live(day - 1, clockNow));
                hourCount += weightedPrevious(hourPrevious, HOUR_MS, now - hour * HOUR_MS);
                dayCount += weightedPrevious(dayPrevious, DAY_MS, now - day * DAY_MS);
                hourOver = weightedPreviousHasFraction(hourPrevious, HOUR_MS, now - hour * HOUR_MS) ? 1 : 0;
                dayOver = weightedPreviousHasFraction(dayPrevious, DAY_MS, now - day * DAY_MS) ? 1 : 0;
            }

            boolean allowed = false;
            String reason;
            String layer = "";
            long retryAfter = 0;
            // The room kept for runners not yet seen, and how much of it blocked (when the cap itself had room).
            long hourRoom = room == null ? 0 : room.hourly();
            long dayRoom = room == null ? 0 : room.daily();
            long roomKept = 0;
            if (args.mtfRequired() && !args.mtfConfirmed()) {
                reason = MTF_REQUIRED;
            } else if (args.hourlyCap() > 0 && hourCount + hourOver + 1 > args.hourlyCap() - hourRoom) {
                reason = HOURLY_CAP;
                retryAfter = (hour + 1) * HOUR_MS - now;
                layer = FLEET;
                roomKept = hourCount + hourOver + 1 <= args.hourlyCap() ? hourRoom : 0;
            } else if (args.dailyCap() > 0 && dayCount + dayOver + 1 > args.dailyCap() - dayRoom) {
                reason = DAILY_CAP;
                retryAfter = (day + 1) * DAY_MS - now;
                layer = FLEET;
                roomKept = dayCount + dayOver + 1 <= args.dailyCap() ? dayRoom : 0;
            } else {
                reason = OK;
                for (ScopeCap cap : scopeCaps) {
                    Layer scope = layer(cap.scope());
                    if (cap.hourlyCap() > 0 && scope.hours.estimateAbove(hour, now, HOUR_MS, sliding, clockNow) + 1 > cap.hourlyCap()) {
                        reason = HOURLY_CAP;
                        retryAfter = (hour + 1) * HOUR_MS - now;
                        layer = cap.scope();
                        break;
                    }
                    if (cap.dailyCap() > 0 && scope.days.estimateAbove(day, now, DAY_MS, sliding, clockNow) + 1 > cap.dailyCap()) {
                        reason = DAILY_CAP;
                        retryAfter = (day + 1) * DAY_MS - now;
                        layer = cap.scope();
                        break;
                    }
                }
                if (layer.isEmpty()) {
                    // Every layer has room: every layer counts it.
                    allowed = true;
                    increment(hours, hourBucket, hour, clockNow);
                    increment(days, dayBucket, day, clockNow);
                    for (ScopeCap cap : scopeCaps) {
                        Layer scope = layer(cap.scope());
                        increment(scope.hours, scope.hours.live(hour, clockNow), hour, clockNow);
                        increment(scope.days, scope.days.live(day, clockNow), day, clockNow);
                    }
                    hourCount++;
                    dayCount++;
                }
            }
            List<String> scopeNames = scoped ? names(scopeCaps) : List.of();
            if (allowed) {
                ledger.admitted(hour, day, scopeNames);
            }
            if (scoped && ++scopedCalls % 1024 == 0) {
                dropIdleScopes(clockNow);
            }

            AcquireReply reply = new AcquireReply(allowed, reason, hourCount, dayCount, retryAfter, now, false,
                    scoped ? layer : null);
            if (signalId != null) {
                decisions.put(signalId, new Decision(reply, layer, scopeNames), clockNow, decisionTtlMillis(reply));
            }
            return room == null ? reply : withRoom(reply, layer, roomKept);
        }
    }

    /** The stored decision of that signal id, as a replay, or null (none, or no id): nothing is counted. */
    public AcquireReply storedDecision(String signalId) {
        if (signalId == null) {
            return null;
        }
        synchronized (lock) {
            Decision stored = decisions.get(signalId, clock.millis());
            return stored == null ? null : replay(stored, false);
        }
    }

    @Override
    public StatusReply status(Long nowMillis, List<String> scopeNames) {
        ScriptArguments.checkStatus(nowMillis, scopeNames);
        synchronized (lock) {
            long clockNow = clock.millis();
            long now = nowMillis == null ? clockNow : nowMillis;
            long hourNumber = Buckets.hour(now);
            long dayNumber = Buckets.day(now);
            Bucket hour = hours.live(hourNumber, clockNow);
            Bucket day = days.live(dayNumber, clockNow);
            List<StatusReply.ScopeStatus> layers = new ArrayList<>(scopeNames.size());
            for (String name : scopeNames) {
                Layer scope = scopes.get(name);
                Bucket h = scope == null ? null : scope.hours.live(hourNumber, clockNow);
                Bucket d = scope == null ? null : scope.days.live(dayNumber, clockNow);
                layers.add(new StatusReply.ScopeStatus(name, count(h), count(d), ttl(h, clockNow), ttl(d, clockNow)));
            }
            return new StatusReply(count(hour), count(day), ttl(hour, clockNow), ttl(day, clockNow), now, layers);
        }
    }

    @Override
    public CountsReply release(String signalId) {
        ScriptArguments.checkRelease(signalId);
        synchronized (lock) {
            long clockNow = clock.millis();
            Decision decision = decisions.get(signalId, clockNow);
            if (decision == null) {
                return UNKNOWN_SIGNAL;
            }
            long hour = decision.hourBucket();
            long day = decision.dayBucket();
            Bucket hourBucket = hours.live(hour, clockNow);
            Bucket dayBucket = days.live(day, clockNow);
            if (!decision.reply.allowed() || decision.released) {
                return new CountsReply(false, count(hourBucket), count(dayBucket));
            }
            // Every layer it was counted in. Buckets that expired stay gone; a count already at 0 stays 0.
            giveBack(hourBucket);
            giveBack(dayBucket);
            for (String name : decision.scopes) {
                Layer scope = layer(name);
                giveBack(scope.hours.live(hour, clockNow));
                giveBack(scope.days.live(day, clockNow));
            }
            decision.released = true;
            ledger.released(hour, day, decision.scopes);
            return new CountsReply(true, count(hourBucket), count(dayBucket));
        }
    }

    @Override
    public CountsReply credit(long hourBucket, long dayBucket, long n, String batchId, List<String> scopeNames) {
        ScriptArguments.checkCredit(hourBucket, dayBucket, n, batchId, scopeNames);
        synchronized (lock) {
            long clockNow = clock.millis();
            Bucket hour = hours.live(hourBucket, clockNow);
            Bucket day = days.live(dayBucket, clockNow);
            if (creditMarks.get(batchId, clockNow) != null) {
                return new CountsReply(false, count(hour), count(day));
            }
            if (n > 0) {
                hour = add(hours, hour, hourBucket, n, clockNow);
                day = add(days, day, dayBucket, n, clockNow);
                for (String name : scopeNames) {
                    Layer scope = layer(name);
                    add(scope.hours, scope.hours.live(hourBucket, clockNow), hourBucket, n, clockNow);
                    add(scope.days, scope.days.live(dayBucket, clockNow), dayBucket, n, clockNow);
                }
            } else if (n < 0) {
                takeBack(hour, -n);
                takeBack(day, -n);
                for (String name : scopeNames) {
                    Layer scope = layer(name);
                    takeBack(scope.hours.live(hourBucket, clockNow), -n);
                    takeBack(scope.days.live(dayBucket, clockNow), -n);
                }
            }
            creditMarks.put(batchId, Boolean.TRUE, clockNow, MARK_TTL_MS);
            return new CountsReply(true, count(hour), count(day));
        }
    }

    /**
     * Raises the two buckets to at least the given counts, e.g. the raw counts of the last Redis
     * reply (status, or a fixed-window acquire: a sliding acquire's counts are estimates, not
     * bucket contents). A bucket above its floor keeps its count; a missing one is created as if
     * it had been counted now. Seeded counts are not admissions of this engine.
     *
     * @throws IllegalArgumentException on a negative bucket or count
     */
    public void seed(long hourBucket, long hourCount, long dayBucket, long dayCount) {
        requireNonNegative("hourBucket", hourBucket);
        requireNonNegative("hourCount", hourCount);
        requireNonNegative("dayBucket", dayBucket);
        requireNonNegative("dayCount", dayCount);
        synchronized (lock) {
            long clockNow = clock.millis();
            raise(hours, hourBucket, hourCount, clockNow);
            raise(days, dayBucket, dayCount, clockNow);
        }
    }

    /**
     * What this engine admitted and released since the previous call (the mark), per (hour
     * bucket, day bucket), and starts a new period. Credits and seeds are not in it. The caller
     * owns what it drained: it must keep a batch until {@code credit.lua} has applied it.
     */
    public List<LocalAdmissions> drainAdmissions() {
        synchronized (lock) {
            return ledger.drain();
        }
    }

    /** Entries held in memory, live or not yet dropped: for tests that memory follows the live set. */
    int storedEntries() {
        synchronized (lock) {
            int scoped = 0;
            for (Layer scope : scopes.values()) {
                scoped += scope.hours.size() + scope.days.size();
            }
            return hours.size() + days.size() + scoped + decisions.size() + creditMarks.size();
        }
    }

    /**
     * floor(previous * (window - elapsed) / window) without overflow or rounding: splitting
     * previous = q * window + r makes it q * remaining + floor(r * remaining / window), where
     * q * remaining never exceeds previous and r * remaining stays below window squared.
     */
    static long weightedPrevious(long previous, long windowMillis, long elapsedMillis) {
        long remaining = windowMillis - elapsedMillis;
        return (previous / windowMillis) * remaining + (previous % windowMillis) * remaining / windowMillis;
    }

    /**
     * How long a decision answers replays of its id: 48 h when admitted (release needs it), until
     * its blocking bucket ends when blocked by a cap (then the id deserves a fresh decision), 60 s
     * when blocked by MTF. The same rule as acquire.lua's {@code op_ttl}.
     */
    static long decisionTtlMillis(AcquireReply reply) {
        if (reply.allowed()) {
            return MARK_TTL_MS;
        }
        return reply.retryAfterMillis() > 0 ? reply.retryAfterMillis() : MTF_BLOCK_TTL_MS;
    }

    /**
     * Whether previous * (window - elapsed) / window has a fractional part, i.e. the exact estimate
     * lies above {@link #weightedPrevious}: (previous mod window) * remaining is not a multiple of
     * window (that product stays below window squared).
     */
    static boolean weightedPreviousHasFraction(long previous, long windowMillis, long elapsedMillis) {
        long remaining = windowMillis - elapsedMillis;
        return (previous % windowMillis) * remaining % windowMillis != 0;
    }

    /** The stored decision, replayed; with its layer when this call names scopes (the reply's shape follows the call). */
    /** The 11-element reply of a call with the room kept: the layer ({@code ""} for none), no policy, no halt, the room. */
    private static AcquireReply withRoom(AcquireReply r, String layer, long roomKept) {
        return new AcquireReply(r.allowed(), r.reason(), r.hourCount(), r.dayCount(), r.retryAfterMillis(),
                r.serverTimeMillis(), r.replayed(), layer, "", "", roomKept);
    }

    private static AcquireReply replay(Decision stored, boolean scoped) {
        AcquireReply r = stored.reply;
        return new AcquireReply(r.allowed(), r.reason(), r.hourCount(), r.dayCount(), r.retryAfterMillis(),
                r.serverTimeMillis(), true, scoped ? stored.layer : null);
    }

    /** One scope's buckets. */
    private static final class Layer {
        final BucketTable hours = new BucketTable(2 * HOUR_MS);
        final BucketTable days = new BucketTable(2 * DAY_MS);
    }

    private Layer layer(String scope) {
        return scopes.computeIfAbsent(scope, s -> new Layer());
    }

    /** Forgets scopes none of whose buckets is live: memory follows the scopes in use, as Redis keys expire. */
    private void dropIdleScopes(long clockNow) {
        scopes.values().removeIf(scope -> !scope.hours.anyLive(clockNow) && !scope.days.anyLive(clockNow));
    }

    private static List<String> names(List<ScopeCap> caps) {
        String[] names = new String[caps.size()];
        for (int i = 0; i < names.length; i++) {
            names[i] = caps.get(i).scope();
        }
        return List.of(names);
    }

    /** credit's take-back: up to {@code n} off a bucket that exists, never below 0. */
    private static void takeBack(Bucket bucket, long n) {
        if (bucket != null) {
            bucket.count -= Math.min(bucket.count, n);
        }
    }

    private static void giveBack(Bucket bucket) {
        if (bucket != null && bucket.count > 0) {
            bucket.count--;
        }
    }

    private static void increment(BucketTable table, Bucket bucket, long number, long clockNow) {
        add(table, bucket, number, 1, clockNow);
    }

    private static Bucket add(BucketTable table, Bucket bucket, long number, long n, long clockNow) {
        if (bucket == null) {
            return table.create(number, n, clockNow);
        }
        bucket.count += n;
        return bucket;
    }

    private static void raise(BucketTable table, long number, long floor, long clockNow) {
        Bucket bucket = table.live(number, clockNow);
        if (bucket == null) {
            if (floor > 0) {
                table.create(number, floor, clockNow);
            }
        } else if (bucket.count < floor) {
            bucket.count = floor;
        }
    }

    private static long count(Bucket bucket) {
        return bucket == null ? 0 : bucket.count;
    }

    /** Like PTTL: ms left on the clock, -2 for a missing key. */
    private static long ttl(Bucket bucket, long clockNow) {
        return bucket == null ? -2 : bucket.expiresAt - clockNow;
    }

    private static void requireNonNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be a non-negative integer, got " + value);
        }
    }
}
