package io.ultrasignals.sniper.local;

import java.util.List;

/**
 * What a {@link LocalEngine} admitted and released in one (hour bucket, day bucket, scopes) during one
 * period between two {@link LocalEngine#drainAdmissions()} calls: the input of reconciliation, which
 * credits admissions to Redis with {@code credit.lua} for exactly these buckets.
 *
 * <p>{@code released} counts releases of local admissions of this pair made in the period; the
 * admission a release undoes may belong to an earlier period, so {@code admitted - released} can
 * be negative.
 *
 * @param hourBucket epoch ms / 3600000
 * @param dayBucket  epoch ms / 86400000
 * @param admitted   acquires this engine admitted in these buckets
 * @param released   of this engine's admissions in these buckets, how many were released
 * @param scopes     the scopes these admissions were counted in besides the fleet ({@code symbol=BTCUSDT}), for
 *                   {@code credit.lua} to add them to the same scopes; empty for the fleet's alone
 */
public record LocalAdmissions(long hourBucket, long dayBucket, long admitted, long released, List<String> scopes) {
    public LocalAdmissions {
        scopes = List.copyOf(scopes);
    }

    /** Admissions counted in the fleet's buckets alone. */
    public LocalAdmissions(long hourBucket, long dayBucket, long admitted, long released) {
        this(hourBucket, dayBucket, admitted, released, List.of());
    }
}
