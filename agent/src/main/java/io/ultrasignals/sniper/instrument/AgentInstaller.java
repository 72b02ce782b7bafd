package io.ultrasignals.sniper.instrument;

import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.SniperGuards;
import io.ultrasignals.sniper.config.InstrumentTarget;
import io.ultrasignals.sniper.config.MisconfigurationPolicy;
import io.ultrasignals.sniper.config.SettingsException;
import io.ultrasignals.sniper.config.SettingsLoader;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.instrument.bridge.SniperBridge;
import java.io.PrintStream;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.pool.TypePool;

/**
 * Starts the javaagent, in this order: options and settings read; the guard started in the background (connecting
 * to Redis must not hold up the application's start: the first instrumented call waits for it instead); every
 * entry checked (the JVM stops here on a misconfiguration, before the application runs, and a guard already started
 * is closed); the bridge gate installed; the class transformer installed.
 */
final class AgentInstaller {
    private static boolean started;

    private AgentInstaller() {
    }

    /**
     * @param attach            runtime attach: problems fail the attach (the JVM already runs) instead of the policy
     * @param injectionProblem  why the bridge could not be injected, or null
     */
    static synchronized void start(String arguments, Instrumentation instrumentation, boolean attach,
                                   String injectionProblem) {
        PrintStream err = System.err;
        if (started) {
            refuse("the agent is already running in this JVM", attach, err);
            return;
        }
        prepareInBackground();
        SniperSettings settings = null;
        CompletableFuture<SniperGuard> guard = null;
        List<TargetPlan> plans;
        try {
            AgentOptions options = AgentOptions.parse(arguments);
            settings = load(options);
            if (injectionProblem != null) {
                throw new Misconfiguration(injectionProblem);
            }
            // Connecting takes longest of the start-up: it overlaps the check of the entries on another core.
            AgentLogging.quiet();
            guard = startGuard(settings);
            plans = plans(settings);
            StartupCheck.check(plans, instrumentation, options.checkAtStart());
        } catch (Misconfiguration e) {
            closeWhenStarted(guard);
            MisconfigurationPolicy policy = settings != null
                    ? settings.agent().onMisconfiguration() : policyFromEnvironment();
            if (attach) {
                refuse(e.getMessage(), true, err);
            }
            new MisconfigurationHandler(policy, err, ProcessGuard::agentDisabled).handle(e.getMessage());
            return;
        }

        SignalGate gate = new SignalGate(guard, plans.size(), err);
        MisconfigurationHandler misconfiguration = new MisconfigurationHandler(
                settings.agent().onMisconfiguration(), err, () -> {
                    gate.disable();
                    ProcessGuard.agentDisabled();
                });
        SniperBridge.install(gate);
        ModuleAccess.use(instrumentation);
        if (!plans.isEmpty()) {
            String problem = installTransformer(plans, gate, misconfiguration, instrumentation, attach);
            if (problem != null) {
                if (attach) {
                    closeWhenStarted(guard);
                    refuse(problem, true, err);
                }
                misconfiguration.handle(problem);
                if (gate.disabled()) {
                    closeWhenStarted(guard);
                    return;
                }
            }
        }
        ProcessGuard.useAgentGuard(guard);
        guard.whenComplete((started, failure) -> {
            if (failure != null) {
                misconfiguration.handle("could not start the guard: " + String.valueOf(failure).replace('\n', ' '));
            }
        });
        CompletableFuture<SniperGuard> running = guard;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (running.isDone() && !running.isCompletedExceptionally()) {
                running.join().close();
            }
        }, "sniper-agent-close"));
        started = true;
    }

    /** A guard started for an agent that then did not attach: it leaves Redis and stops its threads. */
    private static void closeWhenStarted(CompletableFuture<SniperGuard> guard) {
        if (guard != null) {
            guard.thenAccept(SniperGuard::close);
        }
    }

    private static SniperSettings load(AgentOptions options) {
        try {
            SettingsLoader loader = SettingsLoader.withProcessEnvironment();
            return options.config() == null ? loader.loadWithoutFile() : loader.load(options.config());
        } catch (SettingsException e) {
            throw new Misconfiguration(e.getMessage());
        }
    }

    /** Without readable settings, only the environment can say {@code disable}. */
    private static MisconfigurationPolicy policyFromEnvironment() {
        try {
            return SettingsLoader.withProcessEnvironment().loadWithoutFile().agent().onMisconfiguration();
        } catch (SettingsException e) {
            return MisconfigurationPolicy.EXIT;
        }
    }

    private static List<TargetPlan> plans(SniperSettings settings) {
        List<TargetPlan> plans = new ArrayList<>();
        List<InstrumentTarget> targets = settings.agent().instrument();
        for (int i = 0; i < targets.size(); i++) {
            plans.add(TargetPlan.of(i, targets.get(i)));
        }
        return plans;
    }

    /**
     * The type pool and the advice the start-up check and the first transformation use load some 900 of
     * ByteBuddy's classes, as many as reading the settings does; on a machine with more than one core, doing both at
     * once takes a good part of that off the application's start-up. A failure here shows again where it matters.
     */
    private static void prepareInBackground() {
        Thread thread = new Thread(() -> {
            try {
                TypePool.Default.of(ClassFileLocator.ForClassLoader.ofSystemLoader()).describe(Object.class.getName())
                        .resolve().getDeclaredMethods().size();
                Advice.to(SignalAdvice.ForValue.class);
            } catch (RuntimeException | LinkageError ignored) {
                // only a head start
            }
        }, "sniper-agent-prepare");
        thread.setDaemon(true);
        thread.start();
    }

    /** Installs the transformer (retransforming classes already loaded); returns the first problem, or null. */
    private static String installTransformer(List<TargetPlan> plans, SignalGate gate,
                                             MisconfigurationHandler misconfiguration, Instrumentation instrumentation,
                                             boolean attach) {
        SignalTransformer transformer = new SignalTransformer(plans, gate, misconfiguration, instrumentation, System.err);
        misconfiguration.deferProblems();
        instrumentation.addTransformer(transformer, true);
        Class<?>[] loaded = transformer.alreadyLoaded(instrumentation.getAllLoadedClasses()).toArray(new Class<?>[0]);
        try {
            if (loaded.length > 0) {
                instrumentation.retransformClasses(loaded);
            }
        } catch (UnmodifiableClassException | RuntimeException | LinkageError e) {
            misconfiguration.stopDeferring();
            instrumentation.removeTransformer(transformer);
            return "could not instrument the classes already loaded: " + String.valueOf(e).replace('\n', ' ');
        }
        String problem = misconfiguration.stopDeferring();
        if (problem != null && attach) {
            instrumentation.removeTransformer(transformer);
            gate.disable();
            try {
                if (loaded.length > 0) {
                    instrumentation.retransformClasses(loaded); // back to their original code
                }
            } catch (UnmodifiableClassException | RuntimeException | LinkageError ignored) {
                // the gate is disabled: instrumented methods left behind only pass their calls through
            }
        }
        return problem;
    }

    /**
     * The guard with its metrics endpoint. An endpoint that cannot bind (two runners on one host with the
     * same port, say) must not leave a runner uncapped: the guard then runs without it, and says so once.
     */
    private static SniperGuard startWithEndpoint(SniperSettings settings) {
        if (!settings.agent().metrics().enabled()) {
            // Nothing would read the meters: Micrometer and the Prometheus client (some 230 classes) stay unloaded.
            return SniperGuards.start(settings);
        }
        try {
            return SniperGuards.startWithMetrics(settings).guard();
        } catch (IllegalStateException endpointProblem) {
            System.err.println("sniper-agent: " + endpointProblem.getMessage() + "; capping without the metrics endpoint");
            return SniperGuards.start(settings);
        }
    }

    /** Starts the guard in the background: connecting to Redis must not hold up the application's start. */
    private static CompletableFuture<SniperGuard> startGuard(SniperSettings settings) {
        CompletableFuture<SniperGuard> guard = new CompletableFuture<>();
        Thread starter = new Thread(() -> {
            try {
                guard.complete(startWithEndpoint(settings));
            } catch (RuntimeException | Error e) {
                guard.completeExceptionally(e);
            }
        }, "sniper-agent-start");
        starter.setDaemon(true);
        starter.start();
        return guard;
    }

    /**
     * Runtime attach: the JVM keeps running as it was; the attaching tool gets an AgentInitializationException, and
     * the JVM prints its own report of the failed agent after our line.
     */
    private static void refuse(String problem, boolean attach, PrintStream err) {
        String line = "sniper-agent: " + problem + "; not attached";
        if (attach) {
            err.println(line);
            throw new AttachRefused(line);
        }
    }

    /** The reason is the message; a stack trace would only add noise to the runner's stderr. */
    private static final class AttachRefused extends IllegalStateException {
        AttachRefused(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
