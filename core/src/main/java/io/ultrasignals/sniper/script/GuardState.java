package io.ultrasignals.sniper.script;

import java.util.Locale;

/** What a guard tells heartbeat.lua about itself (ARGV[6]); the wire word is the lower-case name. */
public enum GuardState {
    /** Everything this guard admitted locally is credited: it decides on Redis. */
    REDIS,
    /** It may hold local admissions not yet credited: Redis holds its recorded share back. */
    LOCAL,
    /** It stops, caught up, and leaves the fleet's reckoning. */
    LEAVE;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
