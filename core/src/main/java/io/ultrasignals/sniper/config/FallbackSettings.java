package io.ultrasignals.sniper.config;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * {@code runtime.sniper_mode.fallback}: when decisions leave Redis, and how guards share a cap meanwhile.
 * The breaker numbers map one to one onto a Resilience4j count-based circuit breaker.
 *
 * @param policy                   what decides while Redis is unreachable
 * @param failureRateThreshold     percent of failed calls (errors and timeouts) in the window that opens the breaker, above 0, at most 100
 * @param minimumCalls             calls the window must hold before the rate counts; at most slidingWindowCalls
 * @param slidingWindowCalls       how many of the latest calls the failure rate is taken over
 * @param openWait                 how long the breaker stays open before half-open probes
 * @param permittedCallsInHalfOpen probe calls that decide between closing and reopening
 * @param heartbeatInterval        how often a guard refreshes its heartbeat in the namespace
 * @param heartbeatTtl             after how long without a refresh a guard no longer counts as live; above heartbeatInterval
 * @param fleetSize                the runners sharing the namespace, stated for starting without Redis: a guard that has
 *                                 not reached Redis since it started may admit {@code floor(cap / fleetSize)} per window
 *                                 locally, and guards on Redis keep that much room for each runner not yet seen; 0 (the
 *                                 default): not stated, a guard without a share admits nothing locally
 */
