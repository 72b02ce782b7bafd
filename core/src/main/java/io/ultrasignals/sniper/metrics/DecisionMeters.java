package io.ultrasignals.sniper.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The meters one decision updates: the seed's three counters, admitted signals, decisions by
 * outcome/reason/backend and the latency histogram. Every meter is looked up once, here, so a
 * decision costs a few array reads and atomic adds.
 *
 * <p>Counting rules: every call is one decision in {@code sniper_decisions_total} and the latency
 * histogram. The seed's counters and {@code sniper_signals_admitted_total} count signals, so a replay
 * (a signal id decided before, answered from the stored decision) is not counted there again. In
 * shadow mode the reason is what enforcement would have done, and the counters follow the reason.
 */
final class DecisionMeters {
    /** Bucket bounds: 50 µs to 1 s in 1-2.5-5 steps, so p50..p99 resolve from a loopback round trip up. */
    static final Duration[] LATENCY_BUCKETS = {
            micros(50), micros(100), micros(250), micros(500),
            millis(1), millis(2), millis(5), millis(10), millis(25), millis(50),
            millis(100), millis(250), millis(500), millis(1000)};

    /** The series exported from the start (at 0): the decisions each backend can make. */
    private static final Map<Reason, Backend[]> KNOWN = new EnumMap<>(Map.of(
            Reason.OK, new Backend[] {Backend.REDIS, Backend.LOCAL, Backend.ALLOW, Backend.OFF},
            Reason.SNIPER_MTF_REQUIRED, new Backend[] {Backend.REDIS, Backend.LOCAL},
            Reason.SNIPER_HOURLY_CAP, new Backend[] {Backend.REDIS, Backend.LOCAL, Backend.CACHE},
            Reason.SNIPER_DAILY_CAP, new Backend[] {Backend.REDIS, Backend.LOCAL, Backend.CACHE},
            Reason.SNIPER_HALTED, new Backend[] {Backend.REDIS, Backend.LOCAL},
            Reason.SNIPER_FALLBACK_DENY, new Backend[] {Backend.DENY},
            Reason.SNIPER_REDIS_DATA, new Backend[] {Backend.DENY},
            Reason.SNIPER_FALLBACK_SHARE, new Backend[] {Backend.LOCAL}));

    private final MeterRegistry registry;
    /** [reason][backend], filled for {@link #KNOWN} in the constructor and read-only after it. */
    private final Counter[][] decisions = new Counter[Reason.values().length][Backend.values().length];
    /** Any other pair, registered on first use (a decision no backend is expected to make). */
    private final Map<Integer, Counter> unexpected = new ConcurrentHashMap<>();
    /** By backend; only the backends that can admit (deny never does). */
    private final Counter[] admitted = new Counter[Backend.values().length];
    private final Counter[] blockedSignals = new Counter[Reason.values().length];
    private final Timer latency;

    DecisionMeters(MeterRegistry registry) {
        this.registry = registry;
        blockedSignals[Reason.SNIPER_HOURLY_CAP.ordinal()] = Counter.builder("sniper.hourly.cap")
                .description("Signals blocked by the hourly cap").register(registry);
        blockedSignals[Reason.SNIPER_DAILY_CAP.ordinal()] = Counter.builder("sniper.daily.cap")
                .description("Signals blocked by the daily cap").register(registry);
        blockedSignals[Reason.SNIPER_MTF_REQUIRED.ordinal()] = Counter.builder("sniper.mtf.required")
                .description("Signals blocked because multi-timeframe confirmation was required and missing")
                .register(registry);
        blockedSignals[Reason.SNIPER_FALLBACK_SHARE.ordinal()] = Counter.builder("sniper.fallback.share")
                .description("Signals the local fallback blocked because this guard's share of a cap was used up, or it had "
                        + "none, while the cap itself was not reached").register(registry);
        for (Backend backend : KNOWN.get(Reason.OK)) {
            admitted[backend.ordinal()] = Counter.builder("sniper.signals.admitted")
                    .description("Signals the caps admitted (counted against them), by what decided")
                    .tag("backend", backend.label()).register(registry);
        }
        KNOWN.forEach((reason, backends) -> {
            for (Backend backend : backends) {
                decisions[reason.ordinal()][backend.ordinal()] = register(reason, backend);
            }
        });
        latency = Timer.builder("sniper.decision.latency")
                .description("Time from acquire to its decision, whatever decided it")
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry);
    }

    /** Called on the decision path. */
    void record(Decision decision, long nanos) {
        latency.record(nanos, TimeUnit.NANOSECONDS);
        Reason reason = decision.reason();
        Backend backend = decision.backend();
        decisionCounter(reason, backend).increment();
        if (decision.replayed()) {
            return;
        }
        if (reason == Reason.OK) {
            Counter counter = admitted[backend.ordinal()];
            if (counter != null) {
                counter.increment();
            }
        } else {
            Counter blocked = blockedSignals[reason.ordinal()];
            if (blocked != null) {
                blocked.increment();
            }
        }
    }

    /**
     * {@code allowed}: the caps admitted it; {@code blocked}: a cap or MTF said no; {@code error}: no cap decided
     * (the fallback did: deny, wrong data in Redis, or this guard's share used up during an outage).
     */
    static String outcome(Reason reason) {
        return switch (reason) {
            case OK -> "allowed";
            case SNIPER_MTF_REQUIRED, SNIPER_HOURLY_CAP, SNIPER_DAILY_CAP, SNIPER_HALTED -> "blocked";
            case SNIPER_FALLBACK_DENY, SNIPER_REDIS_DATA, SNIPER_FALLBACK_SHARE -> "error";
        };
    }

    private Counter decisionCounter(Reason reason, Backend backend) {
        Counter counter = decisions[reason.ordinal()][backend.ordinal()];
        if (counter != null) {
            return counter;
        }
        return unexpected.computeIfAbsent(reason.ordinal() * Backend.values().length + backend.ordinal(),
                key -> register(reason, backend));
    }

    /** Label values come from two enums only: never from a signal id or an exception's text. */
    private Counter register(Reason reason, Backend backend) {
        return Counter.builder("sniper.decisions")
                .description("Decisions by outcome (allowed, blocked, error), reason and what decided")
                .tag("outcome", outcome(reason))
                .tag("reason", reason.name())
                .tag("backend", backend.label())
                .register(registry);
    }

    private static Duration micros(long n) {
        return Duration.ofNanos(n * 1000);
    }

    private static Duration millis(long n) {
        return Duration.ofMillis(n);
    }
}
