package io.ultrasignals.sniper.script;

import java.util.ArrayList;
import java.util.List;

/**
 * The reply of status, ABI v1: {@code {hour_count, day_count, hour_ttl_ms, day_ttl_ms, server_time_ms}}, then four
 * more per scope asked for; a TTL is -2 for a missing key.
 *
 * @param scopes each scope asked for, in the order asked; empty when none was
 */
public record StatusReply(long hourCount, long dayCount, long hourTtlMillis, long dayTtlMillis, long serverTimeMillis,
                          List<ScopeStatus> scopes) {

    /** One scope's current buckets: counts, and TTLs (-2 where the key does not exist). */
    public record ScopeStatus(String scope, long hourCount, long dayCount, long hourTtlMillis, long dayTtlMillis) {}

    public StatusReply {
        scopes = scopes == null ? List.of() : List.copyOf(scopes);
    }

    /** The fleet's buckets alone. */
    public StatusReply(long hourCount, long dayCount, long hourTtlMillis, long dayTtlMillis, long serverTimeMillis) {
        this(hourCount, dayCount, hourTtlMillis, dayTtlMillis, serverTimeMillis, List.of());
    }

    public List<Object> toWire() {
        List<Object> wire = new ArrayList<>(List.of(hourCount, dayCount, hourTtlMillis, dayTtlMillis, serverTimeMillis));
        for (ScopeStatus s : scopes) {
            wire.addAll(List.of(s.hourCount(), s.dayCount(), s.hourTtlMillis(), s.dayTtlMillis()));
        }
        return List.copyOf(wire);
    }

    public static StatusReply fromWire(List<?> raw) {
        return fromWire(raw, List.of());
    }

    /** Parses a reply to a call that asked for {@code scopes}. */
    public static StatusReply fromWire(List<?> raw, List<String> scopes) {
        if (raw == null || raw.size() != 5 + 4 * scopes.size()) {
            throw new IllegalArgumentException("status reply must have " + (5 + 4 * scopes.size()) + " elements, got " + raw);
        }
        List<ScopeStatus> layers = new ArrayList<>(scopes.size());
        for (int i = 0; i < scopes.size(); i++) {
            int at = 5 + 4 * i;
            layers.add(new ScopeStatus(scopes.get(i), AcquireReply.num(raw.get(at)), AcquireReply.num(raw.get(at + 1)),
                    AcquireReply.num(raw.get(at + 2)), AcquireReply.num(raw.get(at + 3))));
        }
        return new StatusReply(AcquireReply.num(raw.get(0)), AcquireReply.num(raw.get(1)), AcquireReply.num(raw.get(2)),
                AcquireReply.num(raw.get(3)), AcquireReply.num(raw.get(4)), layers);
    }
}
