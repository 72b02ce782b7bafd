package io.ultrasignals.sniper.config;

import static io.ultrasignals.sniper.config.Conversions.bool;
import static io.ultrasignals.sniper.config.Conversions.enumeration;
import static io.ultrasignals.sniper.config.Conversions.hostAndPorts;
import static io.ultrasignals.sniper.config.Conversions.integer;
import static io.ultrasignals.sniper.config.Conversions.millis;
import static io.ultrasignals.sniper.config.Conversions.optionalPath;
import static io.ultrasignals.sniper.config.Conversions.optionalString;
import static io.ultrasignals.sniper.config.Conversions.percent;
import static io.ultrasignals.sniper.config.Conversions.secret;
import static io.ultrasignals.sniper.config.Conversions.seconds;
import static io.ultrasignals.sniper.config.Conversions.string;

import io.ultrasignals.sniper.script.WindowMode;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Binds the merged tree to {@link SniperSettings}. This class is the one list of YAML keys the agent reads;
 * sections outside {@code redis}, {@code runtime.sniper_mode} and {@code sniper_agent} are never looked at.
 */
final class SettingsBinder {
    /** Keys of {@code runtime.sniper_mode} that mean nothing anywhere else: found directly under runtime, a block was misindented. */
    private static final List<String> SNIPER_MODE_ONLY_KEYS = List.of("mtf_confirm", "max_signals_per_hour", "daily_signal_cap");

    private final SettingOrigins origins = new SettingOrigins();

    SettingOrigins origins() {
        return origins;
    }

    SniperSettings bind(SettingNode.Mapping root) {
        // The root and runtime are not owned: read from, never checked for unknown keys.
        SettingsSection top = new SettingsSection(root, "", origins);
        rejectMisplacedSniperMode(top);
        Optional<SettingsSection> runtime = top.section("runtime");
        runtime.ifPresent(this::rejectMisplacedSniperModeKeys);
        SniperSettings.Builder settings = SniperSettings.builder();
        top.section("redis").ifPresent(redis -> settings.redis(redis(redis)));
        runtime.flatMap(r -> r.section("sniper_mode")).ifPresent(mode -> settings.sniperMode(sniperMode(mode)));
        top.section("sniper_agent").ifPresent(agent -> settings.agent(agent(agent)));
        return build(settings::build);
    }

    private RedisSettings redis(SettingsSection s) {
        RedisSettings.Builder b = RedisSettings.builder();
        s.read("enabled", bool(), b::enabled);
        s.read("host", string(), b::host);
        s.read("port", integer(RedisSettings.PORT_RANGE), v -> b.port(v.intValue()));
        s.read("db", integer(RedisSettings.DB_RANGE), v -> b.db(v.intValue()));
        s.read("username", optionalString(), b::username);
        s.read("password", secret(), b::password);
        s.read("timeout", seconds(), b::connectTimeout);
        s.read("decision_timeout_ms", millis(RedisSettings.DECISION_TIMEOUT_MILLIS), b::decisionTimeout);
        s.read("namespace", string(), b::namespace);
        s.section("tls").ifPresent(tls -> b.tls(tls(tls)));
        s.section("sentinel").flatMap(this::sentinel).ifPresent(b::sentinel);
        s.section("cluster").flatMap(this::cluster).ifPresent(b::cluster);
        s.rejectUnknownKeys();
        return build(b::build);
    }

    private TlsSettings tls(SettingsSection s) {
        TlsSettings.Builder b = TlsSettings.builder();
        s.read("enabled", bool(), b::enabled);
        s.read("verify_peer", bool(), b::verifyPeer);
        s.read("ca_file", optionalPath(), b::caFile);
        s.rejectUnknownKeys();
        TlsSettings tls = build(b::build);
        // Checked here rather than at the first TLS handshake, where the error would not name the key.
        if (tls.enabled() && tls.caFile() != null && !Files.isReadable(tls.caFile())) {
            throw origins.attach(SettingsException.invalid(s.keyPath("ca_file"),
                    "cannot read the CA file " + Checks.quote(tls.caFile().toString())));
        }
        return tls;
    }

    private Optional<SentinelSettings> sentinel(SettingsSection s) {
        SentinelSettings.Builder b = SentinelSettings.builder();
        s.read("master", optionalString(), b::master);
        s.read("nodes", hostAndPorts(), b::nodes);
        s.read("password", secret(), b::password);
        s.rejectUnknownKeys();
        // A template's "sentinel: {master: null, nodes: []}" means no Sentinel.
        return s.setsAnything() ? Optional.of(build(b::build)) : Optional.empty();
    }

