package io.ultrasignals.sniper.config;

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
 */
public record FallbackSettings(FallbackPolicy policy, float failureRateThreshold, int minimumCalls, int slidingWindowCalls,
                               Duration openWait, int permittedCallsInHalfOpen, Duration heartbeatInterval,
                               Duration heartbeatTtl) {
    static final String PATH = "runtime.sniper_mode.fallback.";
    static final Checks.Range CALLS = new Checks.Range(1, 100_000);
    /** Times in milliseconds: at least 1 ms, at most a day. */
    static final Checks.Range MILLIS = new Checks.Range(1, 86_400_000);

    public FallbackSettings {
        Checks.required(PATH + "policy", policy);
        if (!(failureRateThreshold > 0f && failureRateThreshold <= 100f)) {
            throw SettingsException.invalid(PATH + "failure_rate_threshold",
                    "expected a percentage above 0 and at most 100, got " + failureRateThreshold);
        }
        CALLS.check(PATH + "minimum_calls", minimumCalls);
        CALLS.check(PATH + "sliding_window_calls", slidingWindowCalls);
        if (minimumCalls > slidingWindowCalls) {
            throw SettingsException.conflict(PATH + "minimum_calls", PATH + "sliding_window_calls",
                    "must be at most sliding_window_calls (" + slidingWindowCalls + "), got " + minimumCalls);
        }
        MILLIS.checkMillis(PATH + "open_wait_ms", openWait);
        CALLS.check(PATH + "permitted_calls_in_half_open", permittedCallsInHalfOpen);
        MILLIS.checkMillis(PATH + "heartbeat_interval_ms", heartbeatInterval);
        MILLIS.checkMillis(PATH + "heartbeat_ttl_ms", heartbeatTtl);
        if (heartbeatTtl.compareTo(heartbeatInterval) <= 0) {
            throw SettingsException.conflict(PATH + "heartbeat_ttl_ms", PATH + "heartbeat_interval_ms",
                    "must be above heartbeat_interval_ms (" + heartbeatInterval.toMillis()
                            + "), or every guard expires between two heartbeats; got " + heartbeatTtl.toMillis());
        }
    }

    public static FallbackSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
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

        public FallbackSettings build() {
            return new FallbackSettings(policy, failureRateThreshold, minimumCalls, slidingWindowCalls, openWait,
                    permittedCallsInHalfOpen, heartbeatInterval, heartbeatTtl);
        }
    }
}
