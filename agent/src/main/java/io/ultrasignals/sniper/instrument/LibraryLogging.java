package io.ultrasignals.sniper.instrument;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the agent's bundled Netty, Lettuce and Reactor quiet on the runner's stderr: a reset or refused Redis
 * connection is expected trouble, which the guard reports itself, once per backend change ("decisions now made
 * by ..."); the libraries would print a stack trace at INFO or WARNING on every reset and reconnect attempt.
 * Only SEVERE records get through. In the agent jar these names are the relocated ones, so the runner's own
 * Netty or Lettuce logs as it did; a level the runner's logging set for them stays as it is.
 */
final class LibraryLogging {
    /** java.util.logging holds its loggers weakly: a level set on a logger nobody references would be lost. */
    private static final List<Logger> QUIETED = List.of(
            Logger.getLogger("io.netty"), Logger.getLogger("io.lettuce"), Logger.getLogger("reactor"));

    private LibraryLogging() {
    }

    static void quiet() {
        for (Logger logger : QUIETED) {
            if (logger.getLevel() == null) {
                logger.setLevel(Level.SEVERE);
            }
        }
    }
}
