package io.ultrasignals.sniper.script;

import java.util.List;

/**
 * The reply of acquire, ABI v1: {@code {allowed, reason, hour_count, day_count, retry_after_ms,
 * server_time_ms, replayed}}, plus {@code layer} when the call named scopes. {@code reason} is {@code OK},
 * {@code SNIPER_MTF_REQUIRED}, {@code SNIPER_HOURLY_CAP} or {@code SNIPER_DAILY_CAP}; the counts are the fleet's.
 *
 * @param layer what blocked by a cap: {@code fleet} or a scope ({@code symbol=BTCUSDT}); empty when admitted or
 *              blocked by MTF; {@code null} when the call named no scopes (the 7-element reply)
 * @param policyVersion the stored policy's version ({@code ""} when none), when the call passed its identity
 *              (the 10-element reply); else {@code null}
 * @param halt  the halt's text ({@code ""} when not halted), when the call passed its identity; else {@code null}
 * @param roomKept when the call passed a {@link RoomKept} (the 11-element reply): the room kept for runners not yet
 *              seen when it alone blocked (the fleet's cap itself had room), else 0; {@code null} without a reserve
 */
public record AcquireReply(boolean allowed, String reason, long hourCount, long dayCount,
                           long retryAfterMillis, long serverTimeMillis, boolean replayed, String layer,
                           String policyVersion, String halt, Long roomKept) {

    /** A reply to a call without a reserve (10 elements with the identity). */
    public AcquireReply(boolean allowed, String reason, long hourCount, long dayCount, long retryAfterMillis,
                        long serverTimeMillis, boolean replayed, String layer, String policyVersion, String halt) {
        this(allowed, reason, hourCount, dayCount, retryAfterMillis, serverTimeMillis, replayed, layer, policyVersion,
                halt, null);
    }

    /** A reply to a call without an identity (7 elements, or 8 with the layer). */
    public AcquireReply(boolean allowed, String reason, long hourCount, long dayCount, long retryAfterMillis,
                        long serverTimeMillis, boolean replayed, String layer) {
        this(allowed, reason, hourCount, dayCount, retryAfterMillis, serverTimeMillis, replayed, layer, null, null);
    }

    /** A reply to a call without scopes. */
    public AcquireReply(boolean allowed, String reason, long hourCount, long dayCount, long retryAfterMillis,
                        long serverTimeMillis, boolean replayed) {
        this(allowed, reason, hourCount, dayCount, retryAfterMillis, serverTimeMillis, replayed, null);
    }

    /** The reply as the script returns it (integers as Long), for comparison with test vectors. */
    public List<Object> toWire() {
        if (roomKept != null) {
            return List.of(allowed ? 1L : 0L, reason, hourCount, dayCount, retryAfterMillis, serverTimeMillis,
                    replayed ? 1L : 0L, layer == null ? "" : layer, policyVersion == null ? "" : policyVersion,
                    halt == null ? "" : halt, roomKept);
        }
        if (policyVersion != null) {
            return List.of(allowed ? 1L : 0L, reason, hourCount, dayCount, retryAfterMillis, serverTimeMillis,
                    replayed ? 1L : 0L, layer == null ? "" : layer, policyVersion, halt == null ? "" : halt);
        }
        if (layer != null) {
            return List.of(allowed ? 1L : 0L, reason, hourCount, dayCount, retryAfterMillis, serverTimeMillis,
                    replayed ? 1L : 0L, layer);
        }
        return List.of(allowed ? 1L : 0L, reason, hourCount, dayCount, retryAfterMillis, serverTimeMillis, replayed ? 1L : 0L);
    }

    /**
     * Parses the script's raw reply (a list of Long and String): 7 elements, 8 with the layer, 10 with the identity,
     * 11 with the reserve.
     */
    public static AcquireReply fromWire(List<?> raw) {
        if (raw == null || raw.size() != 7 && raw.size() != 8 && raw.size() != 10 && raw.size() != 11) {
            throw new IllegalArgumentException("acquire reply must have 7, 8, 10 or 11 elements, got " + raw);
        }
        boolean control = raw.size() >= 10;
        return new AcquireReply(num(raw.get(0)) == 1, String.valueOf(raw.get(1)), num(raw.get(2)), num(raw.get(3)),
                num(raw.get(4)), num(raw.get(5)), num(raw.get(6)) == 1, raw.size() >= 8 ? String.valueOf(raw.get(7)) : null,
                control ? String.valueOf(raw.get(8)) : null, control ? String.valueOf(raw.get(9)) : null,
                raw.size() == 11 ? num(raw.get(10)) : null);
    }

    static long num(Object o) {
        if (o instanceof Number n) {
            return n.longValue();
        }
        throw new IllegalArgumentException("expected an integer in the script reply, got " + o);
    }
}
