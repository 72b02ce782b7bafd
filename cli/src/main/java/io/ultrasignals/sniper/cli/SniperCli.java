package io.ultrasignals.sniper.cli;

import io.ultrasignals.sniper.config.SettingsException;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar sniper-cli.jar <command>}: the command-line tool.
 *
 * <p>Exit codes: 0 allowed / ok; 1 blocked ({@code check}) or not released ({@code release}); 2 usage or settings error; 3 Redis
 * unreachable where the command needs it.
 */
@Command(name = "sniper-cli", mixinStandardHelpOptions = true, version = "sniper-cli 0.1.0",
        description = "Distributed signal caps for trading runners.%n"
                + "Exit codes: 0 allowed/ok, 1 blocked (check) or not released (release), 2 usage or settings error, 3 Redis unreachable, 4 bench measured the fallback.",
        subcommands = {DemoCommand.class, CheckCommand.class, ReleaseCommand.class, StatusCommand.class,
            ScriptsCommand.class, LoadScriptsCommand.class, BenchCommand.class, ControlCommands.Policy.class,
            ControlCommands.Halt.class, ControlCommands.Resume.class, ControlCommands.Audit.class})
public final class SniperCli implements Callable<Integer> {
    public static final int OK = 0;
    public static final int BLOCKED = 1;
    public static final int USAGE = 2;
    public static final int UNREACHABLE = 3;
    /** {@code bench}: the fallback made more than a trace of the decisions, so the figures are not Redis's. */
    public static final int FALLBACK_DECIDED = 4;

    public static void main(String[] args) {
        quietLogging();
        System.exit(run(args));
    }

    /** One short line per log record on stderr; the libraries' chatter only from WARNING up. */
    static void quietLogging() {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s %5$s%6$s%n");
        }
        Logger.getLogger("io.lettuce").setLevel(Level.WARNING);
        Logger.getLogger("io.netty").setLevel(Level.WARNING);
    }

    /** Runs a command line and returns its exit code (for tests and the javaagent's Main-Class). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new SniperCli());
        cli.setExitCodeExceptionMapper(e -> e instanceof UnreachableException ? UNREACHABLE : USAGE);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof SettingsException || e instanceof UnreachableException || e instanceof UsageException) {
                commandLine.getErr().println("sniper: " + e.getMessage());
                return e instanceof UnreachableException ? UNREACHABLE : USAGE;
            }
            throw e;
        });
        cli.setParameterExceptionHandler((e, args2) -> {
            // One line, like every other error; the usage is one --help away.
            String command = e.getCommandLine().getCommandSpec().qualifiedName();
            e.getCommandLine().getErr().println("sniper: " + e.getMessage() + " (see: " + command + " --help)");
            return USAGE;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(System.out);
        return USAGE;
    }

    /** A command's options or settings do not fit it: exit code 2, one line. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    /** Redis is configured but did not answer: exit code 3. */
    static final class UnreachableException extends RuntimeException {
        UnreachableException(String message) {
            super(message);
        }
    }
}
