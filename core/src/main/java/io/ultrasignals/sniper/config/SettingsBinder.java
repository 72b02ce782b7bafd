package io.ultrasignals.sniper.config;

import static io.ultrasignals.sniper.config.Conversions.bool;
import static io.ultrasignals.sniper.config.Conversions.enumeration;
import static io.ultrasignals.sniper.config.Conversions.failureRate;
import static io.ultrasignals.sniper.config.Conversions.hostAndPorts;
import static io.ultrasignals.sniper.config.Conversions.optionalPath;
import static io.ultrasignals.sniper.config.Conversions.optionalString;
import static io.ultrasignals.sniper.config.Conversions.seconds;
import static io.ultrasignals.sniper.config.Conversions.secret;
import static io.ultrasignals.sniper.config.Conversions.string;
import static io.ultrasignals.sniper.config.Conversions.stringMap;

import io.ultrasignals.sniper.script.AuditIdentity;
import io.ultrasignals.sniper.script.ScopeCap;
import io.ultrasignals.sniper.script.WindowMode;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Binds the merged tree to {@link SniperSettings}. This class is the one list of YAML keys the agent reads;
 * sections outside {@code redis}, {@code runtime.sniper_mode} and {@code sniper_agent} are never looked at.
 */
final class SettingsBinder {
    /** Keys of {@code runtime.sniper_mode} that mean nothing anywhere else: found directly under runtime, a block was misindented. */
    private static final List<SettingKey> SNIPER_MODE_ONLY_KEYS = List.of(SniperModeSettings.MTF_CONFIRM,
            SniperModeSettings.MAX_SIGNALS_PER_HOUR, SniperModeSettings.DAILY_SIGNAL_CAP);

    private final SettingOrigins origins = new SettingOrigins();

    SettingOrigins origins() {
        return origins;
    }

    SniperSettings bind(SettingNode.Mapping root) {
        // The root and runtime are not owned: read from, never checked for unknown keys.
        SettingsSection top = new SettingsSection(root, "", origins);
        rejectMisplacedSniperMode(top);
        Optional<SettingsSection> runtime = top.section(SniperModeSettings.RUNTIME);
        runtime.ifPresent(this::rejectMisplacedSniperModeKeys);
        SniperSettings.Builder settings = SniperSettings.builder();
        top.section(RedisSettings.SECTION).ifPresent(redis -> settings.redis(redis(redis)));
        runtime.flatMap(r -> r.section(SniperModeSettings.SECTION)).ifPresent(mode -> settings.sniperMode(sniperMode(mode)));
        top.section(AgentSettings.SECTION).ifPresent(agent -> settings.agent(agent(agent)));
        return build(settings::build);
    }

    private RedisSettings redis(SettingsSection s) {
        RedisSettings.Builder b = RedisSettings.builder();
        s.read(RedisSettings.ENABLED, bool(), b::enabled);
        s.read(RedisSettings.HOST, string(), b::host);
        s.readInteger(RedisSettings.PORT, v -> b.port(Math.toIntExact(v)));
        s.readInteger(RedisSettings.DB, v -> b.db(Math.toIntExact(v)));
        s.read(RedisSettings.USERNAME, optionalString(), b::username);
        s.read(RedisSettings.PASSWORD, secret(), b::password);
        s.read(RedisSettings.CONNECT_TIMEOUT, seconds(), b::connectTimeout);
        s.readMillis(RedisSettings.DECISION_TIMEOUT, b::decisionTimeout);
        s.read(RedisSettings.NAMESPACE, string(), b::namespace);
        s.section(RedisSettings.TLS).ifPresent(tls -> b.tls(tls(tls)));
        s.section(RedisSettings.SENTINEL).flatMap(this::sentinel).ifPresent(b::sentinel);
        s.section(RedisSettings.CLUSTER).flatMap(this::cluster).ifPresent(b::cluster);
        s.rejectUnknownKeys();
        return build(b::build);
    }

    private TlsSettings tls(SettingsSection s) {
        TlsSettings.Builder b = TlsSettings.builder();
        s.read(TlsSettings.ENABLED, bool(), b::enabled);
        s.read(TlsSettings.VERIFY_PEER, bool(), b::verifyPeer);
        s.read(TlsSettings.CA_FILE, optionalPath(), b::caFile);
        s.rejectUnknownKeys();
        TlsSettings tls = build(b::build);
        // Checked here rather than at the first TLS handshake, where the error would not name the key.
        if (tls.enabled() && tls.caFile() != null && !Files.isReadable(tls.caFile())) {
            throw origins.attach(SettingsException.invalid(s.keyPath(TlsSettings.CA_FILE),
                    "cannot read the CA file " + Checks.quote(tls.caFile().toString())));
        }
        return tls;
    }

