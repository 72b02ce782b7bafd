package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.redis.CorruptDataException;
import io.ultrasignals.sniper.redis.RedisFailure;
import io.ultrasignals.sniper.redis.RedisUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Who decides now: the transitions of {@link BackendState}, with a real breaker and no Redis. */
@Tag("unit")
class BackendStateTest {
    private final CircuitBreaker breaker = CircuitBreaker.of("test", CircuitBreakerConfig.custom()
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .slidingWindowSize(2)
            .minimumNumberOfCalls(2)
            .failureRateThreshold(100)
            .waitDurationInOpenState(Duration.ofHours(1))
            .permittedNumberOfCallsInHalfOpenState(1)
            .build());
    private final List<String> changes = new ArrayList<>();
    private final List<RedisFailure> failures = new ArrayList<>();
    private final AtomicInteger outages = new AtomicInteger();
    private final AtomicInteger backOnRedis = new AtomicInteger();
    private final BackendState state = new BackendState(breaker, new GuardListener() {
        @Override
        public void onBackendChange(Backend from, Backend to, String cause) {
            changes.add(from.label() + " -> " + to.label() + " (" + cause + ")");
        }

        @Override
        public void onRedisFailure(RedisFailure failure) {
            failures.add(failure);
        }
    }, outages::incrementAndGet, backOnRedis::incrementAndGet);

    private static final RedisUnavailableException TIMEOUT =
            new RedisUnavailableException(RedisFailure.TIMEOUT, new TimeoutException("no reply"));

    @Test
    void startsOnRedisWithTheBooksComplete() {
        assertThat(state.current()).isEqualTo(Backend.REDIS);
        assertThat(state.whyNotRedis()).isNull();
        assertThat(state.booksComplete()).isTrue();
        assertThat(state.breakerState()).isEqualTo("CLOSED");
    }

    @Test
    void anOutageOpensTheBooksAndTheFallbackDecidesUntilTheyAreComplete() {
        FallbackCause cause = state.redisFailed(TIMEOUT, 1_000);
        assertThat(cause).isEqualTo(new FallbackCause("timeout", false));
        assertThat(failures).containsExactly(RedisFailure.TIMEOUT);
        assertThat(outages).hasValue(1);
        assertThat(state.whyNotRedis()).isEqualTo(BackendState.RECONCILING);

        state.settle(fallbackDecision("timeout"));
        state.settle(fallbackDecision("timeout"));
        assertThat(changes).as("said once per change").containsExactly("redis -> local (timeout)");

        state.returnBegins();
        assertThat(state.booksCompleted()).isTrue();
        state.returnEnded();
        assertThat(state.whyNotRedis()).as("one failure of two does not open the breaker").isNull();
        state.settle(redisDecision());
        assertThat(changes).containsExactly("redis -> local (timeout)", "local -> redis (null)");
        assertThat(backOnRedis).hasValue(1);
        assertThat(state.current()).isEqualTo(Backend.REDIS);
    }

    @Test
    void aReturnToRedisHoldsDecisionsUntilTheBooksAreCompleteAndRedisKnows() {
        state.redisFailed(TIMEOUT, 1_000);
        assertThat(state.returnUnderWay()).as("no return before the heartbeat begins one").isNull();

        state.returnBegins();
        CompletableFuture<Void> waiting = state.returnUnderWay();
        assertThat(waiting).isNotNull().isNotDone();
        assertThat(state.whyNotRedis()).as("not yet on Redis").isEqualTo(BackendState.RECONCILING);
        assertThat(state.enterFallback()).as("no fallback decision enters a return").isSameAs(waiting);
        state.awaitFallbackDecisions();

        assertThat(state.booksCompleted()).isTrue();
        state.returnEnded();
        assertThat(waiting).isDone();
        assertThat(state.returnUnderWay()).isNull();
        assertThat(state.whyNotRedis()).as("the waiting decisions go to Redis").isNull();
    }

    @Test
    void aReturnThatFailsReleasesTheWaitingDecisionsToTheFallback() {
        state.redisFailed(TIMEOUT, 1_000);
        state.returnBegins();
        CompletableFuture<Void> waiting = state.returnUnderWay();

        state.redisFailed(TIMEOUT, 1_000);
        assertThat(waiting).as("only the heartbeat ends its return").isNotDone();
        state.returnEnded();
        assertThat(waiting).isDone();
        assertThat(state.whyNotRedis()).isNotNull();
        state.returnEnded();
        assertThat(state.returnUnderWay()).as("ending twice is harmless").isNull();
    }

