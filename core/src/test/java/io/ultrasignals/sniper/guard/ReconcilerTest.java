package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ultrasignals.sniper.local.LocalEngine;
import io.ultrasignals.sniper.redis.RedisFailure;
import io.ultrasignals.sniper.redis.RedisUnavailableException;
import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.AcquireReply;
import io.ultrasignals.sniper.script.Buckets;
import io.ultrasignals.sniper.script.CountsReply;
import io.ultrasignals.sniper.script.LimitEngine;
import io.ultrasignals.sniper.script.StatusReply;
import io.ultrasignals.sniper.script.WindowMode;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The reconciliation ledger without Redis and without sleeping: a second {@link LocalEngine} plays Redis's books
 * (it answers as the scripts do, lua/test-vectors.json), on a clock the test moves by hand.
 */
@Tag("unit")
class ReconcilerTest {
    private static final long T0 = 1_700_000_000_000L;

    private final AtomicLong now = new AtomicLong(T0);
    private final LocalEngine local = new LocalEngine(now::get);
    private final LocalEngine redisBooks = new LocalEngine(now::get);
    private final Reconciler reconciler = new Reconciler(local, "guard-1");

    @Test
    void localAdmissionsAreCreditedToTheirBucketsOnce() {
        admitLocally(null, null, null);
        admitLocally(null, null, null);
        reconciler.markDirty();
        assertThat(reconciler.hasPending()).isTrue();

        assertThat(reconciler.flush(redisBooks)).isEqualTo(2);
        assertThat(reconciler.hasPending()).isFalse();
        assertThat(reconciler.flush(redisBooks)).as("nothing new").isZero();
        assertThat(hourCountInRedis(T0)).isEqualTo(2);
    }

    @Test
    void admissionsOfAnEarlierHourAreCreditedToThatHour() {
        admitLocally(null, T0 - Buckets.HOUR_MS, null);
        admitLocally(null, T0, null);
        reconciler.markDirty();
        reconciler.flush(redisBooks);
        assertThat(hourCountInRedis(T0 - Buckets.HOUR_MS)).isEqualTo(1);
        assertThat(hourCountInRedis(T0)).isEqualTo(1);
    }

    @Test
    void aLocalReleaseBeforeTheFlushTakesItsAdmissionOff() {
        admitLocally("a", null, null);
        admitLocally("b", null, null);
        assertThat(local.release("a").done()).isTrue();
        reconciler.markDirty();
        assertThat(reconciler.flush(redisBooks)).isEqualTo(1);
        assertThat(hourCountInRedis(T0)).isEqualTo(1);
    }

    @Test
    void aCreditWhoseReplyWasLostIsTriedAgainUnderTheSameBatchIdAndAppliedOnce() {
        admitLocally(null, null, null);
        admitLocally(null, null, null);
        reconciler.markDirty();
        LimitEngine replyLost = new RepliesLost(redisBooks);
        assertThatThrownBy(() -> reconciler.flush(replyLost)).isInstanceOf(RedisUnavailableException.class);
        assertThat(hourCountInRedis(T0)).as("the credit ran").isEqualTo(2);
        assertThat(reconciler.pendingAdmissions()).as("but is still queued").isEqualTo(2);

        assertThat(reconciler.flush(redisBooks)).as("found applied: not counted twice").isZero();
        assertThat(hourCountInRedis(T0)).isEqualTo(2);
        assertThat(reconciler.pendingAdmissions()).isZero();
    }

    @Test
    void releasesQueuedDuringTheOutageAreReplayedOnRedis() {
        redisBooks.acquire(args("r1", null));
        reconciler.queueRelease("r1");
        assertThat(reconciler.hasPending()).isTrue();
        reconciler.flush(redisBooks);
        assertThat(hourCountInRedis(T0)).isZero();
        assertThat(reconciler.hasPending()).isFalse();
    }

    @Test
    void anAmbiguousSignalCountedInRedisAndAdmittedHereIsNotCreditedAgain() {
        redisBooks.acquire(args("s1", T0)); // the call ran, its reply was lost
        admitLocally("s1", T0, true);
        assertThat(reconciler.flush(redisBooks)).isZero();
        assertThat(hourCountInRedis(T0)).isEqualTo(1);
    }

    @Test
    void anAmbiguousSignalCountedInRedisButBlockedHereIsReleasedThere() {
        redisBooks.acquire(args("s1", T0));
        reconciler.recordAmbiguous("s1", T0, false);
        reconciler.flush(redisBooks);
        assertThat(hourCountInRedis(T0)).isZero();
    }

    @Test
    void anAmbiguousSignalThatNeverReachedRedisButWasAdmittedHereIsCountedOnce() {
        admitLocally("s1", T0, true); // the call never ran
        reconciler.flush(redisBooks);
        assertThat(hourCountInRedis(T0)).isEqualTo(1);
    }