public record FallbackSettings(FallbackPolicy policy, float failureRateThreshold, int minimumCalls, int slidingWindowCalls,
                               Duration openWait, int permittedCallsInHalfOpen, Duration heartbeatInterval,
                               Duration heartbeatTtl, int fleetSize) {
    static final SettingKey SECTION = SniperModeSettings.FALLBACK;
    static final Checks.Range CALLS = new Checks.Range(1, 100_000);
    /** Times in milliseconds: at least 1 ms, at most a day. */
    static final Checks.Range MILLIS = new Checks.Range(1, 86_400_000);
    static final SettingKey POLICY = SECTION.key("policy");
    static final SettingKey FAILURE_RATE_THRESHOLD = SECTION.key("failure_rate_threshold");
    static final String FAILURE_RATE_EXPECTED = "a percentage above 0 and at most 100";
    static final SettingKey MINIMUM_CALLS = SECTION.key("minimum_calls", CALLS);
    static final SettingKey SLIDING_WINDOW_CALLS = SECTION.key("sliding_window_calls", CALLS);
    static final SettingKey OPEN_WAIT = SECTION.key("open_wait_ms", MILLIS);
    static final SettingKey PERMITTED_CALLS_IN_HALF_OPEN = SECTION.key("permitted_calls_in_half_open", CALLS);
    static final SettingKey HEARTBEAT_INTERVAL = SECTION.key("heartbeat_interval_ms", MILLIS);
    static final SettingKey HEARTBEAT_TTL = SECTION.key("heartbeat_ttl_ms", MILLIS);
    static final SettingKey FLEET_SIZE = SECTION.key("fleet_size", new Checks.Range(0, 100_000));

    public FallbackSettings {
        POLICY.required(policy);
        if (!Float.isFinite(failureRateThreshold) || !failureRateFits(new BigDecimal(failureRateThreshold))) {
            throw SettingsException.invalid(FAILURE_RATE_THRESHOLD.path(),
                    "expected " + FAILURE_RATE_EXPECTED + ", got " + failureRateThreshold);
        }
        MINIMUM_CALLS.check(minimumCalls);
        SLIDING_WINDOW_CALLS.check(slidingWindowCalls);
        if (minimumCalls > slidingWindowCalls) {
            throw SettingsException.conflict(MINIMUM_CALLS.path(), SLIDING_WINDOW_CALLS.path(), "must be at most "
                    + SLIDING_WINDOW_CALLS.name() + " (" + slidingWindowCalls + "), got " + minimumCalls);
        }
        OPEN_WAIT.checkMillis(openWait);
        PERMITTED_CALLS_IN_HALF_OPEN.check(permittedCallsInHalfOpen);
        HEARTBEAT_INTERVAL.checkMillis(heartbeatInterval);
        HEARTBEAT_TTL.checkMillis(heartbeatTtl);
        FLEET_SIZE.check(fleetSize);
        if (heartbeatTtl.compareTo(heartbeatInterval) <= 0) {
            throw SettingsException.conflict(HEARTBEAT_TTL.path(), HEARTBEAT_INTERVAL.path(),
                    "must be above " + HEARTBEAT_INTERVAL.name() + " (" + heartbeatInterval.toMillis()
                            + "), or every guard expires between two heartbeats; got " + heartbeatTtl.toMillis());
        }
    }

    /** The one range rule of {@code failure_rate_threshold}, for YAML's decimals and for a float built in code alike. */
    static boolean failureRateFits(BigDecimal percent) {
        return percent.signum() > 0 && percent.compareTo(BigDecimal.valueOf(100)) <= 0;
    }

    public static FallbackSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from these settings: change a few, keep the rest (Lettuce's {@code mutate()}). */
    public Builder toBuilder() {
        return builder().policy(policy).failureRateThreshold(failureRateThreshold).minimumCalls(minimumCalls)
                .slidingWindowCalls(slidingWindowCalls).openWait(openWait).permittedCallsInHalfOpen(permittedCallsInHalfOpen)
                .heartbeatInterval(heartbeatInterval).heartbeatTtl(heartbeatTtl).fleetSize(fleetSize);
    }

    public static final class Builder {
        private FallbackPolicy policy = SettingsDefaults.FALLBACK_POLICY;
        private float failureRateThreshold = SettingsDefaults.FALLBACK_FAILURE_RATE_THRESHOLD;
        private int minimumCalls = SettingsDefaults.FALLBACK_MINIMUM_CALLS;
        private int slidingWindowCalls = SettingsDefaults.FALLBACK_SLIDING_WINDOW_CALLS;
        private Duration openWait = SettingsDefaults.FALLBACK_OPEN_WAIT;
        private int permittedCallsInHalfOpen = SettingsDefaults.FALLBACK_PERMITTED_CALLS_IN_HALF_OPEN;
        private Duration heartbeatInterval = SettingsDefaults.FALLBACK_HEARTBEAT_INTERVAL;
        private Duration heartbeatTtl = SettingsDefaults.FALLBACK_HEARTBEAT_TTL;
        private int fleetSize = SettingsDefaults.FALLBACK_FLEET_SIZE;

        private Builder() {
        }

        public Builder policy(FallbackPolicy policy) {
            this.policy = policy;
            return this;
        }

        public Builder failureRateThreshold(float percent) {
            this.failureRateThreshold = percent;
            return this;
        }

        public Builder minimumCalls(int minimumCalls) {
            this.minimumCalls = minimumCalls;
            return this;
        }

        public Builder slidingWindowCalls(int slidingWindowCalls) {
            this.slidingWindowCalls = slidingWindowCalls;
            return this;
        }

        public Builder openWait(Duration openWait) {
            this.openWait = openWait;
            return this;
        }

        public Builder permittedCallsInHalfOpen(int permittedCallsInHalfOpen) {
            this.permittedCallsInHalfOpen = permittedCallsInHalfOpen;
            return this;
        }

        public Builder heartbeatInterval(Duration heartbeatInterval) {
            this.heartbeatInterval = heartbeatInterval;
            return this;
        }

        public Builder heartbeatTtl(Duration heartbeatTtl) {
            this.heartbeatTtl = heartbeatTtl;
            return this;
        }

        public Builder fleetSize(int fleetSize) {
            this.fleetSize = fleetSize;
            return this;
        }

        public FallbackSettings build() {
            return new FallbackSettings(policy, failureRateThreshold, minimumCalls, slidingWindowCalls, openWait,
                    permittedCallsInHalfOpen, heartbeatInterval, heartbeatTtl, fleetSize);
        }
    }
}
