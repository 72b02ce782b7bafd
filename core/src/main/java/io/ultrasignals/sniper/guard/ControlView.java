package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.AcquireReply;
import io.ultrasignals.sniper.script.HeartbeatReply;
import io.ultrasignals.sniper.script.ScopeCap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The fleet's policy and halt as this guard last saw them in Redis (from an acquire reply or a heartbeat),
 * for the decisions it makes locally: a guard cut off from Redis obeys the last halt it saw and decides by
 * the last policy it saw (lua/README.md, "Fleet policy, halt, audit"). Decisions on Redis need none of this:
 * the scripts read the policy and the halt in the same call.
 */
final class ControlView {
    private static final Logger LOG = Logger.getLogger(ControlView.class.getName());

    /** A stored policy: its version, the fleet's caps and each named layer's (a dimension, or one value). */
    record Policy(long version, long hourlyCap, long dailyCap, Map<String, long[]> layers) {
        /** Parses {@code <version>|<hourly>|<daily>[|<name>|<hourly>|<daily>]...}, as control.lua writes it. */
        static Policy parse(String record) {
            String[] f = record.split("\\|", -1);
            if (f.length < 3 || (f.length - 3) % 3 != 0) {
                throw new IllegalArgumentException("not a policy record: " + record);
            }
            Map<String, long[]> layers = new HashMap<>();
            for (int i = 3; i < f.length; i += 3) {
                layers.put(f[i], new long[] {Long.parseLong(f[i + 1]), Long.parseLong(f[i + 2])});
            }
            return new Policy(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), Map.copyOf(layers));
        }

        /** A scope's caps under this policy: its value's, else its dimension's, else none (as acquire.lua). */
        long[] capsOf(ScopeCap scope) {
            long[] caps = layers.get(scope.scope());
            if (caps == null) {
                caps = layers.get(scope.dimension());
            }
            return caps == null ? new long[] {0, 0} : caps;
        }
    }

    private final long settingsHourlyCap;
    private final long settingsDailyCap;
    private volatile String halt;
    private volatile Policy policy;
    private volatile long warnedVersion = -1;
    private volatile boolean differs;

    ControlView(long settingsHourlyCap, long settingsDailyCap) {
        this.settingsHourlyCap = settingsHourlyCap;
        this.settingsDailyCap = settingsDailyCap;
    }

    /** The halt's text as last seen, or null when the fleet was not halted. */
    String halt() {
        return halt;
    }

    /** The stored policy's version as last seen, or -1 when none is stored (the settings' caps apply). */
    long policyVersion() {
        Policy p = policy;
        return p == null ? -1 : p.version();
    }

    /** True while the stored policy's fleet caps differ from this runner's settings. */
    boolean settingsDiffer() {
        return differs;
    }

    /** An acquire reply to a call with this guard's identity carries the policy version and the halt. */
    void observe(AcquireReply reply) {
        if (reply.halt() != null && !reply.replayed()) {
            halt = reply.halt().isEmpty() ? null : reply.halt();
        }
    }

    /** A heartbeat that asked for them carries the whole policy and the halt. */
    void observe(HeartbeatReply reply) {
        if (reply.halt() != null) {
            halt = reply.halt().isEmpty() ? null : reply.halt();
        }
        if (reply.policy() != null) {
            Policy p = reply.policy().isEmpty() ? null : Policy.parse(reply.policy());
            policy = p;
            boolean nowDiffers = p != null && (p.hourlyCap() != settingsHourlyCap || p.dailyCap() != settingsDailyCap);
            differs = nowDiffers;
            if (nowDiffers && warnedVersion != p.version()) {
                warnedVersion = p.version();
                LOG.warning("sniper: the fleet policy stored in Redis (version " + p.version() + ": " + p.hourlyCap()
                        + " per hour, " + p.dailyCap() + " per day) differs from this runner's settings ("
                        + settingsHourlyCap + " per hour, " + settingsDailyCap + " per day); the stored policy applies");
            }
        }
    }

    /** The fleet's caps {hourly, daily} in force as last seen: the stored policy's, else the settings'. */
    long[] fleetCaps() {
        Policy p = policy;
        return p == null ? new long[] {settingsHourlyCap, settingsDailyCap} : new long[] {p.hourlyCap(), p.dailyCap()};
    }

    /**
     * The fleet's caps {hourly, daily} an acquire reply was decided by: {@code args}' when the reply names no stored
     * policy, the policy's when it names the version last seen; null when unknown (a reply without the identity, a
     * version not seen yet).
     */
    long[] fleetCapsOf(AcquireReply reply, AcquireArgs args) {
        if (reply.policyVersion() == null) {
            return null;
        }
        if (reply.policyVersion().isEmpty()) {
            return new long[] {args.hourlyCap(), args.dailyCap()};
        }
        Policy p = policy;
        return p != null && Long.toString(p.version()).equals(reply.policyVersion())
                ? new long[] {p.hourlyCap(), p.dailyCap()} : null;
    }

    /** The arguments a local decision uses: the caps of the policy last seen, else the settings' as given. */
    AcquireArgs localArgs(AcquireArgs args) {
        Policy p = policy;
        if (p == null) {
            return args;
        }
        List<ScopeCap> scopes = new ArrayList<>(args.scopes().size());
        for (ScopeCap s : args.scopes()) {
            long[] caps = p.capsOf(s);
            scopes.add(new ScopeCap(s.scope(), caps[0], caps[1]));
        }
        return new AcquireArgs(p.hourlyCap(), p.dailyCap(), args.mtfRequired(), args.mtfConfirmed(), args.signalId(),
                args.nowMillis(), args.window(), scopes);
    }
}