    @Test
    void unsettledSignalsAreCountedByBucketAndDecisionTime() {
        reconciler.recordAmbiguous("a", T0, true);
        reconciler.recordAmbiguous("b", T0 + 10, false);
        reconciler.recordAmbiguous("c", T0 + Buckets.HOUR_MS, true);
        long hour = Buckets.hour(T0);
        assertThat(reconciler.unsettledIn(Buckets.HOUR_MS, hour, T0 + 10)).isEqualTo(2);
        assertThat(reconciler.unsettledIn(Buckets.HOUR_MS, hour, T0)).as("decided after the count was seen").isEqualTo(1);
        assertThat(reconciler.unsettledIn(Buckets.DAY_MS, Buckets.day(T0), T0 + Buckets.HOUR_MS)).isEqualTo(3);
        reconciler.flush(redisBooks);
        assertThat(reconciler.unsettledIn(Buckets.HOUR_MS, hour, T0 + 10)).as("settled").isZero();
    }

    /** A local admission as the fallback makes it; with {@code ambiguous}, its Redis call's outcome is unknown. */
    @Test
    void aLocalReleaseAfterItsCreditIsTakenBackFromRedis() {
        admitLocally("a", null, null);
        admitLocally("b", null, null);
        assertThat(reconciler.flush(redisBooks)).isEqualTo(2);
        assertThat(local.release("a").done()).isTrue();
        reconciler.markDirty();
        assertThat(reconciler.flush(redisBooks)).as("nothing credited").isZero();
        assertThat(hourCountInRedis(T0)).as("the release reached Redis's books").isEqualTo(1);
        assertThat(reconciler.hasPending()).isFalse();
    }

    @Test
    void aCallThatCountedAfterItTimedOutIsTakenOffTheLocalAdmissionsOfItsBuckets() {
        // Redis counted a signal without id whose call had timed out; the fallback then admitted it (and one more).
        redisBooks.acquire(args(null, T0));
        reconciler.countedAfterTimeout(T0, List.of());
        assertThat(reconciler.hasPending()).isTrue();
        admitLocally(null, T0, null);
        admitLocally(null, T0, null);

        assertThat(reconciler.flush(redisBooks)).as("one of the two is already in Redis's books").isEqualTo(1);
        assertThat(hourCountInRedis(T0)).as("Redis's books = the two admissions").isEqualTo(2);
        assertThat(reconciler.hasPending()).isFalse();
    }

    @Test
    void aCallThatCountedAfterItTimedOutWhileTheFallbackBlockedIsTakenBackFromRedis() {
        // Redis counted it; the fallback blocked the signal (the gate, a share used up): no admission was made.
        redisBooks.acquire(args(null, T0));
        redisBooks.acquire(args(null, T0));
        reconciler.countedAfterTimeout(T0, List.of());

        assertThat(reconciler.flush(redisBooks)).as("nothing credited").isZero();
        assertThat(hourCountInRedis(T0)).as("taken back: Redis's books = the one admission made").isEqualTo(1);
        assertThat(reconciler.hasPending()).isFalse();
        assertThat(reconciler.flush(redisBooks)).isZero();
        assertThat(hourCountInRedis(T0)).as("once").isEqualTo(1);
    }

    @Test
    void aTakeBackWhoseReplyWasLostIsAppliedOnce() {
        redisBooks.acquire(args(null, T0));
        redisBooks.acquire(args(null, T0));
        reconciler.countedAfterTimeout(T0, List.of());
        assertThatThrownBy(() -> reconciler.flush(new RepliesLost(redisBooks))).isInstanceOf(RedisUnavailableException.class);
        assertThat(hourCountInRedis(T0)).isEqualTo(1);
        reconciler.flush(redisBooks);
        assertThat(hourCountInRedis(T0)).as("same batch id: not taken twice").isEqualTo(1);
        assertThat(reconciler.hasPending()).isFalse();
    }

    private void admitLocally(String id, Long at, Boolean ambiguous) {
        AcquireReply reply = local.acquire(args(id, at));
        assertThat(reply.allowed()).isTrue();
        if (ambiguous != null) {
            reconciler.recordAmbiguous(id, at, ambiguous);
        }
        reconciler.markDirty();
    }

    private static AcquireArgs args(String id, Long at) {
        return new AcquireArgs(100, 1000, false, false, id, at, WindowMode.FIXED);
    }

    private long hourCountInRedis(long at) {
        return redisBooks.status(at).hourCount();
    }

    /** Books that apply every credit but lose its reply, as a connection dropped after sending would. */
    private record RepliesLost(LimitEngine books) implements LimitEngine {
        @Override
        public AcquireReply acquire(AcquireArgs args) {
            return books.acquire(args);
        }

        @Override
        public StatusReply status(Long nowMillis, List<String> scopes) {
            return books.status(nowMillis, scopes);
        }

        @Override
        public CountsReply release(String signalId) {
            return books.release(signalId);
        }

        @Override
        public CountsReply credit(long hourBucket, long dayBucket, long n, String batchId, List<String> scopes) {
            books.credit(hourBucket, dayBucket, n, batchId, scopes);
            throw new RedisUnavailableException(RedisFailure.TIMEOUT, new TimeoutException("reply lost"));
        }
    }
}
