package io.ultrasignals.sniper.instrument;

import io.ultrasignals.sniper.config.MisconfigurationPolicy;
import java.io.PrintStream;

/**
 * Applies {@code sniper_agent.on_misconfiguration}: says what is wrong in one line on stderr, then stops the JVM
 * with exit code {@value #EXIT_CODE} ({@code exit}) or turns the agent off ({@code disable}). A problem found when a
 * class loads after start-up is handled the same way: the class is not defined before the JVM stops.
 */
final class MisconfigurationHandler {
    static final int EXIT_CODE = 2;
    /** How long shutdown hooks may take before a load-time exit halts the JVM. */
    private static final long HALT_AFTER_MILLIS = 10_000;

    private final MisconfigurationPolicy policy;
    private final PrintStream err;
    private final Runnable disableAgent;
    private boolean deferring;
    private String deferred;

    MisconfigurationHandler(MisconfigurationPolicy policy, PrintStream err, Runnable disableAgent) {
        this.policy = policy;
        this.err = err;
        this.disableAgent = disableAgent;
    }

    MisconfigurationPolicy policy() {
        return policy;
    }

    /**
     * From now until {@link #stopDeferring()}, problems are only recorded (the first one): while the agent installs
     * itself, a problem must fail the installation, not stop a JVM that is already running (runtime attach).
     */
    synchronized void deferProblems() {
        deferring = true;
        deferred = null;
    }

    /** The first problem recorded since {@link #deferProblems()}, or null; from now on problems are handled. */
    synchronized String stopDeferring() {
        deferring = false;
        return deferred;
    }

    /** Says so and exits, or disables the agent and returns. */
    void handle(String problem) {
        synchronized (this) {
            if (deferring) {
                if (deferred == null) {
                    deferred = problem;
                }
                return;
            }
        }
        if (policy == MisconfigurationPolicy.DISABLE) {
            err.println("sniper-agent: " + problem
                    + "; the agent is disabled and signals are NOT capped (sniper_agent.on_misconfiguration: disable)");
            disableAgent.run();
            return;
        }
        err.println("sniper-agent: " + problem + "; stopping the JVM (sniper_agent.on_misconfiguration: exit)");
        err.flush();
        haltIfShutdownHangs();
        System.exit(EXIT_CODE);
    }

    /**
     * System.exit may be called while a class is being loaded; should a shutdown hook need that class, the JVM
     * would wait forever. This makes sure it stops.
     */
    private static void haltIfShutdownHangs() {
        Thread halt = new Thread(() -> {
            try {
                Thread.sleep(HALT_AFTER_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            Runtime.getRuntime().halt(EXIT_CODE);
        }, "sniper-agent-halt");
        halt.setDaemon(true);
        halt.start();
    }
}
