package io.ultrasignals.sniper.script;

import java.util.List;

/**
 * The arguments of one acquire call, ABI v1 (ARGV[1..7], and ARGV[9..] for scopes).
 *
 * @param hourlyCap   0..1e9, 0 = no hourly cap
 * @param dailyCap    0..1e9, 0 = no daily cap
 * @param mtfRequired the policy requires MTF confirmation
 * @param mtfConfirmed this signal is MTF-confirmed
 * @param signalId    id for idempotency and release, or {@code null}
 * @param nowMillis   epoch ms to decide at, or {@code null} for the engine's clock (Redis TIME)
 * @param window      fixed or sliding
 * @param scopes      the signal's scopes with their caps, decided with the fleet's (at most 8, one per dimension);
 *                    empty for none (the reply then has no layer)
 */
public record AcquireArgs(long hourlyCap, long dailyCap, boolean mtfRequired, boolean mtfConfirmed,
                          String signalId, Long nowMillis, WindowMode window, List<ScopeCap> scopes) {
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
        scopes = ScopeCap.checkAll(scopes);
    }

    /** A call without scopes, as before scopes existed. */
    public AcquireArgs(long hourlyCap, long dailyCap, boolean mtfRequired, boolean mtfConfirmed, String signalId,
                       Long nowMillis, WindowMode window) {
        this(hourlyCap, dailyCap, mtfRequired, mtfConfirmed, signalId, nowMillis, window, List.of());
    }

    /** These arguments with {@code scopes} instead. */
    public AcquireArgs withScopes(List<ScopeCap> scopes) {
        return new AcquireArgs(hourlyCap, dailyCap, mtfRequired, mtfConfirmed, signalId, nowMillis, window, scopes);
    }

    /**
     * The ARGV list exactly as the script takes it, with {@code deadline} as ARGV[8] ({@code null}: empty, or
     * omitted when there are no scopes, so a call without scopes is the 7 arguments it always was).
     */
    public String[] argv(Long deadline) {
        int n = scopes.isEmpty() ? (deadline == null ? 7 : 8) : 8 + 3 * scopes.size();
        String[] argv = new String[n];
        argv[0] = Long.toString(hourlyCap);
        argv[1] = Long.toString(dailyCap);
        argv[2] = mtfRequired ? "1" : "0";
        argv[3] = mtfConfirmed ? "1" : "0";
        argv[4] = signalId == null ? "" : signalId;
        argv[5] = nowMillis == null ? "" : Long.toString(nowMillis);
        argv[6] = window.wire();
        if (n > 7) {
            argv[7] = deadline == null ? "" : deadline.toString();
        }
        for (int i = 0; i < scopes.size(); i++) {
            ScopeCap s = scopes.get(i);
            argv[8 + 3 * i] = s.scope();
            argv[9 + 3 * i] = Long.toString(s.hourlyCap());
            argv[10 + 3 * i] = Long.toString(s.dailyCap());
        }
        return argv;
    }

    /** The ARGV list without a deadline. */
    public String[] argv() {
        return argv(null);
    }

    /** The same signal with other caps (the fallback's local limits). */
    public AcquireArgs withCaps(long hourly, long daily) {
        return new AcquireArgs(hourly, daily, mtfRequired, mtfConfirmed, signalId, nowMillis, window, scopes);
    }
}
