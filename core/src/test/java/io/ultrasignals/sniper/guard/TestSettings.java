package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.config.Enforcement;
import io.ultrasignals.sniper.config.FallbackPolicy;
import io.ultrasignals.sniper.config.FallbackSettings;
import io.ultrasignals.sniper.config.RedisSettings;
import io.ultrasignals.sniper.config.SniperModeSettings;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.script.WindowMode;
import io.ultrasignals.sniper.testkit.RedisServer;
import java.time.Duration;

/** Settings for guard tests: one real server, a fresh namespace, short timeouts. */
public final class TestSettings {
    private RedisServer server;
    private String namespace = "t-" + System.nanoTime();
    private long hourly = 10;
    private long daily = 0;
    private boolean mtf;
    private WindowMode window = WindowMode.FIXED;
    private Enforcement enforcement = Enforcement.ENFORCE;
    private FallbackPolicy policy = FallbackPolicy.LOCAL;
    /** Generous by default: these tests check decisions, not timeouts, on a busy 2-core machine. */
    private Duration decisionTimeout = Duration.ofMillis(1000);
    private Duration openWait = Duration.ofMillis(500);
    private Duration heartbeat = Duration.ofMillis(200);
    private java.util.function.Consumer<RedisSettings.Builder> redisOptions = b -> {};
    private boolean redisEnabled;
    private int fleetSize;
    private java.util.Map<String, io.ultrasignals.sniper.config.ScopeSettings> scopes = java.util.Map.of();

    public static TestSettings on(RedisServer server) {
        TestSettings t = new TestSettings();
        t.server = server;
        t.redisEnabled = true;
        return t;
    }

    public static TestSettings withoutRedis() {
        return new TestSettings();
    }

    /** Redis reached some other way (Sentinel, Cluster, TLS, ACL user): {@code options} sets it up. */
    public static TestSettings redis(java.util.function.Consumer<RedisSettings.Builder> options) {
        TestSettings t = new TestSettings();
        t.redisEnabled = true;
        t.redisOptions = options;
        return t;
    }

    public TestSettings namespace(String ns) {
        this.namespace = ns;
        return this;
    }

    public TestSettings caps(long hourlyCap, long dailyCap) {
        this.hourly = hourlyCap;
        this.daily = dailyCap;
        return this;
    }

    public TestSettings mtf(boolean required) {
        this.mtf = required;
        return this;
    }

    public TestSettings window(WindowMode w) {
        this.window = w;
        return this;
    }

    public TestSettings enforcement(Enforcement e) {
        this.enforcement = e;
        return this;
    }

    public TestSettings policy(FallbackPolicy p) {
        this.policy = p;
        return this;
    }

    public TestSettings decisionTimeout(Duration d) {
        this.decisionTimeout = d;
        return this;
    }

    public TestSettings heartbeat(Duration d) {
        this.heartbeat = d;
        return this;
    }

    public TestSettings fleetSize(int runners) {
        this.fleetSize = runners;
        return this;
    }

    /** Dimension → caps of each value, decided in this order. */
    public TestSettings scopes(java.util.Map<String, io.ultrasignals.sniper.config.ScopeSettings> scopes) {
        this.scopes = scopes;
        return this;
    }

    public String namespace() {
        return namespace;
    }

    public SniperSettings build() {
        RedisSettings.Builder redis = RedisSettings.builder().enabled(redisEnabled).namespace(namespace)
                .decisionTimeout(decisionTimeout).connectTimeout(Duration.ofSeconds(3));
        if (server != null) {
            redis.host(server.host()).port(server.port());
        }
        redisOptions.accept(redis);
        return SniperSettings.builder()
                .redis(redis.build())
                .sniperMode(SniperModeSettings.builder().enabled(true).mtfConfirm(mtf).maxSignalsPerHour(hourly)
                        .dailySignalCap(daily).window(window).enforcement(enforcement).scopes(scopes)
                        .fallback(FallbackSettings.builder().policy(policy).minimumCalls(2).slidingWindowCalls(4)
                                .openWait(openWait).permittedCallsInHalfOpen(1).heartbeatInterval(heartbeat)
                                .heartbeatTtl(heartbeat.multipliedBy(5)).fleetSize(fleetSize).build())
                        .build())
                .build();
    }
}