    @Test
    void aFailureDuringTheReturnKeepsItsOutagesBooksOpen() {
        state.redisFailed(TIMEOUT, 1_000);
        state.returnBegins();
        state.redisFailed(TIMEOUT, 1_000); // a call sent before the return fails now: it may have fallen back
        assertThat(state.booksCompleted()).isFalse();
        state.returnEnded();
        assertThat(state.whyNotRedis()).isNotNull();

        state.returnBegins();
        assertThat(state.booksCompleted()).as("the next return, with no failure during it").isTrue();
        state.returnEnded();
    }

    @Test
    void aReturnWaitsForTheFallbackDecisionsAlreadyUnderWay() throws Exception {
        state.redisFailed(TIMEOUT, 1_000);
        assertThat(state.enterFallback()).as("no return under way: the fallback may decide").isNull();
        state.returnBegins();
        CompletableFuture<Void> drained = CompletableFuture.runAsync(state::awaitFallbackDecisions);
        Thread.sleep(50);
        assertThat(drained).as("one decision still under way").isNotDone();
        state.fallbackDecided();
        drained.get(5, java.util.concurrent.TimeUnit.SECONDS);
        state.returnEnded();
    }

    @Test
    void failuresOpenTheBreakerAndThenNoCallGoesToRedis() {
        state.redisFailed(TIMEOUT, 1_000);
        state.redisFailed(TIMEOUT, 1_000);
        state.returnBegins();
        state.booksCompleted();
        state.returnEnded();
        assertThat(state.breakerState()).isEqualTo("OPEN");
        assertThat(state.whyNotRedis()).isEqualTo(BackendState.CIRCUIT_OPEN);
        assertThat(state.breakerPermits()).isFalse();
    }

    @Test
    void whileHalfOpenRedisDecisionsDoNotSettleTheBackend() {
        state.redisFailed(TIMEOUT, 1_000);
        state.settle(fallbackDecision("timeout"));
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();
        state.returnBegins();
        state.booksCompleted();
        state.returnEnded();
        assertThat(state.whyNotRedis()).as("the probe's permission").isNull();
        state.settle(redisDecision());
        assertThat(state.current()).as("a probe, not yet back").isEqualTo(Backend.LOCAL);
        assertThat(backOnRedis).hasValue(0);
        state.redisAnswered(1_000);
        assertThat(state.breakerState()).isEqualTo("CLOSED");
        state.settle(redisDecision());
        assertThat(state.current()).isEqualTo(Backend.REDIS);
    }

    @Test
    void aScriptErrorReplyIsAnAnswerNotAnOutage() {
        FallbackCause cause = state.redisFailed(new CorruptDataException("ERR sniper: key ns:h:1 holds a list"), 1_000);
        assertThat(cause).isEqualTo(new FallbackCause("ERR sniper: key ns:h:1 holds a list", true));
        assertThat(failures).containsExactly(RedisFailure.DATA);
        assertThat(outages).hasValue(0);
        assertThat(state.booksComplete()).isTrue();
        assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(1);
    }

    @Test
    void decisionsWithSniperModeOffReportNoBackend() {
        state.settle(Decision.off(1));
        assertThat(state.current()).isEqualTo(Backend.REDIS);
        assertThat(changes).isEmpty();
    }

    @Test
    void withoutRedisTheLocalEngineDecides() {
        BackendState alone = new BackendState(null, GuardListener.NONE, () -> {}, () -> {});
        assertThat(alone.current()).isEqualTo(Backend.LOCAL);
        assertThat(alone.breakerState()).isEqualTo("NONE");
    }

    private static Decision fallbackDecision(String cause) {
        return Decision.admittedBy(Backend.LOCAL, 1, 1, 1, false).withDetail(cause);
    }

    private static Decision redisDecision() {
        return Decision.blockedByCap(Reason.SNIPER_HOURLY_CAP, Backend.REDIS, 5, 5, 10, 1, false);
    }
}