    private Optional<SentinelSettings> sentinel(SettingsSection s) {
        SentinelSettings.Builder b = SentinelSettings.builder();
        s.read(SentinelSettings.MASTER, optionalString(), b::master);
        s.read(SentinelSettings.NODES, hostAndPorts(), b::nodes);
        s.read(SentinelSettings.PASSWORD, secret(), b::password);
        s.rejectUnknownKeys();
        // A template's "sentinel: {master: null, nodes: []}" means no Sentinel.
        return s.setsAnything() ? Optional.of(build(b::build)) : Optional.empty();
    }

    private Optional<ClusterSettings> cluster(SettingsSection s) {
        List<HostAndPort> nodes = new ArrayList<>();
        s.read(ClusterSettings.NODES, hostAndPorts(), nodes::addAll);
        s.rejectUnknownKeys();
        return s.setsAnything() ? Optional.of(build(() -> ClusterSettings.of(nodes))) : Optional.empty();
    }

    private SniperModeSettings sniperMode(SettingsSection s) {
        SniperModeSettings.Builder b = SniperModeSettings.builder();
        s.read(SniperModeSettings.ENABLED, bool(), b::enabled);
        s.read(SniperModeSettings.MTF_CONFIRM, bool(), b::mtfConfirm);
        s.readInteger(SniperModeSettings.MAX_SIGNALS_PER_HOUR, b::maxSignalsPerHour);
        s.readInteger(SniperModeSettings.DAILY_SIGNAL_CAP, b::dailySignalCap);
        s.read(SniperModeSettings.WINDOW, enumeration(WindowMode.class), b::window);
        s.read(SniperModeSettings.ENFORCEMENT, enumeration(Enforcement.class), b::enforcement);
        s.section(SniperModeSettings.FALLBACK).ifPresent(fallback -> b.fallback(fallback(fallback)));
        s.section(SniperModeSettings.AUDIT).ifPresent(audit -> b.audit(audit(audit)));
        Map<String, ScopeSettings> scopes = new LinkedHashMap<>();
        s.namedSections(ScopeSettings.SCOPES, ScopeSettings.DIMENSION,
                        name -> ScopeCap.isDimension(name) ? null : "a dimension is a-z 0-9 _ from a letter, up to 32 bytes")
                .forEach((dimension, section) -> scopes.put(dimension, scope(section)));
        if (scopes.size() > ScopeCap.MAX_SCOPES) {
            throw SettingsException.invalid(s.keyPath(ScopeSettings.SCOPES), "at most 8 dimensions, got " + scopes.size());
        }
        b.scopes(scopes);
        s.rejectUnknownKeys();
        return build(b::build);
    }

    /** One dimension of {@code scopes}: the caps of each value, and per-value overrides under {@code values}. */
    private ScopeSettings scope(SettingsSection s) {
        long[] caps = {SettingsDefaults.SCOPE_MAX_SIGNALS_PER_HOUR, SettingsDefaults.SCOPE_DAILY_SIGNAL_CAP};
        s.readInteger(ScopeSettings.MAX_SIGNALS_PER_HOUR, v -> caps[0] = v);
        s.readInteger(ScopeSettings.DAILY_SIGNAL_CAP, v -> caps[1] = v);
        Map<String, ScopeSettings.ValueCaps> values = new LinkedHashMap<>();
        s.namedSections(ScopeSettings.VALUES, ScopeSettings.VALUE,
                        name -> ScopeCap.isValue(name) ? null : "a value is A-Z a-z 0-9 . _ / : -, 1..64 bytes")
                .forEach((value, v) -> {
                    Long[] own = new Long[2];
                    v.readInteger(ScopeSettings.VALUE_MAX_SIGNALS_PER_HOUR, x -> own[0] = x);
                    v.readInteger(ScopeSettings.VALUE_DAILY_SIGNAL_CAP, x -> own[1] = x);
                    v.rejectUnknownKeys();
                    values.put(value, new ScopeSettings.ValueCaps(own[0], own[1]));
                });
        s.rejectUnknownKeys();
        return build(() -> new ScopeSettings(caps[0], caps[1], values));
    }

    private AuditSettings audit(SettingsSection s) {
        String[] runner = {null};
        long[] maxEntries = {AuditIdentity.DEFAULT_MAX_ENTRIES};
        long[] maxAgeHours = {AuditIdentity.DEFAULT_MAX_AGE_HOURS};
        s.read(AuditSettings.RUNNER, optionalString(), v -> runner[0] = v);
        s.readInteger(AuditSettings.MAX_ENTRIES, v -> maxEntries[0] = v);
        s.readInteger(AuditSettings.MAX_AGE_HOURS, v -> maxAgeHours[0] = v);
        s.rejectUnknownKeys();
        return build(() -> new AuditSettings(runner[0], maxEntries[0], maxAgeHours[0]));
    }

