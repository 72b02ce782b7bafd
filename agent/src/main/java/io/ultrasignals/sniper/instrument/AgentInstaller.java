package io.ultrasignals.sniper.instrument;

import static net.bytebuddy.matcher.ElementMatchers.isSynthetic;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;

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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.agent.builder.ResettableClassFileTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.pool.TypePool;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Starts the javaagent, in this order: options, settings and every entry checked (the JVM stops here on a
 * misconfiguration, before the application runs); the bridge gate installed; the class transformer installed;
 * the guard started in the background (connecting to Redis must not hold up the application's start: the first
 * instrumented call waits for it instead).
 */
final class AgentInstaller {
    /** The agent's own classes and everything it bundles (relocated under it), ByteBuddy, and the JDK. */
    private static final ElementMatcher.Junction<TypeDescription> NEVER_INSTRUMENTED =
            nameStartsWith("io.ultrasignals.sniper.").or(nameStartsWith("net.bytebuddy."))
                    .or(nameStartsWith("java.")).or(nameStartsWith("javax.")).or(nameStartsWith("jdk."))
                    .or(nameStartsWith("sun.")).or(nameStartsWith("com.sun.")).or(isSynthetic());

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
        FutureTask<AgentBuilder> builder = prepareInBackground();
        SniperSettings settings = null;
        List<TargetPlan> plans;
        try {
            AgentOptions options = AgentOptions.parse(arguments);
            settings = load(options);
            if (injectionProblem != null) {
                throw new Misconfiguration(injectionProblem);
            }
            plans = plans(settings);
            StartupCheck.check(plans, instrumentation, options.checkAtStart());
        } catch (Misconfiguration e) {
            MisconfigurationPolicy policy = settings != null
                    ? settings.agent().onMisconfiguration() : policyFromEnvironment();
            if (attach) {
                refuse(e.getMessage(), true, err);
            }
            new MisconfigurationHandler(policy, err, ProcessGuard::agentDisabled).handle(e.getMessage());
            return;
        }

        CompletableFuture<SniperGuard> guard = new CompletableFuture<>();
        SignalGate gate = new SignalGate(guard, plans.size(), err);
        MisconfigurationHandler misconfiguration = new MisconfigurationHandler(
                settings.agent().onMisconfiguration(), err, () -> {
                    gate.disable();
                    ProcessGuard.agentDisabled();
                });
        SniperBridge.install(gate);
        ModuleAccess.use(instrumentation);
        if (!plans.isEmpty()) {
            String problem = installTransformer(join(builder), plans, gate, misconfiguration, instrumentation, attach);
            if (problem != null) {
                if (attach) {
                    refuse(problem, true, err);
                }
                misconfiguration.handle(problem);
                if (gate.disabled()) {
                    return;
                }
            }
        }
        ProcessGuard.useAgentGuard(guard);
        AgentLogging.quiet();
        startGuard(settings, guard, misconfiguration);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (guard.isDone() && !guard.isCompletedExceptionally()) {
                guard.join().close();
            }
        }, "sniper-agent-close"));
        started = true;
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
     * ByteBuddy's agent builder loads about a thousand classes, as many as reading the settings does; on a machine
     * with more than one core, doing both at once takes a good part of that off the application's start-up.
     */
    private static FutureTask<AgentBuilder> prepareInBackground() {
        FutureTask<AgentBuilder> task = new FutureTask<>(() -> {
            // Touch the type pool and the advice too: the start-up check and the first transformation use them.
            TypePool.Default.of(ClassFileLocator.ForClassLoader.ofSystemLoader()).describe(Object.class.getName())
                    .resolve().getDeclaredMethods().size();
            Advice.to(SignalAdvice.ForValue.class);
            return new AgentBuilder.Default()
                    .disableClassFormatChanges()
                    .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                    .with(AgentBuilder.RedefinitionStrategy.Listener.ErrorEscalating.FAIL_FAST)
                    .ignore(NEVER_INSTRUMENTED);
        });
        Thread thread = new Thread(task, "sniper-agent-prepare");
        thread.setDaemon(true);
        thread.start();
        return task;
    }

    private static AgentBuilder join(FutureTask<AgentBuilder> builder) {
        try {
            return builder.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while preparing the class transformer", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not prepare the class transformer: " + e.getCause(), e.getCause());
        }
    }

    /** Installs the transformer (retransforming classes already loaded); returns the first problem, or null. */
    private static String installTransformer(AgentBuilder builder, List<TargetPlan> plans, SignalGate gate,
                                             MisconfigurationHandler misconfiguration, Instrumentation instrumentation,
                                             boolean attach) {
        SignalTransformer transformer = new SignalTransformer(plans, gate, misconfiguration);
        misconfiguration.deferProblems();
        ResettableClassFileTransformer installed;
        try {
            installed = builder
                    // A runner in a named module must read the bridge's (the bootstrap loader's unnamed) module.
                    .assureReadEdgeTo(instrumentation, SniperBridge.class)
                    .with(new SignalTransformer.Listener(plans, misconfiguration, System.err))
                    .type(transformer.typeMatcher())
                    .transform(transformer)
                    .installOn(instrumentation);
        } catch (RuntimeException e) {
            misconfiguration.stopDeferring();
            return "could not instrument the classes already loaded: " + String.valueOf(e).replace('\n', ' ');
        }
        String problem = misconfiguration.stopDeferring();
        if (problem != null && attach) {
            installed.reset(instrumentation, AgentBuilder.RedefinitionStrategy.RETRANSFORMATION);
            gate.disable();
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

    private static void startGuard(SniperSettings settings, CompletableFuture<SniperGuard> guard,
                                   MisconfigurationHandler misconfiguration) {
        Thread starter = new Thread(() -> {
            try {
                guard.complete(startWithEndpoint(settings));
            } catch (RuntimeException | Error e) {
                guard.completeExceptionally(e);
                misconfiguration.handle("could not start the guard: " + String.valueOf(e).replace('\n', ' '));
            }
        }, "sniper-agent-start");
        starter.setDaemon(true);
        starter.start();
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
