package io.ultrasignals.sniper.cli;

/**
 * The lines a {@link DemoRunner} and the demo exchange, one word first, fields separated by spaces.
 * Runner to demo (stdout): {@code READY hour day}, {@code D backend reason nanos layer}
 * (layer: what blocked it, {@code fleet} or {@code strategy=...}; {@code -} when none),
 * {@code S hour_budget fallback_active live_guards}, {@code P} (paused), {@code R released},
 * {@code FINAL pending backend}, {@code AUDIT hour day backend}, {@code FAILED why}. Demo to runner (stdin):
 * {@code GO} (start or resume signals), {@code PAUSE}, {@code RELEASE n} (give back the slots of its last n admitted
 * signals: orders the exchange refused), {@code STOP}, {@code AUDIT}, {@code EXIT}.
 */
final class DemoProtocol {
    static final String READY = "READY";
    static final String DECISION = "D";
    static final String STATUS = "S";
    static final String FINAL = "FINAL";
    static final String AUDIT = "AUDIT";
    static final String FAILED = "FAILED";
    static final String PAUSED = "P";
    static final String RELEASED = "R";
    static final String GO = "GO";
    static final String PAUSE = "PAUSE";
    static final String RELEASE = "RELEASE";
    static final String STOP = "STOP";
    static final String EXIT = "EXIT";

    private DemoProtocol() {}
}
