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
import io.ultrasignals.sniper.script.ScopeCap;
import io.ultrasignals.sniper.script.StatusReply;
import io.ultrasignals.sniper.script.WindowMode;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The fallback and scopes: a guard holds no share of a scope's cap, so a signal naming a capped scope is never
 * admitted locally; one naming only uncapped scopes is, within the fleet share, and its credit reaches every layer.
 */
@Tag("unit")
class ScopedFallbackTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final FallbackCause TIMEOUT = new FallbackCause("timeout", false);

    private final AtomicLong localClock = new AtomicLong(T0);
    private final ClockOffset clock = new ClockOffset(localClock::get);
    private final LocalEngine local = new LocalEngine(clock::redisNow);
    private final FleetView fleet = new FleetView();
    private final FallbackBudget budget = new FallbackBudget(90, 0, fleet, true);
    private final LocalAdmissionGate gate = new LocalAdmissionGate(700);
    private final Reconciler reconciler = new Reconciler(local, "guard-1");
    private final Fallback fallback = new Fallback(FallbackPolicy.LOCAL, false, local, budget, gate, reconciler, clock);

    private static AcquireArgs signal(ScopeCap... scopes) {
        return new AcquireArgs(90, 0, false, false, null, null, WindowMode.FIXED, List.of(scopes));
    }

    private void cutOffWithAShareOf(long share) {
        fleet.observeBeat(new HeartbeatReply(3, 30, 30, T0, 1, share, 30, 0, 0, 0, 0));
        gate.sendingRedisBeat(T0);
        gate.redisFailed();
        localClock.set(T0 + 700);
    }

    @Test
    void aCappedScopeIsNeverAdmittedLocallyAndNothingIsCounted() {
        cutOffWithAShareOf(5);
        Decision d = fallback.decide(signal(new ScopeCap("strategy=momentum", 30, 0), new ScopeCap("symbol=X", 0, 0)), TIMEOUT);
        assertThat(d.allowed()).isFalse();
        assertThat(d.reason()).as("not a cap's reason: no cap was reached").isEqualTo(Reason.SNIPER_FALLBACK_DENY);
        assertThat(d.backend()).isEqualTo(Backend.LOCAL);
        assertThat(d.layer()).isEqualTo("strategy=momentum");
        assertThat(d.detail()).isEqualTo("scope strategy=momentum is capped: decided on Redis only (timeout)");
        assertThat(reconciler.hasPending()).isFalse();
        assertThat(local.drainAdmissions()).isEmpty();
    }

    @Test
    void uncappedScopesAreAdmittedWithinTheFleetShareAndCreditedToEveryLayer() {
        cutOffWithAShareOf(2);
        AcquireArgs uncapped = signal(new ScopeCap("account=A1", 0, 0));
        assertThat(fallback.decide(uncapped, TIMEOUT).allowed()).isTrue();
        assertThat(fallback.decide(signal(), TIMEOUT).allowed()).isTrue();
        Decision third = fallback.decide(uncapped, TIMEOUT);
        assertThat(third.reason()).as("the fleet share is 2, the cap 90").isEqualTo(Reason.SNIPER_FALLBACK_SHARE);
        assertThat(third.layer()).as("no cap blocked it").isNull();

        LocalEngine redisBooks = new LocalEngine(clock::redisNow);
        assertThat(reconciler.flush(redisBooks)).isEqualTo(2);
        StatusReply books = redisBooks.status(T0, List.of("account=A1"));
        assertThat(books.hourCount()).isEqualTo(2);
        assertThat(books.scopes().get(0).hourCount()).as("only the scoped admission counts in its scope").isEqualTo(1);
    }

    @Test
    void anAmbiguousScopedSignalIsSettledInEveryLayerOnce() {
        cutOffWithAShareOf(2);
        AcquireArgs scoped = new AcquireArgs(90, 0, false, false, "s-1", null, WindowMode.FIXED,
                List.of(new ScopeCap("account=A1", 0, 0)));
        Decision local = fallback.decide(scoped, TIMEOUT);
        assertThat(local.allowed()).isTrue();
        // Its Redis call timed out: it may or may not have run there (here it did not).
        reconciler.recordAmbiguous("s-1", local.serverTimeMillis(), true, scoped.scopes());
        LocalEngine redisBooks = new LocalEngine(clock::redisNow);
        reconciler.flush(redisBooks);
        StatusReply books = redisBooks.status(T0, List.of("account=A1"));
        assertThat(books.hourCount()).as("counted once: by the settling acquire, not again by the credit").isEqualTo(1);
        assertThat(books.scopes().get(0).hourCount()).as("in its scope too").isEqualTo(1);
    }
}
