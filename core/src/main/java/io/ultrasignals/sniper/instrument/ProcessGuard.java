package io.ultrasignals.sniper.instrument;

import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.SniperGuards;
import io.ultrasignals.sniper.config.SettingsLoader;
import io.ultrasignals.sniper.config.SniperSettings;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * The one guard of this JVM, behind {@link io.ultrasignals.sniper.SniperAgentAccess}: the javaagent's when it is
 * attached; otherwise one started on first use from the settings file named by the system property
 * {@value #CONFIG_PROPERTY} (or from the defaults and the environment), closed when the JVM exits. When the agent
 * was disabled by a misconfiguration, a guard that admits everything (sniper mode off), like the instrumented methods.
 */
public final class ProcessGuard {
    /** Settings file for the guard of a JVM without the javaagent. */
    public static final String CONFIG_PROPERTY = "sniper.config";

    private static volatile CompletableFuture<SniperGuard> agentGuard;
    private static volatile boolean agentDisabled;
    private static SniperGuard ownGuard;

    private ProcessGuard() {
    }

    /** The guard, waiting for the agent's start-up if it is still connecting. */
    public static SniperGuard guard() {
        CompletableFuture<SniperGuard> fromAgent = agentGuard;
        if (fromAgent != null) {
            return fromAgent.join();
        }
        return ownGuard();
    }

    /** True when the javaagent runs in this JVM and is not disabled. */
    public static boolean agentAttached() {
        return agentGuard != null;
    }

    static void useAgentGuard(CompletableFuture<SniperGuard> guard) {
        agentGuard = guard;
        agentDisabled = false;
    }

    static void agentDisabled() {
        agentGuard = null;
        agentDisabled = true;
    }

    private static synchronized SniperGuard ownGuard() {
        if (ownGuard == null) {
            SniperGuard started = SniperGuards.start(agentDisabled ? SniperSettings.defaults() : librarySettings());
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "sniper-guard-close"));
            ownGuard = started;
        }
        return ownGuard;
    }

    private static SniperSettings librarySettings() {
        String file = System.getProperty(CONFIG_PROPERTY);
        SettingsLoader loader = SettingsLoader.withProcessEnvironment();
        return file == null || file.isBlank() ? loader.loadWithoutFile() : loader.load(Path.of(file));
    }
}
