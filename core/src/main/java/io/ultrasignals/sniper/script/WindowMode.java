package io.ultrasignals.sniper.script;

import java.util.Locale;

/** How a window's count is computed; the {@code window} argument of acquire. */
public enum WindowMode {
    /** The count is the current epoch-aligned bucket. Up to 2x the cap can pass around a boundary. */
    FIXED,
    /** The previous bucket weighted by the part still inside the window, plus the current one. */
    SLIDING;

    /** The ABI spelling: {@code fixed} or {@code sliding}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
