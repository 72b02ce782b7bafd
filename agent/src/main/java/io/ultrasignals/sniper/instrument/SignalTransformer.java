package io.ultrasignals.sniper.instrument;

import static net.bytebuddy.matcher.ElementMatchers.is;

import java.io.PrintStream;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.matcher.ElementMatchers;
import net.bytebuddy.pool.TypePool;
import net.bytebuddy.utility.JavaModule;

/**
 * Instruments a class as it loads (or is retransformed): every method an entry names gets the advice, after the
 * method is checked against its entry. A method two entries claim, an exact class without the named method, or an
 * accessor that does not resolve is a misconfiguration, handled by the policy before the class is defined.
 */
final class SignalTransformer implements AgentBuilder.Transformer {
    private final List<TargetPlan> plans;
    private final SignalGate gate;
    private final MisconfigurationHandler misconfiguration;

    SignalTransformer(List<TargetPlan> plans, SignalGate gate, MisconfigurationHandler misconfiguration) {
        this.plans = List.copyOf(plans);
        this.gate = gate;
        this.misconfiguration = misconfiguration;
    }

    /** Every class some entry names. */
    ElementMatcher<TypeDescription> typeMatcher() {
        ElementMatcher.Junction<TypeDescription> any = ElementMatchers.none();
        for (TargetPlan plan : plans) {
            any = any.or(plan.typeMatcher());
        }
        return any;
    }

    @Override
    public DynamicType.Builder<?> transform(DynamicType.Builder<?> builder, TypeDescription type, ClassLoader loader,
                                            JavaModule module, ProtectionDomain protectionDomain) {
        if (gate.disabled()) {
            return builder;
        }
        Map<MethodDescription, CallSite> sites;
        try {
            sites = sitesOf(type, loader);
        } catch (Misconfiguration e) {
            misconfiguration.handle(e.getMessage());
            return builder;
        }
        for (Map.Entry<MethodDescription, CallSite> each : sites.entrySet()) {
            MethodDescription method = each.getKey();
            Class<?> advice = method.getReturnType().represents(void.class)
                    ? SignalAdvice.ForVoid.class : SignalAdvice.ForValue.class;
            builder = builder.visit(Advice.withCustomMapping()
                    .bind(SiteId.class, gate.register(each.getValue()))
                    .to(advice)
                    .on(is(method)));
        }
        return builder;
    }

    /** Checks every method of {@code type} that an entry names; registers nothing until all are fine. */
    private Map<MethodDescription, CallSite> sitesOf(TypeDescription type, ClassLoader loader) {
        Map<MethodDescription, CallSite> sites = new LinkedHashMap<>();
        Map<MethodDescription, TargetPlan> claimedBy = new LinkedHashMap<>();
        TypePool pool = TypePool.Default.of(ClassFileLocator.ForClassLoader.of(loader));
        for (TargetPlan plan : plans) {
            if (!plan.typeMatcher().matches(type)) {
                continue;
            }
            List<MethodDescription> methods = plan.methodsOf(type);
            if (methods.isEmpty() && !plan.supertype()) {
                throw new Misconfiguration(noMethod(plan, type.getName()));
            }
            for (MethodDescription method : methods) {
                TargetPlan earlier = claimedBy.putIfAbsent(method, plan);
                if (earlier != null) {
                    throw new Misconfiguration(plan.key("method") + ": " + SiteCompiler.label(method)
                            + " is also matched by " + earlier.key("method") + " (" + earlier.target().method()
                            + "); a call would count twice");
                }
                sites.put(method, SiteCompiler.compile(plan, method, loader, pool));
            }
        }
        return sites;
    }

    static String noMethod(TargetPlan plan, String className) {
        return plan.key("method") + ": " + className + " has no method " + plan.target().methodName()
                + " that can be instrumented (a concrete method; never a constructor, abstract, native or bridge method)";
    }

    /** Errors ByteBuddy met while matching or transforming: one line each; a named class left as it was is a misconfiguration. */
    static final class Listener extends AgentBuilder.Listener.Adapter {
        private final List<TargetPlan> plans;
        private final MisconfigurationHandler misconfiguration;
        private final PrintStream err;

        Listener(List<TargetPlan> plans, MisconfigurationHandler misconfiguration, PrintStream err) {
            this.plans = new ArrayList<>(plans);
            this.misconfiguration = misconfiguration;
            this.err = err;
        }

        @Override
        public void onError(String typeName, ClassLoader classLoader, JavaModule module, boolean loaded,
                            Throwable throwable) {
            String problem = "could not instrument " + typeName + ": " + String.valueOf(throwable).replace('\n', ' ');
            for (TargetPlan plan : plans) {
                if (plan.target().className().equals(typeName)) {
                    misconfiguration.handle(plan.key("method") + ": " + problem);
                    return;
                }
            }
            err.println("sniper-agent: " + problem);
        }
    }
}
