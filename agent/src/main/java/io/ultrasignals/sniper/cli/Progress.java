package io.ultrasignals.sniper.cli;

import java.io.PrintStream;

/** A one-line progress display, redrawn in place with a carriage return. */
final class Progress {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final boolean enabled;

    Progress(PrintStream out, boolean enabled) {
        this.out = out;
        this.enabled = enabled;
    }

    void bar(double fraction, String text) {
        if (!enabled) {
            return;
        }
        int filled = (int) Math.round(Math.max(0, Math.min(1, fraction)) * WIDTH);
        out.print("\r[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + text + "   ");
        out.flush();
    }

    void done() {
        if (enabled) {
            out.println();
        }
    }
}
