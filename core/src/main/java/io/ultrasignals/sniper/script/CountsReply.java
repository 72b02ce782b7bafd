package io.ultrasignals.sniper.script;

import java.util.List;

/**
 * The reply of release and of credit, ABI v1: {@code {done, hour_count, day_count}}, where
 * {@code done} is {@code released} or {@code applied}.
 */
public record CountsReply(boolean done, long hourCount, long dayCount) {
    public List<Object> toWire() {
        return List.of(done ? 1L : 0L, hourCount, dayCount);
    }

    public static CountsReply fromWire(List<?> raw) {
        if (raw == null || raw.size() != 3) {
            throw new IllegalArgumentException("release/credit reply must have 3 elements, got " + raw);
        }
        return new CountsReply(AcquireReply.num(raw.get(0)) == 1, AcquireReply.num(raw.get(1)), AcquireReply.num(raw.get(2)));
    }
}
