package io.ultrasignals.sniper.instrument;

import static net.bytebuddy.matcher.ElementMatchers.is;

import io.ultrasignals.sniper.instrument.bridge.SniperBridge;
import java.io.PrintStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.TypeResolutionStrategy;
import net.bytebuddy.dynamic.VisibilityBridgeStrategy;
import net.bytebuddy.dynamic.scaffold.InstrumentedType;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.matcher.LatentMatcher;
import net.bytebuddy.pool.TypePool;

/**
 * Instruments a class as it loads (or is retransformed): every method an entry names gets the advice, after the
 * method is checked against its entry. A method two entries claim, an exact class without the named method, or an
 * accessor that does not resolve is a misconfiguration, handled by the policy before the class is defined.
 *
 * <p>A plain {@link ClassFileTransformer}: the {@link ClassFilter} turns away, on the name and the bytes, every class
 * no entry could name, so ByteBuddy only ever sees candidates (ByteBuddy's agent builder would describe and match
 * each class the JVM loads). A candidate is redefined as the agent builder's {@code disableClassFormatChanges()}
 * does it: no member added or removed, so a loaded class can be retransformed, and the advice inlined.
 */
final class SignalTransformer implements ClassFileTransformer {
    private final List<TargetPlan> plans;
    private final ClassFilter filter;
    private final SignalGate gate;
    private final MisconfigurationHandler misconfiguration;
    private final Instrumentation instrumentation;
    private final PrintStream err;

    SignalTransformer(List<TargetPlan> plans, SignalGate gate, MisconfigurationHandler misconfiguration,
                      Instrumentation instrumentation, PrintStream err) {
        this.plans = List.copyOf(plans);
        this.filter = new ClassFilter(plans);
        this.gate = gate;
        this.misconfiguration = misconfiguration;
        this.instrumentation = instrumentation;
        this.err = err;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String internalName, Class<?> classBeingRedefined,
                            ProtectionDomain protectionDomain, byte[] classFile) {
        if (!filter.candidate(internalName, classFile) || gate.disabled()) {
            return null;
        }
        String typeName = internalName.replace('/', '.');
        try {
            return instrument(module, loader, typeName, classFile);
        } catch (RuntimeException | LinkageError e) {
            // The JVM would drop an exception thrown here silently and define the class unchanged.
            onError(typeName, e);
            return null;
        }
    }

    /** The loaded classes an entry could name (runtime attach): retransformed when the transformer is installed. */
    List<Class<?>> alreadyLoaded(Class<?>[] loaded) {
        List<Class<?>> namedSupertypes = new ArrayList<>();
        for (TargetPlan plan : plans) {
            if (plan.supertype()) {
                for (Class<?> each : loaded) {
                    if (each.getName().equals(plan.target().className())) {
                        namedSupertypes.add(each);
                    }
                }
            }
        }
        List<Class<?>> candidates = new ArrayList<>();
        for (Class<?> each : loaded) {
            if (each.isArray() || each.isPrimitive() || !instrumentation.isModifiableClass(each)) {
                continue;
            }
            boolean candidate = filter.namedExactly(each.getName());
            for (int i = 0; !candidate && i < namedSupertypes.size(); i++) {
                candidate = !each.isInterface() && namedSupertypes.get(i).isAssignableFrom(each);
            }
            if (candidate) {
                candidates.add(each);
            }
        }
        return candidates;
    }

    private byte[] instrument(Module module, ClassLoader loader, String typeName, byte[] classFile) {
        ClassFileLocator locator = new ClassFileLocator.Compound(ClassFileLocator.Simple.of(typeName, classFile),
                ClassFileLocator.ForClassLoader.of(loader));
        TypePool pool = TypePool.Default.of(locator);
        TypeDescription type = pool.describe(typeName).resolve();
        if (type.isSynthetic() || !anyEntryMatches(type)) {
            return null;
        }
        Map<MethodDescription, CallSite> sites;
        try {
            sites = sitesOf(type, loader);
        } catch (Misconfiguration e) {
            misconfiguration.handle(e.getMessage());
            return null;
        }
        if (sites.isEmpty()) {
            return null;
        }
        DynamicType.Builder<?> builder = new ByteBuddy()
                .with(Implementation.Context.Disabled.Factory.INSTANCE)
                .with(InstrumentedType.Factory.Default.FROZEN)
                .with(VisibilityBridgeStrategy.Default.NEVER)
                .redefine(type, locator)
                .ignoreAlso(LatentMatcher.ForSelfDeclaredMethod.NOT_DECLARED);
        for (Map.Entry<MethodDescription, CallSite> each : sites.entrySet()) {
            MethodDescription method = each.getKey();
            Class<?> advice = method.getReturnType().represents(void.class)
                    ? SignalAdvice.ForVoid.class : SignalAdvice.ForValue.class;
            builder = builder.visit(Advice.withCustomMapping()
                    .bind(SiteId.class, gate.register(each.getValue()))
                    .to(advice)
                    .on(is(method)));
        }
        byte[] instrumented = builder.make(TypeResolutionStrategy.Disabled.INSTANCE, pool).getBytes();
        readBridge(module);
        return instrumented;
    }

    private boolean anyEntryMatches(TypeDescription type) {
        for (TargetPlan plan : plans) {
            if (plan.typeMatcher().matches(type)) {
                return true;
            }
        }
        return false;
    }

    /** A runner in a named module must read the bridge's module (the bootstrap loader's unnamed one). */
    private void readBridge(Module module) {
        Module bridge = SniperBridge.class.getModule();
        if (module != null && module.isNamed() && !module.canRead(bridge) && instrumentation.isModifiableModule(module)) {
            instrumentation.redefineModule(module, Set.of(bridge), Map.of(), Map.of(), Set.of(), Map.of());
        }
    }

    /** An error while matching or transforming: one line; a named class left as it was is a misconfiguration. */
    private void onError(String typeName, Throwable throwable) {
        String problem = "could not instrument " + typeName + ": " + String.valueOf(throwable).replace('\n', ' ');
        for (TargetPlan plan : plans) {
            if (plan.target().className().equals(typeName)) {
                misconfiguration.handle(plan.key("method") + ": " + problem);
                return;
            }
        }
        err.println("sniper-agent: " + problem);
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
}
