package io.ultrasignals.sniper.script;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The reply of heartbeat, ABI v1: {@code {guards, hour_count, day_count, server_time_ms, epoch}}, and with
 * the caps given, six more: {@code hour_share, next_hour_share, day_share, next_day_share, held_hour,
 * held_day} (lua/README.md, "Recovery"); with {@code control = 1} three more (policy, halt, its TTL); with
 * {@code seen} given, six more again ({@link Lineage}). A new epoch means Redis lost its data since the previous
 * heartbeat. Without the six, the shares are {@link #UNKNOWN}; without the last six, the lineage is
 * {@link Lineage#NONE}. With scopes named (heartbeat.lua's ARGV[10..]), six more per scope ({@link ScopeCount}).
 *
 * @param guards live guards plus those Redis holds back for (the fleet's reckoning)
 * @param policy the stored policy record ({@code ""} when none) when asked for (ARGV[8] = 1), else {@code null}
 * @param halt   the halt's text ({@code ""} when not halted) when asked for, else {@code null}
 */
public record HeartbeatReply(long guards, long hourCount, long dayCount, long serverTimeMillis, long epoch,
                             long hourShare, long nextHourShare, long dayShare, long nextDayShare,
                             long heldHour, long heldDay, String policy, String halt, Lineage lineage,
                             List<ScopeCount> scopes) {
    public static final long UNKNOWN = -1;

    public HeartbeatReply {
        scopes = List.copyOf(scopes);
    }

    /**
     * One scope named in the heartbeat (lua/README.md, "Lost writes per scope"), in the order named.
     *
     * @param hourCount    its current hour bucket, after any restore
     * @param dayCount     its current day bucket
     * @param lostHour     this guard's figure of what the server lost of it in the hour (0: nothing seen before then)
     * @param lostDay      the same for the day
     * @param restoredHour what this heartbeat restored of it
     * @param restoredDay  the same for the day
     */
    public record ScopeCount(String scope, long hourCount, long dayCount, long lostHour, long lostDay,
                             long restoredHour, long restoredDay) {}

    /**
     * Which server ran the heartbeat and what it lost (lua/README.md, "Lost writes").
     *
     * @param server       the server's INFO {@code run_id}; empty in {@link #NONE}
     * @param sinceMillis  server time of the first heartbeat it ran for the namespace
     * @param lostHour     this guard's figure of what it lost in the hour bucket (0: nothing seen before then)
     * @param lostDay      the same for the day bucket
     * @param restoredHour what this heartbeat restored (0 when other guards had restored as much)
     * @param restoredDay  the same for the day bucket
     */
    public record Lineage(String server, long sinceMillis, long lostHour, long lostDay, long restoredHour, long restoredDay) {
        public static final Lineage NONE = new Lineage("", UNKNOWN, 0, 0, 0, 0);

        public boolean lost() {
            return lostHour > 0 || lostDay > 0;
        }
    }

    /** A reply without the policy, the halt and the lineage. */
    public HeartbeatReply(long guards, long hourCount, long dayCount, long serverTimeMillis, long epoch,
                          long hourShare, long nextHourShare, long dayShare, long nextDayShare, long heldHour, long heldDay) {
        this(guards, hourCount, dayCount, serverTimeMillis, epoch, hourShare, nextHourShare, dayShare, nextDayShare,
                heldHour, heldDay, null, null, Lineage.NONE, List.of());
    }

    /**
     * Parses a reply of 5, 11, 14 (control), 17 (seen) or 20 (both) elements; {@code control} and {@code seen}
     * say which were asked for.
     */
    public static HeartbeatReply fromWire(List<?> raw, boolean control, boolean seen) {
        return fromWire(raw, control, seen, List.of());
    }

    /** As above, with the scopes named after {@code seen} (their arguments, six more elements each). */
    public static HeartbeatReply fromWire(List<?> raw, boolean control, boolean seen, List<String> scopes) {
        int expected = 11 + (control ? 3 : 0) + (seen ? 6 : 0) + 6 * scopes.size();
        if (raw == null || (raw.size() != 5 && raw.size() != 11 && raw.size() != expected)) {
            throw new IllegalArgumentException("heartbeat reply must have 5, 11 or " + expected + " elements, got " + raw);
        }
        long[] v = new long[11];
        Arrays.fill(v, UNKNOWN);
        for (int i = 0; i < Math.min(11, raw.size()); i++) {
            v[i] = AcquireReply.num(raw.get(i));
        }
        boolean full = raw.size() == expected && expected > 11;
        String policy = full && control ? String.valueOf(raw.get(11)) : null;
        String halt = full && control ? String.valueOf(raw.get(12)) : null;
        Lineage lineage = Lineage.NONE;
        if (full && seen) {
            int at = control ? 14 : 11;
            Object id = raw.get(at);
            if (id instanceof Number) {
                throw new IllegalArgumentException("heartbeat reply element " + (at + 1) + " must be the server's run_id, got " + id);
            }
            lineage = new Lineage(String.valueOf(id), AcquireReply.num(raw.get(at + 1)), AcquireReply.num(raw.get(at + 2)),
                    AcquireReply.num(raw.get(at + 3)), AcquireReply.num(raw.get(at + 4)), AcquireReply.num(raw.get(at + 5)));
        }
        List<ScopeCount> counts = new ArrayList<>(scopes.size());
        if (full && seen) {
            int at = 11 + (control ? 3 : 0) + 6;
            for (String scope : scopes) {
                int bar = scope.indexOf('|');
                counts.add(new ScopeCount(bar < 0 ? scope : scope.substring(0, bar), AcquireReply.num(raw.get(at)), AcquireReply.num(raw.get(at + 1)),
                        AcquireReply.num(raw.get(at + 2)), AcquireReply.num(raw.get(at + 3)),
                        AcquireReply.num(raw.get(at + 4)), AcquireReply.num(raw.get(at + 5))));
                at += 6;
            }
        }
        return new HeartbeatReply(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], policy, halt, lineage,
                counts);
    }

    /** A reply to a heartbeat that asked for the policy and the halt, not the lineage. */
    public static HeartbeatReply fromWire(List<?> raw) {
        return fromWire(raw, raw != null && raw.size() == 14, false);
    }
}
