package io.ultrasignals.sniper.config;

/**
 * Everything the agent reads from {@code settings.yaml} and the environment: an immutable value.
 * Build one in code with {@link #builder()}, or load one with {@link SettingsLoader}.
 * Every key, with its default and range, is stated in {@code settings/schema.yaml}; the builders start from
 * {@link SettingsDefaults}, held to the schema by the tests.
 * {@code toString()} is safe to log: secrets print as {@value Secret#REDACTED}.
 *
 * @param redis      the {@code redis} section
 * @param sniperMode the {@code runtime.sniper_mode} section
 * @param agent      the {@code sniper_agent} section
 */
public record SniperSettings(RedisSettings redis, SniperModeSettings sniperMode, AgentSettings agent) {

    public SniperSettings {
        RedisSettings.SECTION.required(redis);
        SniperModeSettings.SECTION.required(sniperMode);
        AgentSettings.SECTION.required(agent);
    }

    /** Every setting at its default: Redis off, sniper mode off, caps 2 per hour and 6 per day. */
    public static SniperSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from these settings: change a few, keep the rest (Lettuce's {@code mutate()}). */
    public Builder toBuilder() {
        return builder().redis(redis).sniperMode(sniperMode).agent(agent);
    }

    public static final class Builder {
        private RedisSettings redis = RedisSettings.defaults();
        private SniperModeSettings sniperMode = SniperModeSettings.defaults();
        private AgentSettings agent = AgentSettings.defaults();

        private Builder() {
        }

        public Builder redis(RedisSettings redis) {
            this.redis = redis;
            return this;
        }

        public Builder sniperMode(SniperModeSettings sniperMode) {
            this.sniperMode = sniperMode;
            return this;
        }

        public Builder agent(AgentSettings agent) {
            this.agent = agent;
            return this;
        }

        public SniperSettings build() {
            return new SniperSettings(redis, sniperMode, agent);
        }
    }
}
