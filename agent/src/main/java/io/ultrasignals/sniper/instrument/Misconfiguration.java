package io.ultrasignals.sniper.instrument;

/**
 * The agent cannot do what settings ask: unreadable settings, a bad agent option, a class or method that does not
 * exist, an accessor that does not resolve. The message is one line that names what is wrong and what was expected.
 */
final class Misconfiguration extends RuntimeException {
    Misconfiguration(String message) {
        super(message, null, false, false);
    }
}
