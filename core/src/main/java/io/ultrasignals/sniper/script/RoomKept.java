package io.ultrasignals.sniper.script;

/**
 * The room a guard keeps for runners of a stated fleet not yet seen on Redis ({@code fleet_size}): what they may
 * admit before they reach Redis. acquire's optional {@code @room <hourly_room> <daily_room>} triple and the
 * heartbeat's {@code @room|<hourly_room>|<daily_room>} (lua/README.md): the scripts take it off the fleet's caps that
 * apply, the stored policy's or the caller's, so a stored policy keeps the room too, in decisions and in shares.
 *
 * @param hourly the room kept in the hour, 0..1e9
 * @param daily  the room kept in the day, 0..1e9
 */
public record RoomKept(long hourly, long daily) {
    public RoomKept {
        if (hourly < 0 || hourly > AcquireArgs.MAX_CAP || daily < 0 || daily > AcquireArgs.MAX_CAP) {
            throw new IllegalArgumentException("room kept must be 0..1000000000 in each window, got " + hourly + " and " + daily);
        }
    }

    /** The three arguments as acquire takes them. */
    public String[] argv() {
        return new String[] {"@room", Long.toString(hourly), Long.toString(daily)};
    }

    /** The one argument as the heartbeat takes it, among its scopes: {@code @room|<hourly>|<daily>}. */
    public String heartbeatArg() {
        return "@room|" + hourly + "|" + daily;
    }
}
