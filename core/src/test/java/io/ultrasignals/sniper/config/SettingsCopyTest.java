package io.ultrasignals.sniper.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code toBuilder()}: a copy that changes the keys it is told to and keeps every other one, checked as {@code build()} checks. */
@Tag("unit")
class SettingsCopyTest {
    private static final SniperSettings EVERY_KEY = load("every-key.yaml");
    private static final SniperSettings EVERY_KEY_CLUSTER = load("every-key-cluster.yaml");

    private static SniperSettings load(String resource) {
        return new SettingsLoader(Map.of()).loadYaml(SettingsLoaderTest.resource(resource), resource);
    }

    @Test
    void aCopyOfEveryValueWithNothingChangedIsEqualToIt() {
        for (SniperSettings s : new SniperSettings[] {EVERY_KEY, EVERY_KEY_CLUSTER, SniperSettings.defaults()}) {
            assertThat(s.toBuilder().build()).isEqualTo(s);
            assertThat(s.redis().toBuilder().build()).isEqualTo(s.redis());
            assertThat(s.redis().tls().toBuilder().build()).isEqualTo(s.redis().tls());
            assertThat(s.sniperMode().toBuilder().build()).isEqualTo(s.sniperMode());
            assertThat(s.sniperMode().fallback().toBuilder().build()).isEqualTo(s.sniperMode().fallback());
            assertThat(s.agent().toBuilder().build()).isEqualTo(s.agent());
            assertThat(s.agent().metrics().toBuilder().build()).isEqualTo(s.agent().metrics());
            s.agent().instrument().forEach(target -> assertThat(target.toBuilder().build()).isEqualTo(target));
        }
        SentinelSettings sentinel = EVERY_KEY.redis().sentinel();
        assertThat(sentinel).isNotNull();
        assertThat(sentinel.toBuilder().build()).isEqualTo(sentinel);
        assertThat(EVERY_KEY.agent().instrument()).hasSize(2);
    }

    @Test
    void aCopyChangesOnlyWhatItIsTold() {
        RedisSettings redis = EVERY_KEY.redis();

        RedisSettings copy = redis.toBuilder().namespace("other").build();

        assertThat(copy.namespace()).isEqualTo("other");
        assertThat(copy).isEqualTo(new RedisSettings(redis.enabled(), redis.host(), redis.port(), redis.db(), redis.username(),
                redis.password(), redis.connectTimeout(), redis.decisionTimeout(), "other", redis.tls(), redis.sentinel(),
                redis.cluster()));
        assertThat(copy.password()).isEqualTo(redis.password());
    }

    @Test
    void aCopyIsCheckedLikeAnyBuild() {
        SettingsErrorsTest.assertOneLineError(() -> EVERY_KEY.redis().toBuilder().decisionTimeout(Duration.ofSeconds(3)).build(),
                "redis.decision_timeout_ms: must be below redis.timeout (2.5 s = 2500 ms), got 3000");
        SettingsErrorsTest.assertOneLineError(() -> EVERY_KEY_CLUSTER.redis().toBuilder().db(1).build(),
                "redis.db: must be 0 with redis.cluster (Redis Cluster has only database 0), got 1");
        SettingsErrorsTest.assertOneLineError(() -> EVERY_KEY.sniperMode().fallback().toBuilder().failureRateThreshold(Float.NaN).build(),
                "runtime.sniper_mode.fallback.failure_rate_threshold: expected a percentage above 0 and at most 100, got NaN");
        SettingsErrorsTest.assertOneLineError(() -> EVERY_KEY.redis().toBuilder().connectTimeout(Duration.ofMillis(3_600_001)).build(),
                "redis.timeout: expected a number of seconds from 0.001 to 3600, got 3600.001");
    }
}
