package io.ultrasignals.sniper.instrument;

import java.lang.instrument.Instrumentation;

/**
 * The javaagent's entry points ({@code Premain-Class} and {@code Agent-Class} of sniper-agent.jar).
 *
 * <pre>
 * java -javaagent:sniper-agent.jar=config=/etc/runner/settings.yaml -jar runner.jar
 * </pre>
 * Options: see {@link AgentOptions} and docs/agent.md.
 */
public final class SniperAgent {
    private SniperAgent() {
    }

    /** {@code -javaagent:}: runs before the application's main method. */
    public static void premain(String arguments, Instrumentation instrumentation) {
        // The bridge goes into the bootstrap loader before any class that mentions it is loaded.
        String injectionProblem = BridgeInjector.inject(instrumentation);
        AgentInstaller.start(arguments, instrumentation, false, injectionProblem);
    }

    /** Runtime attach to a running JVM; on a problem the attach fails and the JVM runs on unchanged. */
    public static void agentmain(String arguments, Instrumentation instrumentation) {
        String injectionProblem = BridgeInjector.inject(instrumentation);
        AgentInstaller.start(arguments, instrumentation, true, injectionProblem);
    }
}
