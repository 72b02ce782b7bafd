package io.ultrasignals.sniper.script;

import java.util.List;

/**
 * The reply of heartbeat, ABI v1: {@code {live_guards, hour_count, day_count, server_time_ms, epoch}};
 * a new epoch means Redis lost its data since the previous heartbeat.
 */
public record HeartbeatReply(long liveGuards, long hourCount, long dayCount, long serverTimeMillis, long epoch) {
    public static HeartbeatReply fromWire(List<?> raw) {
        if (raw == null || raw.size() != 5) {
            throw new IllegalArgumentException("heartbeat reply must have 5 elements, got " + raw);
        }
        return new HeartbeatReply(AcquireReply.num(raw.get(0)), AcquireReply.num(raw.get(1)), AcquireReply.num(raw.get(2)),
                AcquireReply.num(raw.get(3)), AcquireReply.num(raw.get(4)));
    }
}
