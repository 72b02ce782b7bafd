package io.ultrasignals.sniper.script;

import java.util.Arrays;
import java.util.List;

/**
 * The reply of heartbeat, ABI v1: {@code {guards, hour_count, day_count, server_time_ms, epoch}}, and with
 * the caps given, six more: {@code hour_share, next_hour_share, day_share, next_day_share, held_hour,
 * held_day} (lua/README.md, "Recovery"). A new epoch means Redis lost its data since the previous heartbeat.
 * Without the six, the shares are {@link #UNKNOWN}.
 *
 * @param guards live guards plus those Redis holds back for (the fleet's reckoning)
 * @param policy the stored policy record ({@code ""} when none) when asked for (ARGV[8] = 1), else {@code null}
 * @param halt   the halt's text ({@code ""} when not halted) when asked for, else {@code null}
 */
public record HeartbeatReply(long guards, long hourCount, long dayCount, long serverTimeMillis, long epoch,
                             long hourShare, long nextHourShare, long dayShare, long nextDayShare,
                             long heldHour, long heldDay, String policy, String halt) {
    public static final long UNKNOWN = -1;

    /** A reply without the policy and the halt. */
    public HeartbeatReply(long guards, long hourCount, long dayCount, long serverTimeMillis, long epoch,
                          long hourShare, long nextHourShare, long dayShare, long nextDayShare, long heldHour, long heldDay) {
        this(guards, hourCount, dayCount, serverTimeMillis, epoch, hourShare, nextHourShare, dayShare, nextDayShare,
                heldHour, heldDay, null, null);
    }

    public static HeartbeatReply fromWire(List<?> raw) {
        if (raw == null || (raw.size() != 5 && raw.size() != 11 && raw.size() != 14)) {
            throw new IllegalArgumentException("heartbeat reply must have 5, 11 or 14 elements, got " + raw);
        }
        long[] v = new long[11];
        Arrays.fill(v, UNKNOWN);
        for (int i = 0; i < Math.min(11, raw.size()); i++) {
            v[i] = AcquireReply.num(raw.get(i));
        }
        String policy = raw.size() == 14 ? String.valueOf(raw.get(11)) : null;
        String halt = raw.size() == 14 ? String.valueOf(raw.get(12)) : null;
        return new HeartbeatReply(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], policy, halt);
    }
}
