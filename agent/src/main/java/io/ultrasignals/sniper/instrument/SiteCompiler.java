package io.ultrasignals.sniper.instrument;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.ultrasignals.sniper.config.BlockAction;
import io.ultrasignals.sniper.config.InstrumentTarget;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import net.bytebuddy.description.field.FieldDescription;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.ParameterDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.pool.TypePool;

/**
 * Checks one method against its settings entry and makes its {@link CallSite}: the accessors resolve on the
 * method's parameters, the MTF accessor yields a boolean, {@code return_value} converts to the return type, the
 * exception class exists with a public String constructor. Works on class files, before or while the class loads.
 */
final class SiteCompiler {
    private SiteCompiler() {
    }

    /**
     * @param loader the class loader of the method's class (for the runtime look-ups)
     * @param pool   finds the exception class as that loader would
     * @throws Misconfiguration naming the entry, the method and what does not fit
     */
    static CallSite compile(TargetPlan plan, MethodDescription method, ClassLoader loader, TypePool pool) {
        String label = label(method);
        InstrumentTarget target = plan.target();
        ArgumentReader signalId = reader(plan, "signal_id", plan.signalId(), method);
        ArgumentReader mtf = reader(plan, "mtf_confirmed", plan.mtfConfirmed(), method);
        if (mtf != null) {
            String type = staticType(plan, "mtf_confirmed", plan.mtfConfirmed(), method).getName();
            if (!type.equals("boolean") && !type.equals("java.lang.Boolean")) {
                throw problem(plan, "mtf_confirmed", method, plan.mtfConfirmed() + " is " + type
                        + ", expected boolean or java.lang.Boolean");
            }
        }
        Map<String, Object> scopes = new LinkedHashMap<>();
        plan.scopes().forEach((dimension, source) -> scopes.put(dimension, source instanceof AccessorPath path
                ? reader(plan, "scopes." + dimension, path, method) : source));
        BlockResponse onBlock;
        if (target.onBlock() == BlockAction.THROW) {
            checkException(plan, method, pool);
            onBlock = BlockResponse.raise(target.exception());
        } else {
            TypeDescription returnType = method.getReturnType().asErasure();
            if (returnType.represents(void.class)) {
                if (target.returnValue() != null) {
                    throw problem(plan, "return_value", method, "is set, but the method returns void");
                }
                onBlock = BlockResponse.skip(null);
            } else {
                try {
                    onBlock = BlockResponse.skip(SkipResult.of(target.returnValue(), returnType));
                } catch (IllegalArgumentException e) {
                    throw problem(plan, "return_value", method, e.getMessage());
                }
            }
        }
        return new CallSite(plan, label, signalId, mtf, scopes, onBlock, loader);
    }

    /** {@code sniper_agent.instrument[0].signal_id: <problem>, in com.acme.Runner#publish(com.acme.Signal)} */
    private static Misconfiguration problem(TargetPlan plan, String key, MethodDescription method, String problem) {
        return new Misconfiguration(plan.key(key) + ": " + problem + ", in " + label(method));
    }

    /** {@code com.acme.Runner#publish(com.acme.Signal)} */
    static String label(MethodDescription method) {
        StringJoiner parameters = new StringJoiner(", ", "(", ")");
        for (ParameterDescription parameter : method.getParameters()) {
            parameters.add(parameter.getType().asErasure().getName());
        }
        return method.getDeclaringType().asErasure().getName() + "#" + method.getName() + parameters;
    }

    private static ArgumentReader reader(TargetPlan plan, String key, AccessorPath path, MethodDescription method) {
        if (path == null) {
            return null;
        }
        staticType(plan, key, path, method);
        return new ArgumentReader(path, method.getParameters().get(path.parameter()).getType().asErasure().getName());
    }

    /** The declared type of the accessor's value, or a misconfiguration saying where the path breaks. */
    private static TypeDescription staticType(TargetPlan plan, String key, AccessorPath path, MethodDescription method) {
        int count = method.getParameters().size();
        if (path.parameter() >= count) {
            throw problem(plan, key, method, path + ": the method has " + count
                    + (count == 1 ? " parameter" : " parameters") + ", so there is no arg" + path.parameter());
        }
        TypeDescription type = method.getParameters().get(path.parameter()).getType().asErasure();
        StringBuilder at = new StringBuilder("arg").append(path.parameter());
        for (AccessorPath.Step step : path.steps()) {
            if (type.isPrimitive() || type.isArray()) {
                throw problem(plan, key, method, path + ": " + at + " is " + type.getName()
                        + ", which has no " + (step.method() ? "method " : "field ") + step);
            }
            if (step.method()) {
                MethodDescription found = Hierarchy.noArgumentMethod(type, step.name());
                if (found == null) {
                    throw problem(plan, key, method, path + ": " + type.getName()
                            + " has no method " + step + " (an instance method without parameters)");
                }
                type = found.getReturnType().asErasure();
                if (type.represents(void.class)) {
                    throw problem(plan, key, method, path + ": " + step + " returns void");
                }
            } else {
                FieldDescription found = Hierarchy.field(type, step.name());
                if (found == null) {
                    throw problem(plan, key, method, path + ": " + type.getName() + " has no field "
                            + step.name() + (Hierarchy.noArgumentMethod(type, step.name()) != null
                            ? " (for its method write " + step.name() + "())" : ""));
                }
                type = found.getType().asErasure();
            }
            at.append('.').append(step);
        }
        return type;
    }

    private static void checkException(TargetPlan plan, MethodDescription method, TypePool pool) {
        String exceptionClass = plan.target().exception();
        if (exceptionClass == null) {
            return;
        }
        TypePool.Resolution resolution = pool.describe(exceptionClass);
        if (!resolution.isResolved()) {
            throw problem(plan, "exception", method, "class " + exceptionClass
                    + " not found by the class loader of the instrumented class");
        }
        TypeDescription type = resolution.resolve();
        if (!type.isAssignableTo(Throwable.class) || type.isAbstract()) {
            throw problem(plan, "exception", method, exceptionClass + " is not a concrete Throwable");
        }
        if (type.getDeclaredMethods().filter(isConstructor().and(isPublic()).and(takesArguments(String.class))).isEmpty()) {
            throw problem(plan, "exception", method, exceptionClass
                    + " has no public constructor taking a String (the message)");
        }
    }
}
