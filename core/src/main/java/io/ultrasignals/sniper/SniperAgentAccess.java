package io.ultrasignals.sniper;

import io.ultrasignals.sniper.instrument.ProcessGuard;

/**
 * For runners that call the API directly: the JVM's one guard.
 *
 * <ul>
 *   <li>With the javaagent attached ({@code -javaagent:sniper-agent.jar=...} or runtime attach): the agent's guard,
 *       the one its instrumented methods use (the first call waits until the agent has started it).</li>
 *   <li>Without it (the application uses the library): a guard started on the first call, from the settings file
 *       named by the system property {@code sniper.config}, or from the defaults and the {@code ULTRA_SIGNALS_*}
 *       environment variables; closed when the JVM exits.</li>
 *   <li>With the agent disabled by {@code on_misconfiguration: disable}: a guard that admits everything.</li>
 * </ul>
 *
 * <pre>{@code
 * if (SniperAgentAccess.guard().acquire(Signal.withId(orderId, mtfOk)).allowed()) { send(order); }
 * }</pre>
 */
public final class SniperAgentAccess {
    private SniperAgentAccess() {
    }

    public static SniperGuard guard() {
        return ProcessGuard.guard();
    }

    /** True when the javaagent runs in this JVM and is not disabled. */
    public static boolean agentAttached() {
        return ProcessGuard.agentAttached();
    }
}
