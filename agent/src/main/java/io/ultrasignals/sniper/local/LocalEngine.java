package io.ultrasignals.sniper.local;

import io.ultrasignals.sniper.local.BucketTable.Bucket;
import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.AcquireReply;
import io.ultrasignals.sniper.script.Buckets;
import io.ultrasignals.sniper.script.Clock;
import io.ultrasignals.sniper.script.CountsReply;
import io.ultrasignals.sniper.script.LimitEngine;
import io.ultrasignals.sniper.script.ScriptException;
import io.ultrasignals.sniper.script.StatusReply;
import io.ultrasignals.sniper.script.WindowMode;
import java.util.List;
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
    static final String MTF_REQUIRED = "SNIPER_MTF_REQUIRED";
    static final String HOURLY_CAP = "SNIPER_HOURLY_CAP";
    static final String DAILY_CAP = "SNIPER_DAILY_CAP";

    private static final CountsReply UNKNOWN_SIGNAL = new CountsReply(false, 0, 0);

    /** A stored acquire decision ({@code <ns>:op:<signal_id>}); its buckets follow from its time. */
    private static final class Decision {
        final AcquireReply reply;
        boolean released;

        Decision(AcquireReply reply) {
            this.reply = reply;
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
        ScriptArguments.checkAcquire(args);
        String signalId = args.signalId();
        synchronized (lock) {
            long clockNow = clock.millis();
            if (signalId != null) {
                Decision stored = decisions.get(signalId, clockNow);
                if (stored != null) {
                    return replay(stored.reply);
                }
            }
            long now = args.nowMillis() == null ? clockNow : args.nowMillis();
            long hour = Buckets.hour(now);
            long day = Buckets.day(now);
            Bucket hourBucket = hours.live(hour, clockNow);
            Bucket dayBucket = days.live(day, clockNow);
            long hourCount = count(hourBucket);
            long dayCount = count(dayBucket);
            // 1 where the sliding estimate has a fraction above its floor (hourCount): the cap
            // comparison uses the exact estimate, the reply its floor.
            long hourOver = 0;
            long dayOver = 0;
            if (args.window() == WindowMode.SLIDING) {
                long hourPrevious = count(hours.live(hour - 1, clockNow));
                long dayPrevious = count(days.live(day - 1, clockNow));
                hourCount += weightedPrevious(hourPrevious, HOUR_MS, now - hour * HOUR_MS);
                dayCount += weightedPrevious(dayPrevious, DAY_MS, now - day * DAY_MS);
                hourOver = weightedPreviousHasFraction(hourPrevious, HOUR_MS, now - hour * HOUR_MS) ? 1 : 0;
                dayOver = weightedPreviousHasFraction(dayPrevious, DAY_MS, now - day * DAY_MS) ? 1 : 0;
            }

            boolean allowed = false;
            String reason;
            long retryAfter = 0;
            if (args.mtfRequired() && !args.mtfConfirmed()) {
                reason = MTF_REQUIRED;
            } else if (args.hourlyCap() > 0 && hourCount + hourOver + 1 > args.hourlyCap()) {
                reason = HOURLY_CAP;
                retryAfter = (hour + 1) * HOUR_MS - now;
            } else if (args.dailyCap() > 0 && dayCount + dayOver + 1 > args.dailyCap()) {
                reason = DAILY_CAP;
                retryAfter = (day + 1) * DAY_MS - now;
            } else {
                allowed = true;
                reason = OK;
                increment(hours, hourBucket, hour, clockNow);
                increment(days, dayBucket, day, clockNow);
                hourCount++;
                dayCount++;
                ledger.admitted(hour, day);
            }

            AcquireReply reply = new AcquireReply(allowed, reason, hourCount, dayCount, retryAfter, now, false);
            if (signalId != null) {
                decisions.put(signalId, new Decision(reply), clockNow, decisionTtlMillis(reply));
            }
            return reply;
        }
    }

    /** The stored decision of that signal id, as a replay, or null (none, or no id): nothing is counted. */
    public AcquireReply storedDecision(String signalId) {
        if (signalId == null) {
            return null;
        }
        synchronized (lock) {
            Decision stored = decisions.get(signalId, clock.millis());
            return stored == null ? null : replay(stored.reply);
        }
    }

    @Override
    public StatusReply status(Long nowMillis) {
        ScriptArguments.checkStatus(nowMillis);
        synchronized (lock) {
            long clockNow = clock.millis();
            long now = nowMillis == null ? clockNow : nowMillis;
            Bucket hour = hours.live(Buckets.hour(now), clockNow);
            Bucket day = days.live(Buckets.day(now), clockNow);
            return new StatusReply(count(hour), count(day), ttl(hour, clockNow), ttl(day, clockNow), now);
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
            // Buckets that expired stay gone; a count already at 0 stays 0.
            if (hourBucket != null && hourBucket.count > 0) {
                hourBucket.count--;
            }
            if (dayBucket != null && dayBucket.count > 0) {
                dayBucket.count--;
            }
            decision.released = true;
            ledger.released(hour, day);
            return new CountsReply(true, count(hourBucket), count(dayBucket));
        }
    }

    @Override
    public CountsReply credit(long hourBucket, long dayBucket, long n, String batchId) {
        ScriptArguments.checkCredit(hourBucket, dayBucket, n, batchId);
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
            return hours.size() + days.size() + decisions.size() + creditMarks.size();
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

    private static AcquireReply replay(AcquireReply stored) {
        return new AcquireReply(stored.allowed(), stored.reason(), stored.hourCount(), stored.dayCount(),
                stored.retryAfterMillis(), stored.serverTimeMillis(), true);
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
