package io.ultrasignals.sniper.instrument;

import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.pool.TypePool;

/**
 * Checks every entry before the application runs, on class files (nothing is loaded): the named class exists, has
 * the named method, and the accessors, return value and exception fit it. Classes are looked for among the loaded
 * ones (runtime attach) and on the class path. One not found is a misconfiguration with {@code check=start}; with
 * {@code check=load} it is checked when it loads.
 */
final class StartupCheck {
    private StartupCheck() {
    }

    /** @throws Misconfiguration for the first entry that does not fit */
    static void check(List<TargetPlan> plans, Instrumentation instrumentation, boolean classesMustExist) {
        for (TargetPlan plan : plans) {
            String className = plan.target().className();
            Set<ClassLoader> loaders = loadersOf(className, instrumentation);
            if (loaders.isEmpty() && classesMustExist) {
                throw new Misconfiguration(plan.key("method") + ": class " + className + " not found on the class path"
                        + " (for a class another class loader loads later, use the agent option check=load)");
            }
            for (ClassLoader loader : loaders) {
                checkIn(plan, loader);
            }
        }
    }

    private static void checkIn(TargetPlan plan, ClassLoader loader) {
        String className = plan.target().className();
        TypePool pool = TypePool.Default.of(ClassFileLocator.ForClassLoader.of(loader));
        try {
            TypeDescription type = pool.describe(className).resolve();
            List<MethodDescription> methods = plan.supertype()
                    ? instanceMethods(Hierarchy.methodsNamed(type, plan.target().methodName()))
                    : plan.methodsOf(type);
            if (methods.isEmpty()) {
                throw new Misconfiguration(plan.supertype()
                        ? plan.key("method") + ": " + className + " has no instance method " + plan.target().methodName()
                        : SignalTransformer.noMethod(plan, className));
            }
            for (MethodDescription method : methods) {
                SiteCompiler.compile(plan, method, loader, pool);
            }
        } catch (IllegalStateException e) {
            // A class file the pool cannot read, or a supertype it cannot find.
            throw new Misconfiguration(plan.key("method") + ": cannot read " + className + ": " + e.getMessage());
        }
    }

    private static List<MethodDescription> instanceMethods(List<MethodDescription> methods) {
        List<MethodDescription> instance = new ArrayList<>();
        for (MethodDescription method : methods) {
            if (!method.isStatic()) {
                instance.add(method);
            }
        }
        return instance;
    }

    /** The loaders that have loaded the class, and the system loader if its class path has it. */
    private static Set<ClassLoader> loadersOf(String className, Instrumentation instrumentation) {
        Set<ClassLoader> loaders = new LinkedHashSet<>();
        for (Class<?> loaded : instrumentation.getAllLoadedClasses()) {
            if (loaded.getName().equals(className) && loaded.getClassLoader() != null) {
                loaders.add(loaded.getClassLoader());
            }
        }
        ClassLoader system = ClassLoader.getSystemClassLoader();
        if (system.getResource(className.replace('.', '/') + ".class") != null) {
            loaders.add(system);
        }
        return loaders;
    }
}
