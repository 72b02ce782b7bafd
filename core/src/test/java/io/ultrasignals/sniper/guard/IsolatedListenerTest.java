package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.redis.RedisFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every listener method, called through the isolation with a listener that throws: nothing escapes, logs are rate-limited. */
@Tag("unit")
class IsolatedListenerTest {
    private static final Decision DECISION = Decision.admittedBy(Backend.LOCAL, 1, 1, 0, false);

    private final Logger logger = Logger.getLogger(IsolatedListener.class.getName());
    private final List<LogRecord> logged = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    private boolean parentHandlers;

    @BeforeEach
    void captureLog() {
        parentHandlers = logger.getUseParentHandlers();
        logger.setUseParentHandlers(false);
        logger.addHandler(capture);
    }

    @AfterEach
    void restoreLog() {
        logger.removeHandler(capture);
        logger.setUseParentHandlers(parentHandlers);
    }

    /** Each listener method by name, with a call of it. */
    static Stream<Arguments> methods() {
        return Stream.of(
                Arguments.of("onDecision", (Consumer<GuardListener>) l -> l.onDecision(DECISION, 1_000)),
                Arguments.of("onRedisFailure", (Consumer<GuardListener>) l -> l.onRedisFailure(RedisFailure.TIMEOUT)),
                Arguments.of("onScriptReload", (Consumer<GuardListener>) GuardListener::onScriptReload),
                Arguments.of("onReconciled", (Consumer<GuardListener>) l -> l.onReconciled(3)),
                Arguments.of("onRedisLoss", (Consumer<GuardListener>) l -> l.onRedisLoss(4, 6)),
                Arguments.of("onRedisRollback", (Consumer<GuardListener>) l -> l.onRedisRollback(2, 5)),
                Arguments.of("onBackendChange",
                        (Consumer<GuardListener>) l -> l.onBackendChange(Backend.REDIS, Backend.LOCAL, "timeout")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("methods")
    void aThrowingMethodIsCalledAndItsExceptionStaysInside(String method, Consumer<GuardListener> call) {
        ThrowingListener throwing = new ThrowingListener(() -> new IllegalStateException("listener bug"));
        IsolatedListener isolated = new IsolatedListener(throwing, () -> 0L);

        assertThatCode(() -> call.accept(isolated)).doesNotThrowAnyException();

        assertThat(throwing.calls()).containsExactly(Map.entry(method, 1L));
        assertThat(isolated.failures(method, IllegalStateException.class)).isEqualTo(1);
        assertThat(logged).singleElement().satisfies(r -> {
            assertThat(r.getMessage()).contains(ThrowingListener.class.getName() + "." + method).contains("ignored");
            assertThat(r.getThrown()).isInstanceOf(IllegalStateException.class).hasMessage("listener bug");
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("methods")
    void anErrorStaysInsideToo(String method, Consumer<GuardListener> call) {
        IsolatedListener isolated = new IsolatedListener(new ThrowingListener(() -> new StackOverflowError()), () -> 0L);

        assertThatCode(() -> call.accept(isolated)).doesNotThrowAnyException();

        assertThat(isolated.failures(method, StackOverflowError.class)).isEqualTo(1);
    }

    @Test
    void argumentsReachTheListenerUnchanged() {
        List<Object> seen = new ArrayList<>();
        GuardListener recording = new GuardListener() {
            @Override
            public void onDecision(Decision decision, long nanos) {
                seen.add(decision);
                seen.add(nanos);
            }

            @Override
            public void onRedisRollback(long hourRestored, long dayRestored) {
                seen.add(hourRestored);
                seen.add(dayRestored);
            }

            @Override
            public void onBackendChange(Backend from, Backend to, String cause) {
                seen.addAll(List.of(from, to, cause));
            }
        };
        GuardListener isolated = IsolatedListener.isolate(recording);

        isolated.onDecision(DECISION, 42);
        isolated.onRedisRollback(2, 5);
        isolated.onBackendChange(Backend.LOCAL, Backend.REDIS, "recovered");

        assertThat(seen).containsExactly(DECISION, 42L, 2L, 5L, Backend.LOCAL, Backend.REDIS, "recovered");
        assertThat(logged).isEmpty();
    }

    @Test
    void repeatedFailuresOfOneKindAreLoggedOnceAMinuteWithTheirCount() {
        AtomicLong nanos = new AtomicLong();
        IsolatedListener isolated = new IsolatedListener(new ThrowingListener(() -> new IllegalStateException("bug")), nanos::get);

        for (int i = 0; i < 100; i++) {
            isolated.onDecision(DECISION, 1);
        }
        assertThat(logged).as("lines within the first minute").hasSize(1);

        nanos.addAndGet(IsolatedListener.REPEAT_INTERVAL_NANOS);
        isolated.onDecision(DECISION, 1);
        isolated.onDecision(DECISION, 1);

        assertThat(logged).hasSize(2);
        assertThat(logged.get(1).getMessage()).contains("onDecision").contains("100 more times");
        assertThat(isolated.failures("onDecision", IllegalStateException.class)).isEqualTo(102);
    }

    @Test
    void eachMethodAndEachExceptionClassIsLoggedOnItsOwn() {
        List<RuntimeException> next = new ArrayList<>(List.of(new IllegalStateException(), new IllegalArgumentException(),
                new IllegalStateException(), new IllegalStateException()));
        IsolatedListener isolated = new IsolatedListener(new ThrowingListener(() -> next.remove(0)), () -> 0L);

        isolated.onDecision(DECISION, 1);   // IllegalStateException: logged
        isolated.onDecision(DECISION, 1);   // IllegalArgumentException: logged
        isolated.onDecision(DECISION, 1);   // IllegalStateException again: counted only
        isolated.onReconciled(1);           // another method: logged

        assertThat(logged).hasSize(3);
        assertThat(isolated.failures("onDecision", IllegalStateException.class)).isEqualTo(2);
    }

    @Test
    void anExceptionWhoseMessageThrowsStillStaysInside() {
        RuntimeException hostile = new RuntimeException() {
            @Override
            public String getMessage() {
                throw new IllegalStateException("getMessage itself is broken");
            }

            @Override
            public String toString() {
                throw new IllegalStateException("toString itself is broken");
            }
        };
        IsolatedListener isolated = new IsolatedListener(new ThrowingListener(() -> hostile), () -> 0L);

        assertThatCode(() -> isolated.onScriptReload()).doesNotThrowAnyException();
    }

    @Test
    void noneAndAnIsolatedListenerAreNotWrappedAgain() {
        GuardListener once = IsolatedListener.isolate(new ThrowingListener(IllegalStateException::new));

        assertThat(IsolatedListener.isolate(GuardListener.NONE)).isSameAs(GuardListener.NONE);
        assertThat(IsolatedListener.isolate(once)).isSameAs(once);
    }

    /** Counts the calls of each method, then throws what {@code failure} makes; safe for many threads. */
    static final class ThrowingListener implements GuardListener {
        private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();
        private final Supplier<? extends Throwable> failure;

        ThrowingListener(Supplier<? extends Throwable> failure) {
            this.failure = failure;
        }

        @Override
        public void onDecision(Decision decision, long nanos) {
            fail("onDecision");
        }

        @Override
        public void onRedisFailure(RedisFailure kind) {
            fail("onRedisFailure");
        }

        @Override
        public void onScriptReload() {
            fail("onScriptReload");
        }

        @Override
        public void onReconciled(long admissions) {
            fail("onReconciled");
        }

        @Override
        public void onRedisLoss(long hourLost, long dayLost) {
            fail("onRedisLoss");
        }

        @Override
        public void onRedisRollback(long hourRestored, long dayRestored) {
            fail("onRedisRollback");
        }

        @Override
        public void onBackendChange(Backend from, Backend to, String cause) {
            fail("onBackendChange");
        }

        /** Calls so far by method name. */
        Map<String, Long> calls() {
            Map<String, Long> snapshot = new TreeMap<>();
            calls.forEach((method, count) -> snapshot.put(method, count.get()));
            return snapshot;
        }

        long calls(String method) {
            AtomicLong count = calls.get(method);
            return count == null ? 0 : count.get();
        }

        private void fail(String method) {
            calls.computeIfAbsent(method, m -> new AtomicLong()).incrementAndGet();
            sneakyThrow(failure.get());
        }

        @SuppressWarnings("unchecked")
        private static <T extends Throwable> void sneakyThrow(Throwable t) throws T {
            throw (T) t;
        }
    }
}
