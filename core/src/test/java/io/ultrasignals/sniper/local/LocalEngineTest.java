package io.ultrasignals.sniper.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.AcquireReply;
import io.ultrasignals.sniper.script.CountsReply;
import io.ultrasignals.sniper.script.ScriptException;
import io.ultrasignals.sniper.script.StatusReply;
import io.ultrasignals.sniper.script.WindowMode;
import java.math.BigInteger;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class LocalEngineTest {
    static final long MINUTE = 60_000L;
    static final long HOUR = 3_600_000L;
    static final long DAY = 86_400_000L;
    static final long MARK_TTL = 172_800_000L;
    /** 10:00 UTC on day 19700. */
    static final long START = 19_700L * DAY + 10 * HOUR;
    static final long START_HOUR = START / HOUR;
    static final long START_DAY = START / DAY;

    final AtomicLong clock = new AtomicLong(START);
    final LocalEngine engine = new LocalEngine(clock::get);

    static AcquireArgs capped(long hourlyCap, long dailyCap, String signalId, long now) {
        return new AcquireArgs(hourlyCap, dailyCap, false, false, signalId, now, WindowMode.FIXED);
    }

    static AcquireArgs sliding(long hourlyCap, long dailyCap, long now) {
        return new AcquireArgs(hourlyCap, dailyCap, false, false, null, now, WindowMode.SLIDING);
    }

    AcquireReply admit(long now) {
        AcquireReply reply = engine.acquire(capped(0, 0, null, now));
        assertThat(reply.allowed()).isTrue();
        return reply;
    }

    @Nested
    class Caps {
        @Test
        void hourlyCapAdmitsExactlyTheCapThenDeniesUntilTheNextHour() {
            long now = START + 15 * MINUTE;
            for (int i = 1; i <= 3; i++) {
                assertThat(engine.acquire(capped(3, 0, null, now)))
                        .isEqualTo(new AcquireReply(true, "OK", i, i, 0, now, false));
            }
            assertThat(engine.acquire(capped(3, 0, null, now)))
                    .isEqualTo(new AcquireReply(false, "SNIPER_HOURLY_CAP", 3, 3, 45 * MINUTE, now, false));

            long nextHour = START + HOUR;
            assertThat(engine.acquire(capped(3, 0, null, nextHour)))
                    .isEqualTo(new AcquireReply(true, "OK", 1, 4, 0, nextHour, false));
        }

        @Test
        void dailyCapDeniesUntilMidnightUtc() {
            admit(START);
            admit(START + HOUR);
            long evening = START + 9 * HOUR + 30 * MINUTE;
            assertThat(engine.acquire(capped(0, 2, null, evening)))
                    .isEqualTo(new AcquireReply(false, "SNIPER_DAILY_CAP", 0, 2, (START_DAY + 1) * DAY - evening, evening, false));
            long nextDay = (START_DAY + 1) * DAY;
            assertThat(engine.acquire(capped(0, 2, null, nextDay)).allowed()).isTrue();
        }

        @Test
        void hourlyCapIsReportedBeforeTheDailyCap() {
            admit(START);
            assertThat(engine.acquire(capped(1, 1, null, START)).reason()).isEqualTo("SNIPER_HOURLY_CAP");
        }

        @Test
        void mtfIsCheckedFirstAndCountsNothing() {
            admit(START);
            AcquireArgs unconfirmed = new AcquireArgs(1, 1, true, false, null, START, WindowMode.FIXED);
            assertThat(engine.acquire(unconfirmed))
                    .isEqualTo(new AcquireReply(false, "SNIPER_MTF_REQUIRED", 1, 1, 0, START, false));

            AcquireArgs confirmed = new AcquireArgs(0, 0, true, true, null, START, WindowMode.FIXED);
            assertThat(engine.acquire(confirmed).allowed()).isTrue();
            AcquireArgs notRequired = new AcquireArgs(0, 0, false, false, null, START, WindowMode.FIXED);
            assertThat(engine.acquire(notRequired).allowed()).isTrue();
            assertThat(engine.status(START).hourCount()).isEqualTo(3);
        }

        @Test
        void zeroCapsMeanNoCap() {
            for (int i = 1; i <= 50; i++) {
                assertThat(engine.acquire(capped(0, 0, null, START)).hourCount()).isEqualTo(i);
            }
        }

        @Test
        void deniedSignalsAreNotCounted() {
            admit(START);
            for (int i = 0; i < 5; i++) {
                assertThat(engine.acquire(capped(1, 0, null, START)).allowed()).isFalse();
            }
            assertThat(engine.status(START).hourCount()).isEqualTo(1);
        }
    }

    @Nested
    class SlidingWindow {
        @Test
        void previousHourCountsByTheShareOfTheWindowStillInside() {
            for (int i = 0; i < 10; i++) {
                admit(START);
            }
            // 15 minutes into the next hour: 45/60 of the previous hour is inside, 10 * 0.75 = 7.5
            // (replied as 7): cap 8 blocks at once (7.5 + 1 > 8), cap 9 admits one (7.5 + 1 + 1 > 9).
            long now = START + HOUR + 15 * MINUTE;
            assertThat(engine.acquire(sliding(8, 0, now)))
                    .isEqualTo(new AcquireReply(false, "SNIPER_HOURLY_CAP", 7, 10, 45 * MINUTE, now, false));
            assertThat(engine.acquire(sliding(9, 0, now)))
                    .isEqualTo(new AcquireReply(true, "OK", 8, 11, 0, now, false));
            assertThat(engine.acquire(sliding(9, 0, now)))
                    .isEqualTo(new AcquireReply(false, "SNIPER_HOURLY_CAP", 8, 11, 45 * MINUTE, now, false));
            // The fixed window sees only the new bucket.
            assertThat(engine.acquire(capped(8, 0, null, now)).hourCount()).isEqualTo(2);
        }

        @Test
        void theWeightIsRoundedDown() {
            for (int i = 0; i < 3; i++) {
                admit(START);
            }
            long oneMsIntoNextHour = START + HOUR + 1;
            // floor(3 * 3599999 / 3600000) = 2, then this admission.
            assertThat(engine.acquire(sliding(0, 0, oneMsIntoNextHour)).hourCount()).isEqualTo(3);
        }

        @Test
        void previousDayCountsTheSameWay() {
            for (int i = 0; i < 4; i++) {
                admit(START);
            }
            long sixInTheMorning = (START_DAY + 1) * DAY + 6 * HOUR;
            // 18/24 of the previous day is inside: floor(4 * 0.75) = 3.
            assertThat(engine.acquire(sliding(0, 4, sixInTheMorning)))
                    .isEqualTo(new AcquireReply(true, "OK", 1, 4, 0, sixInTheMorning, false));
            assertThat(engine.acquire(sliding(0, 4, sixInTheMorning)))
                    .isEqualTo(new AcquireReply(false, "SNIPER_DAILY_CAP", 1, 4, 18 * HOUR, sixInTheMorning, false));
        }

        @Test
        void weightedPreviousIsTheExactFloorForExtremeCounts() {
            long[] counts = {0, 1, 3, 999_999_999, 1_000_000_000_000_000L, Long.MAX_VALUE};
            long[] windows = {HOUR, DAY};
            for (long count : counts) {
                for (long window : windows) {
                    for (long elapsed : new long[] {0, 1, window / 3, window - 1}) {
                        BigInteger exact = BigInteger.valueOf(count).multiply(BigInteger.valueOf(window - elapsed))
                                .divide(BigInteger.valueOf(window));
                        assertThat(LocalEngine.weightedPrevious(count, window, elapsed))
                                .as("count %d window %d elapsed %d", count, window, elapsed)
                                .isEqualTo(exact.longValueExact());
                    }
                }
            }
        }
    }

    @Nested
    class Replay {
        @Test
        void aSignalIdGetsItsStoredDecisionBackAndCountsNothing() {
            AcquireReply first = engine.acquire(capped(5, 5, "sig", START));
            assertThat(first).isEqualTo(new AcquireReply(true, "OK", 1, 1, 0, START, false));

            // Other caps, another time, another window: still the stored decision.
            AcquireReply again = engine.acquire(new AcquireArgs(1, 1, true, false, "sig", START + HOUR, WindowMode.SLIDING));
            assertThat(again).isEqualTo(new AcquireReply(true, "OK", 1, 1, 0, START, true));
            assertThat(engine.status(START).hourCount()).isEqualTo(1);
        }

        @Test
        void aDenialIsReplayedToo() {
            admit(START);
            AcquireReply denied = engine.acquire(capped(1, 0, "late", START));
            assertThat(denied.reason()).isEqualTo("SNIPER_HOURLY_CAP");
            AcquireReply afterTheHour = engine.acquire(capped(1, 0, "late", START + HOUR));
            assertThat(afterTheHour).isEqualTo(new AcquireReply(false, "SNIPER_HOURLY_CAP", 1, 1, HOUR, START, true));
        }

        @Test
        void aCapBlockIsReplayedUntilItsBucketEndsThenDecidedAfresh() {
            admit(START);
            assertThat(engine.acquire(capped(1, 0, "late", START)))
                    .isEqualTo(new AcquireReply(false, "SNIPER_HOURLY_CAP", 1, 1, HOUR, START, false));
            clock.set(START + HOUR);
            assertThat(engine.acquire(capped(1, 0, "late", START + HOUR)).replayed()).isTrue();
            clock.set(START + HOUR + 1);
            assertThat(engine.acquire(capped(1, 0, "late", START + HOUR + 1)))
                    .isEqualTo(new AcquireReply(true, "OK", 1, 2, 0, START + HOUR + 1, false));
        }

        @Test
        void aDailyCapBlockIsKeptUntilTheDayEnds() {
            admit(START);
            long dayLeft = (START_DAY + 1) * DAY - START;
            assertThat(engine.acquire(capped(0, 1, "late", START)).retryAfterMillis()).isEqualTo(dayLeft);
            clock.set(START + dayLeft);
            assertThat(engine.acquire(capped(0, 1, "late", START)).replayed()).isTrue();
            clock.set(START + dayLeft + 1);
            assertThat(engine.acquire(capped(0, 1, "late", START + dayLeft + 1)))
                    .isEqualTo(new AcquireReply(true, "OK", 1, 1, 0, START + dayLeft + 1, false));
        }

        @Test
        void anMtfBlockIsReplayedFor60SecondsThenAConfirmationIsDecided() {
            AcquireArgs unconfirmed = new AcquireArgs(0, 0, true, false, "m", START, WindowMode.FIXED);
            AcquireArgs confirmed = new AcquireArgs(0, 0, true, true, "m", START, WindowMode.FIXED);
            assertThat(engine.acquire(unconfirmed).reason()).isEqualTo("SNIPER_MTF_REQUIRED");
            clock.set(START + 60_000);
            assertThat(engine.acquire(confirmed))
                    .isEqualTo(new AcquireReply(false, "SNIPER_MTF_REQUIRED", 0, 0, 0, START, true));
            clock.set(START + 60_001);
            assertThat(engine.acquire(confirmed)).isEqualTo(new AcquireReply(true, "OK", 1, 1, 0, START, false));
        }

        @Test
        void blockedIdsHoldMemoryOnlyUntilTheirBucketEnds() {
            admit(START);
            for (int i = 0; i < 3600; i++) {
                clock.set(START + i * 1000L);
                assertThat(engine.acquire(capped(1, 0, "runaway-" + i, clock.get())).allowed()).isFalse();
            }
            assertThat(engine.storedEntries()).isGreaterThanOrEqualTo(3600);
            clock.set(START + HOUR + 1);
            engine.acquire(capped(1, 0, "next-hour", clock.get()));
            // The one admitted decision and a few buckets; every blocked id is gone.
            assertThat(engine.storedEntries()).isLessThanOrEqualTo(1 + 4);
        }

        @Test
        void theDecisionIsForgottenAfter172800SecondsOnTheClock() {
            engine.acquire(capped(0, 0, "sig", START));
            clock.set(START + MARK_TTL - 1);
            assertThat(engine.acquire(capped(0, 0, "sig", START)).replayed()).isTrue();
            clock.set(START + MARK_TTL + 1);
            assertThat(engine.acquire(capped(0, 0, "sig", START)))
                    .isEqualTo(new AcquireReply(true, "OK", 1, 1, 0, START, false));
        }
    }

    @Nested
    class Release {
        @Test
        void givesBackBothSlotsOnce() {
            engine.acquire(capped(0, 0, "a", START));
            engine.acquire(capped(0, 0, "b", START));
            assertThat(engine.release("a")).isEqualTo(new CountsReply(true, 1, 1));
            assertThat(engine.release("a")).isEqualTo(new CountsReply(false, 1, 1));
            assertThat(engine.status(START)).extracting(StatusReply::hourCount, StatusReply::dayCount).containsExactly(1L, 1L);
        }

        @Test
        void freesTheSlotForTheNextSignal() {
            engine.acquire(capped(1, 0, "a", START));
            assertThat(engine.acquire(capped(1, 0, null, START)).allowed()).isFalse();
            engine.release("a");
            assertThat(engine.acquire(capped(1, 0, null, START)).allowed()).isTrue();
        }

        @Test
        void anUnknownIdReleasesNothing() {
            admit(START);
            assertThat(engine.release("never-seen")).isEqualTo(new CountsReply(false, 0, 0));
        }

        @Test
        void aDeniedDecisionReleasesNothingAndReportsItsBuckets() {
            admit(START);
            admit(START);
            engine.acquire(capped(2, 0, "denied", START));
            assertThat(engine.release("denied")).isEqualTo(new CountsReply(false, 2, 2));
        }

        @Test
        void decrementsTheBucketsOfTheAdmissionNotTheCurrentOnes() {
            engine.acquire(capped(0, 0, "a", START));
            admit(START + HOUR);
            assertThat(engine.release("a")).isEqualTo(new CountsReply(true, 0, 1));
            assertThat(engine.status(START + HOUR).hourCount()).isEqualTo(1);
        }

        @Test
        void leavesExpiredBucketsGone() {
            engine.acquire(capped(0, 0, "a", START));
            clock.set(START + 2 * HOUR + 1);
            assertThat(engine.release("a")).isEqualTo(new CountsReply(true, 0, 0));
            StatusReply status = engine.status(START);
            assertThat(status.hourTtlMillis()).isEqualTo(-2);
            assertThat(status.dayCount()).isZero();
            assertThat(status.dayTtlMillis()).isPositive();
        }

        @Test
        void neverGoesBelowZero() {
            engine.acquire(capped(0, 0, "a1", START));
            engine.acquire(capped(0, 0, "a2", START));
            clock.set(START + 2 * HOUR + 1);
            // The hour bucket expired; a later call at the same now_ms creates it anew with 1.
            assertThat(admit(START).hourCount()).isEqualTo(1);
            assertThat(engine.release("a1")).isEqualTo(new CountsReply(true, 0, 2));
            assertThat(engine.release("a2")).isEqualTo(new CountsReply(true, 0, 1));
            StatusReply status = engine.status(START);
            assertThat(status.hourCount()).isZero();
            assertThat(status.hourTtlMillis()).isNotEqualTo(-2);
        }
    }

    @Nested
    class Credit {
        @Test
        void addsOncePerBatch() {
            assertThat(engine.credit(START_HOUR, START_DAY, 3, "b1")).isEqualTo(new CountsReply(true, 3, 3));
            assertThat(engine.credit(START_HOUR, START_DAY, 3, "b1")).isEqualTo(new CountsReply(false, 3, 3));
            assertThat(engine.credit(START_HOUR, START_DAY, 2, "b2")).isEqualTo(new CountsReply(true, 5, 5));
            assertThat(engine.acquire(capped(6, 0, null, START)))
                    .isEqualTo(new AcquireReply(true, "OK", 6, 6, 0, START, false));
        }

        @Test
        void aBatchOfZeroIsMarkedButCreatesNoBucket() {
            assertThat(engine.credit(START_HOUR, START_DAY, 0, "z")).isEqualTo(new CountsReply(true, 0, 0));
            assertThat(engine.status(START)).isEqualTo(new StatusReply(0, 0, -2, -2, START));
            assertThat(engine.credit(START_HOUR, START_DAY, 5, "z")).isEqualTo(new CountsReply(false, 0, 0));
        }

        @Test
        void createdBucketsLiveTwoWindowsAndExistingOnesKeepTheirTtl() {
            admit(START);
            clock.set(START + 30 * MINUTE);
            engine.credit(START_HOUR, START_DAY, 2, "b");
            StatusReply status = engine.status(START);
            assertThat(status.hourTtlMillis()).isEqualTo(2 * HOUR - 30 * MINUTE);

            long pastHour = START_HOUR - 5;
            engine.credit(pastHour, START_DAY, 1, "old");
            assertThat(engine.status(pastHour * HOUR).hourTtlMillis()).isEqualTo(2 * HOUR);
        }

        @Test
        void theMarkExpiresAfter172800Seconds() {
            engine.credit(START_HOUR, START_DAY, 1, "b");
            clock.set(START + MARK_TTL + 1);
            assertThat(engine.credit(START_HOUR, START_DAY, 1, "b").done()).isTrue();
        }

        @Test
        void isNotALocalAdmission() {
            engine.credit(START_HOUR, START_DAY, 4, "b");
            assertThat(engine.drainAdmissions()).isEmpty();
        }
    }

    @Nested
    class StatusAndExpiry {
        @Test
        void anEmptyNamespaceHasNoKeys() {
            assertThat(engine.status(START)).isEqualTo(new StatusReply(0, 0, -2, -2, START));
        }

        @Test
        void ttlsRunFromCreationOnTheClock() {
            admit(START);
            clock.set(START + 10 * MINUTE);
            assertThat(engine.status(START)).isEqualTo(new StatusReply(1, 1, 2 * HOUR - 10 * MINUTE, 2 * DAY - 10 * MINUTE, START));
            admit(START);
            assertThat(engine.status(START).hourTtlMillis()).as("an increment keeps the TTL").isEqualTo(2 * HOUR - 10 * MINUTE);
        }

        @Test
        void bucketsExpireOnTheClockWhateverNowMillisSays() {
            long later = START + 5 * HOUR;
            admit(later);
            clock.set(START + 2 * HOUR);
            assertThat(engine.status(later).hourCount()).isEqualTo(1);
            clock.set(START + 2 * HOUR + 1);
            assertThat(engine.status(later)).isEqualTo(new StatusReply(0, 1, -2, 2 * DAY - 2 * HOUR - 1, later));
        }

        @Test
        void aNullNowIsTheClock() {
            clock.set(START + 1234);
            assertThat(engine.acquire(new AcquireArgs(0, 0, false, false, null, null, null)).serverTimeMillis())
                    .isEqualTo(START + 1234);
            assertThat(engine.status(null)).isEqualTo(new StatusReply(1, 1, 2 * HOUR, 2 * DAY, START + 1234));
        }

        @Test
        void memoryFollowsWhatIsLive() {
            for (int hour = 0; hour < 24 * 10; hour++) {
                clock.set(START + hour * HOUR);
                engine.acquire(capped(0, 0, "sig-" + hour, clock.get()));
                engine.credit(START_HOUR + hour, START_DAY + hour / 24, 1, "batch-" + hour);
            }
            // Live at the end: 49 decisions and 49 marks (48 h), a few hour and day buckets.
            assertThat(engine.storedEntries()).isLessThanOrEqualTo(49 + 49 + 4 + 4);

            clock.addAndGet(3 * DAY);
            engine.acquire(capped(0, 0, "fresh", clock.get()));
            engine.credit(clock.get() / HOUR, clock.get() / DAY, 1, "fresh");
            assertThat(engine.storedEntries()).isLessThanOrEqualTo(1 + 1 + 4 + 4);
        }
    }

    @Nested
    class Errors {
        static final String LONGEST_ID = "é".repeat(128);

        void assertError(Runnable call, String message) {
            assertThatThrownBy(call::run).isInstanceOf(ScriptException.class).hasMessage("ERR sniper: " + message);
        }

        @Test
        void acquireRejectsWhatTheScriptRejects() {
            assertError(() -> engine.acquire(capped(0, 0, "x".repeat(257), START)),
                    "signal_id (ARGV[5]) must be at most 256 bytes, got 257");
            assertError(() -> engine.acquire(capped(0, 0, "é".repeat(129), START)),
                    "signal_id (ARGV[5]) must be at most 256 bytes, got 258");
            assertError(() -> engine.acquire(capped(0, 0, null, -1)),
                    "now_ms (ARGV[6]) must be empty or epoch milliseconds, got \"-1\"");
            assertError(() -> engine.acquire(capped(0, 0, null, 1_000_000_000_000_000L)),
                    "now_ms (ARGV[6]) must be empty or epoch milliseconds, got \"1000000000000000\"");
            assertThat(engine.acquire(capped(0, 0, LONGEST_ID, 999_999_999_999L)).allowed()).isTrue();
        }

        @Test
        void statusReleaseAndCreditRejectWhatTheScriptsReject() {
            assertError(() -> engine.status(-5L), "now_ms (ARGV[1]) must be empty or epoch milliseconds, got \"-5\"");
            assertError(() -> engine.release(""), "signal_id (ARGV[1]) must be 1..256 bytes, got 0");
            assertError(() -> engine.release(null), "signal_id (ARGV[1]) must be 1..256 bytes, got 0");
            assertError(() -> engine.release("é".repeat(129)), "signal_id (ARGV[1]) must be 1..256 bytes, got 258");
            assertError(() -> engine.credit(-1, 0, 1, "b"), "hour_bucket (ARGV[1]) must be a non-negative integer, got \"-1\"");
            assertError(() -> engine.credit(1_000_000_000_000L, 0, 1, "b"),
                    "hour_bucket (ARGV[1]) must be a non-negative integer, got \"1000000000000\"");
            assertError(() -> engine.credit(0, -1, 1, "b"), "day_bucket (ARGV[2]) must be a non-negative integer, got \"-1\"");
            assertError(() -> engine.credit(0, 0, 1_000_000_001L, "b"),
                    "n (ARGV[3]) must be an integer -1000000000..1000000000, got \"1000000001\"");
            assertError(() -> engine.credit(0, 0, -1_000_000_001L, "b"),
                    "n (ARGV[3]) must be an integer -1000000000..1000000000, got \"-1000000001\"");
            assertError(() -> engine.credit(0, 0, 1, ""), "batch_id (ARGV[4]) must be 1..256 bytes, got 0");
            assertError(() -> engine.credit(0, 0, 1, "x".repeat(257)), "batch_id (ARGV[4]) must be 1..256 bytes, got 257");
        }

        @Test
        void aRejectedCallWritesNothing() {
            assertThatThrownBy(() -> engine.acquire(capped(0, 0, "x".repeat(300), START))).isInstanceOf(ScriptException.class);
            assertThatThrownBy(() -> engine.credit(START_HOUR, START_DAY, 1, "")).isInstanceOf(ScriptException.class);
            assertThat(engine.status(START)).isEqualTo(new StatusReply(0, 0, -2, -2, START));
            assertThat(engine.storedEntries()).isZero();
        }
    }

    @Nested
    class ForTheFallbackLayer {
        @Test
        void seedRaisesBucketsToAFloorAndNeverLowersThem() {
            engine.seed(START_HOUR, 3, START_DAY, 5);
            assertThat(engine.status(START)).isEqualTo(new StatusReply(3, 5, 2 * HOUR, 2 * DAY, START));
            engine.seed(START_HOUR, 1, START_DAY, 9);
            assertThat(engine.status(START)).extracting(StatusReply::hourCount, StatusReply::dayCount).containsExactly(3L, 9L);
            assertThat(engine.acquire(capped(4, 0, null, START)).allowed()).isTrue();
            assertThat(engine.acquire(capped(4, 0, null, START)).allowed()).isFalse();
        }

        @Test
        void seedOfZeroCreatesNoBucketAndSeedsAreNotAdmissions() {
            engine.seed(START_HOUR, 0, START_DAY, 2);
            assertThat(engine.status(START)).isEqualTo(new StatusReply(0, 2, -2, 2 * DAY, START));
            assertThat(engine.drainAdmissions()).isEmpty();
        }

        @Test
        void seedRejectsNegativeNumbers() {
            assertThatThrownBy(() -> engine.seed(START_HOUR, -1, START_DAY, 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("hourCount must be a non-negative integer, got -1");
        }

        @Test
        void drainHandsOverAdmissionsAndReleasesPerBucketPairOnce() {
            engine.acquire(capped(0, 0, "a", START));
            engine.acquire(capped(0, 0, "b", START));
            engine.acquire(capped(0, 0, "c", START + HOUR));
            engine.acquire(capped(1, 0, "denied", START + HOUR + 1));
            engine.release("a");
            engine.acquire(new AcquireArgs(0, 0, true, false, "mtf", START, WindowMode.FIXED));

            assertThat(engine.drainAdmissions()).containsExactly(
                    new LocalAdmissions(START_HOUR, START_DAY, 2, 1),
                    new LocalAdmissions(START_HOUR + 1, START_DAY, 1, 0));
            assertThat(engine.drainAdmissions()).isEmpty();

            engine.release("b");
            admit(START);
            assertThat(engine.drainAdmissions()).isEqualTo(List.of(new LocalAdmissions(START_HOUR, START_DAY, 1, 1)));
        }
    }
}
