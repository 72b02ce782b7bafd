package io.ultrasignals.sniper.instrument;

import static net.bytebuddy.matcher.ElementMatchers.declaresMethod;
import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.isMethod;
import static net.bytebuddy.matcher.ElementMatchers.isNative;
import static net.bytebuddy.matcher.ElementMatchers.isSynthetic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;

import io.ultrasignals.sniper.config.InstrumentTarget;
import io.ultrasignals.sniper.config.MatchMode;
import io.ultrasignals.sniper.script.ScopeCap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDefinition;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * One {@code sniper_agent.instrument} entry made ready to match: which classes, which of their methods, and the
 * parsed accessors. Only concrete methods declared in a matching class are instrumented: never constructors,
 * abstract, native, bridge or synthetic methods (a bridge calls the real method, which is instrumented itself).
 * With {@code match: supertype}, static methods are not instrumented, and a method counts only if the named type
 * has a method of that name with as many parameters.
 */
final class TargetPlan {
    private final int index;
    private final InstrumentTarget target;
    private final AccessorPath signalId;
    private final AccessorPath mtfConfirmed;
    /** Dimension → an {@link AccessorPath} read per call, or the constant value as a String. */
    private final Map<String, Object> scopes;

    private TargetPlan(int index, InstrumentTarget target, AccessorPath signalId, AccessorPath mtfConfirmed,
                       Map<String, Object> scopes) {
        this.index = index;
        this.target = target;
        this.signalId = signalId;
        this.mtfConfirmed = mtfConfirmed;
        this.scopes = scopes;
    }

    /** Parses the accessors of {@code sniper_agent.instrument[index]}; a bad one is a {@link Misconfiguration}. */
    static TargetPlan of(int index, InstrumentTarget target) {
        Map<String, Object> scopes = new LinkedHashMap<>();
        target.scopes().forEach((dimension, source) -> {
            if (source.matches("arg\\d+([.(].*)?")) {
                scopes.put(dimension, parse(index, "scopes." + dimension, source));
            } else if (ScopeCap.isValue(source)) {
                scopes.put(dimension, source);
            } else {
                throw new Misconfiguration(key(index, "scopes." + dimension) + ": expected an accessor (arg0.getSymbol())"
                        + " or a value of A-Z a-z 0-9 . _ / : -, 1..64 bytes, got \"" + source + "\"");
            }
        });
        return new TargetPlan(index, target, parse(index, "signal_id", target.signalId()),
                parse(index, "mtf_confirmed", target.mtfConfirmed()), Collections.unmodifiableMap(scopes));
    }

    /** Dimension → an {@link AccessorPath} or a constant value (String), in the order configured. */
    Map<String, Object> scopes() {
        return scopes;
    }

    private static AccessorPath parse(int index, String key, String accessor) {
        if (accessor == null) {
            return null;
        }
        try {
            return AccessorPath.parse(accessor);
        } catch (IllegalArgumentException e) {
            throw new Misconfiguration(key(index, key) + ": " + e.getMessage());
        }
    }

    int index() {
        return index;
    }

    InstrumentTarget target() {
        return target;
    }

    AccessorPath signalId() {
        return signalId;
    }

    AccessorPath mtfConfirmed() {
        return mtfConfirmed;
    }

    /** {@code sniper_agent.instrument[0].signal_id}, for messages. */
    String key(String name) {
        return key(index, name);
    }

    private static String key(int index, String name) {
        return "sniper_agent.instrument[" + index + "]." + name;
    }


    boolean supertype() {
        return target.match() == MatchMode.SUPERTYPE;
    }

    /** The classes this entry instruments. Cheap tests first: most classes declare no method of that name. */
    ElementMatcher<TypeDescription> typeMatcher() {
        if (!supertype()) {
            return named(target.className());
        }
        return not(isInterface())
                .and(declaresMethod(named(target.methodName()).and(not(isAbstract()))))
                .and(hasSuperType(named(target.className())));
    }

    /** The methods of {@code type} this entry instruments (type must match {@link #typeMatcher()}). */
    List<MethodDescription> methodsOf(TypeDescription type) {
        ElementMatcher.Junction<MethodDescription> candidate = isMethod().and(named(target.methodName()))
                .and(not(isAbstract())).and(not(isNative())).and(not(isBridge())).and(not(isSynthetic()));
        List<Integer> arities = supertype() ? namedTypeArities(type) : null;
        List<MethodDescription> methods = new ArrayList<>();
        for (MethodDescription method : type.getDeclaredMethods().filter(candidate)) {
            if (arities == null || (!method.isStatic() && arities.contains(method.getParameters().size()))) {
                methods.add(method);
            }
        }
        return methods;
    }

    /** Parameter counts of the named supertype's methods of the target's name (declared or inherited). */
    private List<Integer> namedTypeArities(TypeDescription type) {
        TypeDefinition named = findSupertype(type, target.className());
        List<Integer> arities = new ArrayList<>();
        if (named != null) {
            for (MethodDescription m : Hierarchy.methodsNamed(named, target.methodName())) {
                arities.add(m.getParameters().size());
            }
        }
        return arities;
    }

    private static TypeDefinition findSupertype(TypeDefinition type, String name) {
        if (type == null) {
            return null;
        }
        if (type.asErasure().getName().equals(name)) {
            return type;
        }
        TypeDefinition found = findSupertype(type.getSuperClass(), name);
        for (TypeDefinition each : type.getInterfaces()) {
            if (found != null) {
                break;
            }
            found = findSupertype(each, name);
        }
        return found;
    }

    @Override
    public String toString() {
        return key("method") + " " + target.method();
    }
}