    private FallbackSettings fallback(SettingsSection s) {
        FallbackSettings.Builder b = FallbackSettings.builder();
        s.read(FallbackSettings.POLICY, enumeration(FallbackPolicy.class), b::policy);
        s.read(FallbackSettings.FAILURE_RATE_THRESHOLD, failureRate(), b::failureRateThreshold);
        s.readInteger(FallbackSettings.MINIMUM_CALLS, v -> b.minimumCalls(Math.toIntExact(v)));
        s.readInteger(FallbackSettings.SLIDING_WINDOW_CALLS, v -> b.slidingWindowCalls(Math.toIntExact(v)));
        s.readMillis(FallbackSettings.OPEN_WAIT, b::openWait);
        s.readInteger(FallbackSettings.PERMITTED_CALLS_IN_HALF_OPEN, v -> b.permittedCallsInHalfOpen(Math.toIntExact(v)));
        s.readMillis(FallbackSettings.HEARTBEAT_INTERVAL, b::heartbeatInterval);
        s.readMillis(FallbackSettings.HEARTBEAT_TTL, b::heartbeatTtl);
        s.readInteger(FallbackSettings.FLEET_SIZE, v -> b.fleetSize(Math.toIntExact(v)));
        s.rejectUnknownKeys();
        return build(b::build);
    }

    private AgentSettings agent(SettingsSection s) {
        AgentSettings.Builder b = AgentSettings.builder();
        s.section(AgentSettings.METRICS).ifPresent(metrics -> b.metrics(metrics(metrics)));
        List<InstrumentTarget> targets = new ArrayList<>();
        for (SettingsSection target : s.sections(AgentSettings.INSTRUMENT)) {
            targets.add(instrumentTarget(target));
        }
        b.instrument(targets);
        s.read(AgentSettings.ON_MISCONFIGURATION, enumeration(MisconfigurationPolicy.class), b::onMisconfiguration);
        s.rejectUnknownKeys();
        return build(b::build);
    }

    private MetricsSettings metrics(SettingsSection s) {
        MetricsSettings.Builder b = MetricsSettings.builder();
        s.read(MetricsSettings.ENABLED, bool(), b::enabled);
        s.read(MetricsSettings.HOST, string(), b::host);
        s.readInteger(MetricsSettings.PORT, v -> b.port(Math.toIntExact(v)));
        s.rejectUnknownKeys();
        return build(b::build);
    }

    private InstrumentTarget instrumentTarget(SettingsSection s) {
        String method = s.valueOrNull(InstrumentTarget.METHOD, string());
        InstrumentTarget.Builder b = InstrumentTarget.builder(method);
        s.read(InstrumentTarget.MATCH, enumeration(MatchMode.class), b::match);
        s.read(InstrumentTarget.SIGNAL_ID, optionalString(), b::signalId);
        s.read(InstrumentTarget.MTF_CONFIRMED, optionalString(), b::mtfConfirmed);
        s.read(InstrumentTarget.ON_BLOCK, enumeration(BlockAction.class), b::onBlock);
        s.read(InstrumentTarget.RETURN_VALUE, optionalString(), b::returnValue);
        s.read(InstrumentTarget.EXCEPTION, optionalString(), b::exception);
        s.read(InstrumentTarget.SCOPES, stringMap(), b::scopes);
        s.rejectUnknownKeys();
        if (method == null) {
            throw origins.attach(SettingsException.invalid(s.keyPath(InstrumentTarget.METHOD),
                    "is required: the method to instrument, as " + InstrumentTarget.METHOD_EXPECTED));
        }
        try {
            return b.build();
        } catch (SettingsException e) {
            throw origins.attach(e.movedTo(InstrumentTarget.ITEM.path(), s.path()));
        }
    }

    private void rejectMisplacedSniperMode(SettingsSection top) {
        top.rejectIfPresent(SniperModeSettings.SECTION.name(), "belongs under " + SniperModeSettings.RUNTIME + ", as "
                + SniperModeSettings.SECTION + "; indent the block under " + SniperModeSettings.RUNTIME + ":");
    }

    private void rejectMisplacedSniperModeKeys(SettingsSection runtime) {
        for (SettingKey key : SNIPER_MODE_ONLY_KEYS) {
            runtime.rejectIfPresent(key.name(),
                    "belongs under " + SniperModeSettings.SECTION + "; is the block indented one level too little?");
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
