package io.ultrasignals.sniper.script;

/**
 * The arguments of one acquire call, ABI v1 (ARGV[1..7]).
 *
 * @param hourlyCap   0..1e9, 0 = no hourly cap
 * @param dailyCap    0..1e9, 0 = no daily cap
 * @param mtfRequired the policy requires MTF confirmation
 * @param mtfConfirmed this signal is MTF-confirmed
 * @param signalId    id for idempotency and release, or {@code null}
 * @param nowMillis   epoch ms to decide at, or {@code null} for the engine's clock (Redis TIME)
 * @param window      fixed or sliding
 */
public record AcquireArgs(long hourlyCap, long dailyCap, boolean mtfRequired, boolean mtfConfirmed,
                          String signalId, Long nowMillis, WindowMode window) {
    public static final long MAX_CAP = 1_000_000_000L;
    public static final int MAX_ID_BYTES = 256;

    public AcquireArgs {
        if (hourlyCap < 0 || hourlyCap > MAX_CAP) {
            throw new IllegalArgumentException("hourly_cap must be an integer 0..1000000000, got " + hourlyCap);
        }
        if (dailyCap < 0 || dailyCap > MAX_CAP) {
            throw new IllegalArgumentException("daily_cap must be an integer 0..1000000000, got " + dailyCap);
        }
        if (signalId != null && signalId.isEmpty()) {
            signalId = null;
        }
        if (window == null) {
            window = WindowMode.FIXED;
        }
    }

    /** The ARGV list exactly as the script takes it. */
    public String[] argv() {
        return new String[] {
            Long.toString(hourlyCap), Long.toString(dailyCap), mtfRequired ? "1" : "0", mtfConfirmed ? "1" : "0",
            signalId == null ? "" : signalId, nowMillis == null ? "" : Long.toString(nowMillis), window.wire()
        };
    }

    /** The same signal with other caps (the fallback's local limits). */
    public AcquireArgs withCaps(long hourly, long daily) {
        return new AcquireArgs(hourly, daily, mtfRequired, mtfConfirmed, signalId, nowMillis, window);
    }
}
