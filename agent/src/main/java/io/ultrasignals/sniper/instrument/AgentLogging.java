package io.ultrasignals.sniper.instrument;

import java.util.List;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * What the agent prints on the runner's stderr through java.util.logging. Expected Redis trouble (a reset or a
 * refused connection) shows as one line per backend change ("sniper: decisions now made by ..."), never as the
 * stack traces the bundled Netty, Lettuce and Reactor log at INFO or WARNING on every reset and reconnect attempt:
 * only their SEVERE records get through. In the agent jar these names are the relocated ones, so the runner's own
 * Netty or Lettuce logs as it did, and a level the runner's logging configuration set stays as it is.
 */
final class AgentLogging {
    /** java.util.logging holds its loggers weakly: a level set on a logger nobody references would be lost. */
    private static final List<Logger> LIBRARIES = List.of(
            Logger.getLogger("io.netty"), Logger.getLogger("io.lettuce"), Logger.getLogger("reactor"));
    private static final Logger OWN = Logger.getLogger("io.ultrasignals.sniper");

    private AgentLogging() {
    }

    static void quiet() {
        for (Logger logger : LIBRARIES) {
            if (logger.getLevel() == null) {
                logger.setLevel(Level.SEVERE);
            }
        }
        if (usesDefaultConsoleOutput()) {
            // The JDK's default format takes two lines per record (a date line, then the message).
            Handler oneLine = new ConsoleHandler();
            oneLine.setFormatter(new OneLine());
            OWN.addHandler(oneLine);
            OWN.setUseParentHandlers(false);
            // An application that (re)configures logging later removes this handler: then its own handlers print.
            LogManager.getLogManager().addConfigurationListener(() -> {
                if (OWN.getHandlers().length == 0) {
                    OWN.setUseParentHandlers(true);
                }
            });
        }
    }

    /** Only the JDK's default set-up (no configuration file, no format, the root's one console handler) is changed. */
    private static boolean usesDefaultConsoleOutput() {
        if (System.getProperty("java.util.logging.config.file") != null
                || System.getProperty("java.util.logging.config.class") != null
                || System.getProperty("java.util.logging.SimpleFormatter.format") != null
                || OWN.getHandlers().length > 0) {
            return false;
        }
        Handler[] root = LogManager.getLogManager().getLogger("").getHandlers();
        return root.length == 1 && root[0].getClass() == ConsoleHandler.class;
    }

    /** {@code LEVEL message}, and the exception's one-line summary when there is one: no stack trace. */
    private static final class OneLine extends Formatter {
        @Override
        public String format(LogRecord record) {
            Throwable thrown = record.getThrown();
            String cause = thrown == null ? "" : " (" + String.valueOf(thrown).replace('\n', ' ') + ")";
            return record.getLevel() + " " + formatMessage(record) + cause + System.lineSeparator();
        }
    }
}
