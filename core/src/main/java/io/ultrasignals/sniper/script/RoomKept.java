package io.ultrasignals.sniper.script;

/**
 * The room an acquire call keeps for runners of a stated fleet not yet seen on Redis ({@code fleet_size}): what they
 * may admit before they reach Redis. The optional {@code @room <hourly_room> <daily_room>} triple (lua/README.md,
 * "acquire"): the script takes it off the fleet's caps that apply, the stored policy's or the caller's, so a stored
 * policy keeps the room too.
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
}
