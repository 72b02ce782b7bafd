package io.ultrasignals.sniper.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.guard.SniperRuntime;
import io.ultrasignals.sniper.guard.TestSettings;
import io.ultrasignals.sniper.redis.RedisFailure;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The counting rules, fed with the decisions a guard reports. */
@Tag("unit")
class SniperMetricsTest {
    private final SniperMetrics metrics = new SniperMetrics();

    @Test
    void aBlockedDecisionCountsOnceInItsSeedCounterAndAsBlocked() {
        metrics.onDecision(decision(false, Reason.SNIPER_HOURLY_CAP, Backend.REDIS, false, false), 1000);
        metrics.onDecision(decision(false, Reason.SNIPER_MTF_REQUIRED, Backend.LOCAL, false, false), 1000);
        Exposition scrape = scrape();
        assertThat(scrape.value("sniper_hourly_cap_total")).isEqualTo(1.0);
        assertThat(scrape.value("sniper_mtf_required_total")).isEqualTo(1.0);
        assertThat(scrape.value("sniper_daily_cap_total")).isZero();
        assertThat(scrape.value("sniper_decisions_total",
                Map.of("outcome", "blocked", "reason", "SNIPER_HOURLY_CAP", "backend", "redis"))).isEqualTo(1.0);
        assertThat(scrape.value("sniper_decisions_total",
                Map.of("outcome", "blocked", "reason", "SNIPER_MTF_REQUIRED", "backend", "local"))).isEqualTo(1.0);
        assertThat(scrape.samples("sniper_signals_admitted_total")).allMatch(s -> s.value() == 0);
    }

    /** Shadow mode lets everything out but reports what enforcement would have done. */
    @Test
    void inShadowModeTheReasonDecidesWhatIsCounted() {
        metrics.onDecision(decision(true, Reason.SNIPER_DAILY_CAP, Backend.REDIS, false, true), 1000);
        Exposition scrape = scrape();
        assertThat(scrape.value("sniper_daily_cap_total")).isEqualTo(1.0);
        assertThat(scrape.value("sniper_decisions_total", Map.of("reason", "SNIPER_DAILY_CAP", "backend", "redis")))
                .isEqualTo(1.0);
        assertThat(scrape.value("sniper_signals_admitted_total", Map.of("backend", "redis"))).isZero();
    }

    /** A replay is the same signal asked again: a decision, not another signal. */
    @Test
    void aReplayIsADecisionButNotAnotherSignal() {
        metrics.onDecision(decision(true, Reason.OK, Backend.REDIS, false, false), 1000);
        metrics.onDecision(decision(true, Reason.OK, Backend.REDIS, true, false), 1000);
        metrics.onDecision(decision(false, Reason.SNIPER_HOURLY_CAP, Backend.REDIS, false, false), 1000);
        metrics.onDecision(decision(false, Reason.SNIPER_HOURLY_CAP, Backend.REDIS, true, false), 1000);
        Exposition scrape = scrape();
        assertThat(scrape.value("sniper_decisions_total", Map.of("reason", "OK", "backend", "redis"))).isEqualTo(2.0);
        assertThat(scrape.value("sniper_signals_admitted_total", Map.of("backend", "redis"))).isEqualTo(1.0);
        assertThat(scrape.value("sniper_hourly_cap_total")).isEqualTo(1.0);
        assertThat(scrape.value("sniper_decision_latency_seconds_count")).isEqualTo(4.0);
    }

    @Test
    void aDecisionWithoutTheCapsIsAnError() {
        metrics.onDecision(decision(false, Reason.SNIPER_FALLBACK_DENY, Backend.DENY, false, false), 1000);
        metrics.onDecision(decision(false, Reason.SNIPER_REDIS_DATA, Backend.DENY, false, false), 1000);
        Exposition scrape = scrape();
        assertThat(scrape.value("sniper_decisions_total", Map.of("outcome", "error", "reason", "SNIPER_FALLBACK_DENY")))
                .isEqualTo(1.0);
        assertThat(scrape.value("sniper_decisions_total", Map.of("outcome", "error", "reason", "SNIPER_REDIS_DATA")))
                .isEqualTo(1.0);
    }

    /** A local block by this guard's share (the cap not reached) has its own series, never a cap counter's. */
    @Test
    void aShareBlockIsCountedAsSuchAndNotAsACapBlock() {
        metrics.onDecision(decision(false, Reason.SNIPER_FALLBACK_SHARE, Backend.LOCAL, false, false), 1000);
        metrics.onDecision(decision(false, Reason.SNIPER_FALLBACK_SHARE, Backend.LOCAL, true, false), 1000);
        Exposition scrape = scrape();
        assertThat(scrape.value("sniper_fallback_share_total")).as("a replay is not another signal").isEqualTo(1.0);
        assertThat(scrape.value("sniper_hourly_cap_total")).isZero();
        assertThat(scrape.value("sniper_daily_cap_total")).isZero();
        assertThat(scrape.value("sniper_decisions_total",
                Map.of("outcome", "error", "reason", "SNIPER_FALLBACK_SHARE", "backend", "local"))).isEqualTo(2.0);
    }

    /** Every outcome the dashboard charts exists from the start, so its first increase is seen by rate(). */
    @Test
    void theSeriesExistAtZeroBeforeTheFirstDecision() {
        Exposition scrape = scrape();
        assertThat(scrape.samples("sniper_decisions_total")).extracting(s -> s.labels().get("outcome"))
                .contains("allowed", "blocked", "error");
        assertThat(scrape.samples("sniper_redis_errors_total")).extracting(s -> s.labels().get("kind"))
                .containsExactlyInAnyOrder("timeout", "connection", "permission", "data", "oom", "readonly", "loading", "busy", "noreplicas", "other");
        assertThat(scrape.samples("sniper_signals_admitted_total")).extracting(s -> s.labels().get("backend"))
                .doesNotContain("deny");
        assertThat(scrape.samples()).allMatch(s -> s.value() == 0);
    }