    private Optional<ClusterSettings> cluster(SettingsSection s) {
        List<HostAndPort> nodes = new ArrayList<>();
        s.read("nodes", hostAndPorts(), nodes::addAll);
        s.rejectUnknownKeys();
        return s.setsAnything() ? Optional.of(build(() -> ClusterSettings.of(nodes))) : Optional.empty();
    }

    private SniperModeSettings sniperMode(SettingsSection s) {
        SniperModeSettings.Builder b = SniperModeSettings.builder();
        s.read("enabled", bool(), b::enabled);
        s.read("mtf_confirm", bool(), b::mtfConfirm);
        s.read("max_signals_per_hour", integer(SniperModeSettings.CAP_RANGE), b::maxSignalsPerHour);
        s.read("daily_signal_cap", integer(SniperModeSettings.CAP_RANGE), b::dailySignalCap);
        s.read("window", enumeration(WindowMode.class), b::window);
        s.read("enforcement", enumeration(Enforcement.class), b::enforcement);
        s.section("fallback").ifPresent(fallback -> b.fallback(fallback(fallback)));
        s.rejectUnknownKeys();
        return build(b::build);
    }

    private FallbackSettings fallback(SettingsSection s) {
        FallbackSettings.Builder b = FallbackSettings.builder();
        s.read("policy", enumeration(FallbackPolicy.class), b::policy);
        s.read("failure_rate_threshold", percent(), b::failureRateThreshold);
        s.read("minimum_calls", integer(FallbackSettings.CALLS), v -> b.minimumCalls(v.intValue()));
        s.read("sliding_window_calls", integer(FallbackSettings.CALLS), v -> b.slidingWindowCalls(v.intValue()));
        s.read("open_wait_ms", millis(FallbackSettings.MILLIS), b::openWait);
        s.read("permitted_calls_in_half_open", integer(FallbackSettings.CALLS), v -> b.permittedCallsInHalfOpen(v.intValue()));
        s.read("heartbeat_interval_ms", millis(FallbackSettings.MILLIS), b::heartbeatInterval);
        s.read("heartbeat_ttl_ms", millis(FallbackSettings.MILLIS), b::heartbeatTtl);
        s.rejectUnknownKeys();
        return build(b::build);
    }

    private AgentSettings agent(SettingsSection s) {
        AgentSettings.Builder b = AgentSettings.builder();
        s.section("metrics").ifPresent(metrics -> b.metrics(metrics(metrics)));
        List<InstrumentTarget> targets = new ArrayList<>();
        for (SettingsSection target : s.sections("instrument")) {
            targets.add(instrumentTarget(target));
        }
        b.instrument(targets);
        s.read("on_misconfiguration", enumeration(MisconfigurationPolicy.class), b::onMisconfiguration);
        s.rejectUnknownKeys();
        return build(b::build);
    }

    private MetricsSettings metrics(SettingsSection s) {
        MetricsSettings.Builder b = MetricsSettings.builder();
        s.read("enabled", bool(), b::enabled);
        s.read("host", string(), b::host);
        s.read("port", integer(MetricsSettings.PORT_RANGE), v -> b.port(v.intValue()));
        s.rejectUnknownKeys();
        return build(b::build);
    }

    private InstrumentTarget instrumentTarget(SettingsSection s) {
        String method = s.valueOrNull("method", string());
        InstrumentTarget.Builder b = InstrumentTarget.builder(method);
        s.read("match", enumeration(MatchMode.class), b::match);
        s.read("signal_id", optionalString(), b::signalId);
        s.read("mtf_confirmed", optionalString(), b::mtfConfirmed);
        s.read("on_block", enumeration(BlockAction.class), b::onBlock);
        s.read("return_value", optionalString(), b::returnValue);
        s.read("exception", optionalString(), b::exception);
        s.rejectUnknownKeys();
        if (method == null) {
            throw origins.attach(SettingsException.invalid(s.keyPath("method"),
                    "is required: the method to instrument, as \"fully.qualified.Class#method\""));
        }
        try {
            return b.build();
        } catch (SettingsException e) {
            throw origins.attach(e.movedTo(InstrumentTarget.PATH, s.path()));
        }
    }

    private void rejectMisplacedSniperMode(SettingsSection top) {
        top.rejectIfPresent("sniper_mode", "belongs under runtime, as runtime.sniper_mode; indent the block under runtime:");
    }

    private void rejectMisplacedSniperModeKeys(SettingsSection runtime) {
        for (String key : SNIPER_MODE_ONLY_KEYS) {
            runtime.rejectIfPresent(key, "belongs under runtime.sniper_mode; is the block indented one level too little?");
        }
    }

    /** Builds a value; a range or contradiction error gets the source of the key it names. */
    private <T> T build(Supplier<T> builder) {
        try {
            return builder.get();
        } catch (SettingsException e) {
            throw origins.attach(e);
        }
    }
}
