package io.ultrasignals.sniper.script;

/**
 * The scripts' bucket numbering (ABI v1): an hour bucket is {@code floor(epoch ms / 3600000)}, a day bucket
 * {@code floor(epoch ms / 86400000)}, on Redis time. Said once here for the Java side.
 */
public final class Buckets {
    public static final long HOUR_MS = 3_600_000L;
    public static final long DAY_MS = 86_400_000L;

    private Buckets() {}

    /** The hour bucket holding {@code epochMillis}. */
    public static long hour(long epochMillis) {
        return Math.floorDiv(epochMillis, HOUR_MS);
    }

    /** The day bucket holding {@code epochMillis}. */
    public static long day(long epochMillis) {
        return Math.floorDiv(epochMillis, DAY_MS);
    }
}