    @Test
    void aPairNoBackendIsExpectedToMakeIsStillCounted() {
        metrics.onDecision(decision(false, Reason.SNIPER_FALLBACK_DENY, Backend.LOCAL, false, false), 1000);
        assertThat(scrape().value("sniper_decisions_total", Map.of("reason", "SNIPER_FALLBACK_DENY", "backend", "local")))
                .isEqualTo(1.0);
    }

    @Test
    void latencyLandsInTheBucketThatResolvesIt() {
        metrics.onDecision(decision(true, Reason.OK, Backend.REDIS, false, false), TimeUnit.MICROSECONDS.toNanos(75));
        Exposition scrape = scrape();
        assertThat(scrape.value("sniper_decision_latency_seconds_bucket", Map.of("le", "5.0E-5"))).isZero();
        assertThat(scrape.value("sniper_decision_latency_seconds_bucket", Map.of("le", "1.0E-4"))).isEqualTo(1.0);
        assertThat(scrape.value("sniper_decision_latency_seconds_sum")).isEqualTo(75e-6);
    }

    @Test
    void redisFailuresReloadsAndReconciliationsAreCounted() {
        metrics.onRedisFailure(RedisFailure.TIMEOUT);
        metrics.onRedisFailure(RedisFailure.TIMEOUT);
        metrics.onRedisFailure(RedisFailure.CONNECTION);
        metrics.onScriptReload();
        metrics.onReconciled(3);
        metrics.onReconciled(0);
        Exposition scrape = scrape();
        assertThat(scrape.value("sniper_redis_errors_total", Map.of("kind", "timeout"))).isEqualTo(2.0);
        assertThat(scrape.value("sniper_redis_errors_total", Map.of("kind", "connection"))).isEqualTo(1.0);
        assertThat(scrape.value("sniper_script_reloads_total")).isEqualTo(1.0);
        assertThat(scrape.value("sniper_reconciled_admissions_total")).isEqualTo(3.0);
    }

    @Test
    void theListenerNeverThrowsIntoTheDecisionPath() {
        assertThatCode(() -> metrics.onDecision(null, 0)).doesNotThrowAnyException();
        assertThatCode(() -> metrics.onRedisFailure(null)).doesNotThrowAnyException();
    }

    /** Decisions finish out of order; the counts shown are those of the newest, by Redis time. */
    @Test
    void windowCountsFollowTheNewestDecisionAndIgnoreThoseWithoutCounts() {
        SniperSettings settings = TestSettings.withoutRedis().caps(10, 20).build();
        try (SniperRuntime runtime = SniperRuntime.create(settings, metrics)) {
            metrics.bind(runtime.guard(), runtime.breakers(), settings.sniperMode(), false);
            metrics.onDecision(new Decision(true, Reason.OK, 3, 7, 0, 2_000, Backend.LOCAL, false, false, null), 1);
            metrics.onDecision(new Decision(true, Reason.OK, 1, 5, 0, 1_000, Backend.LOCAL, false, false, null), 1);
            metrics.onDecision(new Decision(true, Reason.OK, 0, 0, 0, 3_000, Backend.ALLOW, false, false, null), 1);
            metrics.onDecision(new Decision(true, Reason.OK, 9, 9, 0, 4_000, Backend.LOCAL, true, false, null), 1);
            Exposition scrape = scrape();
            assertThat(scrape.value("sniper_window_count", Map.of("window", "hour"))).isEqualTo(3.0);
            assertThat(scrape.value("sniper_window_count", Map.of("window", "day"))).isEqualTo(7.0);
        }
    }

    @Test
    void boundToAGuardWithoutRedisTheGaugesShowCapsAndNoFallback() {
        SniperSettings settings = TestSettings.withoutRedis().caps(4, 0).build();
        try (SniperRuntime runtime = SniperRuntime.create(settings, metrics).start()) {
            metrics.bind(runtime.guard(), runtime.breakers(), settings.sniperMode(), false);
            runtime.guard().acquire(Signal.of(true));
            Exposition scrape = scrape();
            assertThat(scrape.value("sniper_cap_limit", Map.of("window", "hour"))).isEqualTo(4.0);
            assertThat(scrape.value("sniper_cap_limit", Map.of("window", "day"))).isZero();
            assertThat(scrape.value("sniper_fallback_active")).as("the local engine is no fallback without Redis").isZero();
            assertThat(scrape.value("sniper_fallback_budget", Map.of("window", "hour"))).isEqualTo(4.0);
            assertThat(scrape.samples("sniper_fallback_budget")).as("no daily cap, no daily budget").hasSize(1);
            assertThat(scrape.value("sniper_window_count", Map.of("window", "hour"))).isEqualTo(1.0);
            assertThat(scrape.samples()).noneMatch(s -> s.name().startsWith("resilience4j_"));
            assertThatThrownBy(() -> metrics.bind(runtime.guard(), runtime.breakers(), settings.sniperMode(), false))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("one SniperMetrics per guard");
        }
    }

    private Exposition scrape() {
        return Exposition.parse(metrics.registry().scrape());
    }

    private static Decision decision(boolean allowed, Reason reason, Backend backend, boolean replayed, boolean shadow) {
        return new Decision(allowed, reason, 1, 1, 0, System.currentTimeMillis(), backend, replayed, shadow, null);
    }
}
