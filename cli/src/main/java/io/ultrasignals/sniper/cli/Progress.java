package io.ultrasignals.sniper.cli;

import java.io.PrintStream;

/**
 * A one-line progress display. On a terminal it is redrawn in place with a carriage return; otherwise (output
 * piped to a file or another program) only the last state of each phase is written, as one plain line at
 * {@link #done()}, so a log holds one line per phase and no carriage-return frames.
 */
final class Progress {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final boolean enabled;
    private final boolean redraw;
    private String last;

    Progress(PrintStream out, boolean enabled, boolean redraw) {
        this.out = out;
        this.enabled = enabled;
        this.redraw = redraw;
    }

    /** Redrawn in place only when this JVM talks to a terminal ({@link System#console()}). */
    Progress(PrintStream out, boolean enabled) {
        this(out, enabled, System.console() != null);
    }

    void bar(double fraction, String text) {
        if (!enabled) {
            return;
        }
        if (!redraw) {
            last = text;
            return;
        }
        int filled = (int) Math.round(Math.max(0, Math.min(1, fraction)) * WIDTH);
        out.print("\r[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + text + "   ");
        out.flush();
    }

    /** Ends the current phase's line. */
    void done() {
        if (!enabled) {
            return;
        }
        if (redraw) {
            out.println();
        } else if (last != null) {
            out.println(last);
            last = null;
        }
    }
}
