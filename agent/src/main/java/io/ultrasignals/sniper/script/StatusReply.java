package io.ultrasignals.sniper.script;

import java.util.List;

/** The reply of status, ABI v1: {@code {hour_count, day_count, hour_ttl_ms, day_ttl_ms, server_time_ms}}; a TTL is -2 for a missing key. */
public record StatusReply(long hourCount, long dayCount, long hourTtlMillis, long dayTtlMillis, long serverTimeMillis) {
    public List<Object> toWire() {
        return List.of(hourCount, dayCount, hourTtlMillis, dayTtlMillis, serverTimeMillis);
    }

    public static StatusReply fromWire(List<?> raw) {
        if (raw == null || raw.size() != 5) {
            throw new IllegalArgumentException("status reply must have 5 elements, got " + raw);
        }
        return new StatusReply(AcquireReply.num(raw.get(0)), AcquireReply.num(raw.get(1)), AcquireReply.num(raw.get(2)),
                AcquireReply.num(raw.get(3)), AcquireReply.num(raw.get(4)));
    }
}
