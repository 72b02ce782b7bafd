package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.config.FallbackPolicy;
import io.ultrasignals.sniper.local.LocalEngine;
import io.ultrasignals.sniper.redis.ClockOffset;
import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.HeartbeatReply;
import io.ultrasignals.sniper.script.WindowMode;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The fallback's decisions by policy, with the gate and the share, on a clock the test moves: no Redis. */
@Tag("unit")
class FallbackTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final AcquireArgs SIGNAL = new AcquireArgs(90, 0, false, false, null, null, WindowMode.FIXED);
    private static final FallbackCause TIMEOUT = new FallbackCause("timeout", false);

    private final AtomicLong localClock = new AtomicLong(T0);
    private final ClockOffset clock = new ClockOffset(localClock::get);
    private final LocalEngine local = new LocalEngine(clock::redisNow);
    private final FleetView fleet = new FleetView();
    private final FallbackBudget budget = new FallbackBudget(90, 0, fleet, true);
    private final LocalAdmissionGate gate = new LocalAdmissionGate(700);
    private final Reconciler reconciler = new Reconciler(local, "guard-1");

    private Fallback fallback(FallbackPolicy policy, boolean shadow) {
        return new Fallback(policy, shadow, local, budget, gate, reconciler, clock);
    }

    @Test
    void allowAdmitsWithoutCounting() {
        Decision d = fallback(FallbackPolicy.ALLOW, false).decide(SIGNAL, TIMEOUT);
        assertThat(d).isEqualTo(new Decision(true, Reason.OK, 0, 0, 0, T0, Backend.ALLOW, false, false, "timeout"));
    }

    @Test
    void denyBlocksAndSaysWhenRedisHeldWrongData() {
        assertThat(fallback(FallbackPolicy.DENY, false).decide(SIGNAL, TIMEOUT).reason()).isEqualTo(Reason.SNIPER_FALLBACK_DENY);
        Decision data = fallback(FallbackPolicy.DENY, false).decide(SIGNAL, new FallbackCause("ERR sniper: key x holds y", true));
        assertThat(data.reason()).isEqualTo(Reason.SNIPER_REDIS_DATA);
        assertThat(data.allowed()).isFalse();
        assertThat(data.backend()).isEqualTo(Backend.DENY);
        assertThat(fallback(FallbackPolicy.DENY, true).decide(SIGNAL, TIMEOUT).allowed()).as("shadow").isTrue();
    }

    @Test
    void localWaitsForTheGateThenAdmitsUpToTheShare() {
        fleet.observeBeat(new HeartbeatReply(3, 30, 30, T0, 1, 2, 30, 0, 0, 0, 0)); // share 2 recorded
        gate.sendingRedisBeat(T0);
        gate.redisFailed();
        Fallback local = fallback(FallbackPolicy.LOCAL, false);
        Decision waiting = local.decide(SIGNAL, TIMEOUT);
        assertThat(waiting.allowed()).isFalse();
        assertThat(waiting.backend()).isEqualTo(Backend.LOCAL);
        assertThat(waiting.detail()).isEqualTo("local admissions wait until Redis holds this guard's share back (timeout)");
        assertThat(reconciler.hasPending()).isFalse();

        localClock.set(T0 + 700); // the last redis heartbeat has lapsed
        assertThat(local.decide(SIGNAL, TIMEOUT).allowed()).isTrue();
        assertThat(reconciler.hasPending()).as("an admission to credit").isTrue();
        assertThat(local.decide(SIGNAL, TIMEOUT).allowed()).isTrue();
        Decision third = local.decide(SIGNAL, TIMEOUT);
        assertThat(third.reason()).as("the share is 2; the cap 90 is far").isEqualTo(Reason.SNIPER_FALLBACK_SHARE);
        assertThat(third.allowed()).isFalse();
        assertThat(third.backend()).isEqualTo(Backend.LOCAL);
        assertThat(third.hourCount()).as("real: 30 seen from Redis + 2 admitted locally").isEqualTo(32);
        assertThat(third.detail()).isEqualTo("this guard's share of the hourly cap (2) is used up while Redis is away (timeout)");
    }

    @Test
    void aCapReachedLocallyIsTheCap() {
        fleet.observeBeat(new HeartbeatReply(1, 88, 88, T0, 1, 2, 30, 0, 0, 0, 0)); // 88 seen, share 2 = what is left
        gate.sendingRedisBeat(T0);
        gate.redisFailed();
        localClock.set(T0 + 700);
        Fallback local = fallback(FallbackPolicy.LOCAL, false);
        assertThat(local.decide(SIGNAL, TIMEOUT).hourCount()).isEqualTo(89);
        assertThat(local.decide(SIGNAL, TIMEOUT).hourCount()).isEqualTo(90);
        Decision capped = local.decide(SIGNAL, TIMEOUT);
        assertThat(capped.reason()).as("90 of 90: the cap itself").isEqualTo(Reason.SNIPER_HOURLY_CAP);
        assertThat(capped.hourCount()).isEqualTo(90);
        assertThat(capped.detail()).isEqualTo("timeout");
    }

    @Test
    void aGuardThatNeverReachedRedisHasNoShareAndSaysSo() {
        gate.redisFailed();
        Decision d = fallback(FallbackPolicy.LOCAL, false).decide(SIGNAL, new FallbackCause("connection", false));
        assertThat(d.reason()).isEqualTo(Reason.SNIPER_FALLBACK_SHARE);
        assertThat(d.allowed()).isFalse();
        assertThat(d.hourCount()).as("nothing seen, nothing admitted").isZero();
        assertThat(d.retryAfterMillis()).isPositive();
        assertThat(d.detail()).isEqualTo("no share of the hourly cap: this guard has not reached Redis since it started (connection)");
        assertThat(reconciler.hasPending()).isFalse();
    }

    @Test
    void aBugOnTheLocalPathBlocksTheSignalInsteadOfThrowing() {
        Decision d = fallback(FallbackPolicy.LOCAL, false).safely(() -> {
            throw new IllegalStateException("bug");
        });
        assertThat(d).isEqualTo(new Decision(false, Reason.SNIPER_FALLBACK_DENY, 0, 0, 0, T0, Backend.DENY, false, false,
                "local engine error: IllegalStateException"));
    }
}
