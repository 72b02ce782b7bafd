package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.local.LocalEngine;
import io.ultrasignals.sniper.redis.ClockOffset;
import io.ultrasignals.sniper.redis.RedisEngine;
import io.ultrasignals.sniper.redis.ScriptRunner;
import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.AcquireReply;
import io.ultrasignals.sniper.script.ScriptCatalog;
import io.ultrasignals.sniper.script.WindowMode;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * docs/design/recovery.md, "Books stay complete": a call whose outcome is unknown (it timed out, yet ran on the server)
 * is settled by replaying its id at its original time. A blocked decision is now kept only until its
 * bucket ends, so the settling replay may find it expired and decide afresh (with no caps: counted).
 * The books must stay exact either way: Redis ends up counting the signal iff the guard admitted it.
 *
 * <p>The calls that "timed out" run against real Redis with an explicit now_ms 300 ms before an hour
 * ends, so their stored block has a real TTL of 300 ms, and the test waits it out; the guard's
 * reconciler then settles them against the same Redis.
 */
@ExtendWith(RedisExtension.class)
class SettleAfterExpiryTest {
    /** 300 ms before the hour 472222 ends (2023-11-14T22:59:59.700Z). */
    private static final long DECIDED_AT = 1_700_002_800_000L - 300;
    private static final String HOUR_BUCKET = ":hour:472222";

    @Test
    void aTimedOutBlockedCallSettledAfterItsStoredAnswerExpiredKeepsTheBooksExact(RedisServer server) throws Exception {
        TestSettings settings = TestSettings.on(server).caps(1, 0);
        try (SniperRuntime runtime = SniperRuntime.create(settings.build(), GuardListener.NONE).start()) {
            RedisEngine redis = engineOn(runtime, settings);
            LocalEngine local = new LocalEngine();
            Reconciler reconciler = new Reconciler(local, "settle-test");
            String ns = settings.namespace();

            // The cap's one slot goes to a Redis decision.
            assertThat(redis.acquire(capped("first")).allowed()).isTrue();
            // Two calls the guard gave up on, which Redis still ran: both blocked by the hourly cap, for 300 ms.
            AcquireReply lost = redis.acquire(capped("blocked-here"));
            assertThat(lost.allowed()).isFalse();
            assertThat(lost.retryAfterMillis()).isEqualTo(300);
            assertThat(redis.acquire(capped("admitted-here")).allowed()).isFalse();
            // Meanwhile the guard decided them locally: one blocked, one admitted (its local share).
            assertThat(local.acquire(new AcquireArgs(0, 0, false, false, "admitted-here", DECIDED_AT, WindowMode.FIXED)).allowed())
                    .isTrue();
            reconciler.recordAmbiguous("blocked-here", DECIDED_AT, false);
            reconciler.recordAmbiguous("admitted-here", DECIDED_AT, true);
            reconciler.markDirty();

            Thread.sleep(400);
            assertThat(server.call("EXISTS", ns + ":op:blocked-here")).as("the stored block expired with its bucket").isEqualTo(0L);
            assertThat(server.call("EXISTS", ns + ":op:admitted-here")).isEqualTo(0L);

            reconciler.flush(redis);
            // The settling replays found no stored answer and counted both; the one blocked here was released,
            // and the local admission of the other is not credited on top: 1 (Redis) + 1 (local) = 2.
            assertThat(server.call("GET", ns + HOUR_BUCKET)).isEqualTo("2");
            assertThat(redis.release("blocked-here").done()).as("already released by the settlement").isFalse();
            assertThat(reconciler.hasPending()).isFalse();
            reconciler.flush(redis);
            assertThat(server.call("GET", ns + HOUR_BUCKET)).as("a second flush adds nothing").isEqualTo("2");
        }
    }

    @Test
    void whileTheStoredBlockHoldsTheSettlementFindsItAndCreditsTheLocalAdmission(RedisServer server) throws Exception {
        TestSettings settings = TestSettings.on(server).caps(1, 0);
        try (SniperRuntime runtime = SniperRuntime.create(settings.build(), GuardListener.NONE).start()) {
            RedisEngine redis = engineOn(runtime, settings);
            LocalEngine local = new LocalEngine();
            Reconciler reconciler = new Reconciler(local, "settle-test");
            long longBlock = DECIDED_AT - 3_000_000; // 50 minutes before the hour ends: the block holds through the test
            assertThat(redis.acquire(capped("first", longBlock)).allowed()).isTrue();
            assertThat(redis.acquire(capped("admitted-here", longBlock)).allowed()).isFalse();
            assertThat(local.acquire(new AcquireArgs(0, 0, false, false, "admitted-here", longBlock, WindowMode.FIXED)).allowed())
                    .isTrue();
            reconciler.recordAmbiguous("admitted-here", longBlock, true);
            reconciler.markDirty();

            reconciler.flush(redis);
            // Redis replayed its block (counted nothing there), so the local admission is credited: 1 + 1.
            assertThat(server.call("GET", settings.namespace() + HOUR_BUCKET)).isEqualTo("2");
        }
    }

    /** A Redis engine on the runtime's connection, with a timeout long enough for a loaded machine. */
    private static RedisEngine engineOn(SniperRuntime runtime, TestSettings settings) {
        return new RedisEngine(new ScriptRunner(runtime.link().orElseThrow(), java.time.Duration.ofSeconds(5), () -> {}),
                ScriptCatalog.load(), settings.namespace(), new ClockOffset());
    }

    private static AcquireArgs capped(String id) {
        return capped(id, DECIDED_AT);
    }

    private static AcquireArgs capped(String id, long now) {
        return new AcquireArgs(1, 0, false, false, id, now, WindowMode.FIXED);
    }
}
