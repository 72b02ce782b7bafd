package io.ultrasignals.sniper.instrument;

import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.isMethod;
import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.bytebuddy.description.field.FieldDescription;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDefinition;

/**
 * Members of a type and its supertypes, looked up on type descriptions (class files read, nothing loaded), so a
 * class can be checked while it is being loaded, or before.
 */
final class Hierarchy {
    private Hierarchy() {
    }

    /** Methods named {@code name} of the type, its superclasses and interfaces, nearest first. */
    static List<MethodDescription> methodsNamed(TypeDefinition type, String name) {
        List<MethodDescription> found = new ArrayList<>();
        for (TypeDefinition each : typeAndSupertypes(type)) {
            found.addAll(each.getDeclaredMethods().filter(isMethod().and(named(name))));
        }
        return found;
    }

    /** The instance method {@code name()} without parameters, or null. */
    static MethodDescription noArgumentMethod(TypeDefinition type, String name) {
        for (TypeDefinition each : typeAndSupertypes(type)) {
            var methods = each.getDeclaredMethods()
                    .filter(isMethod().and(named(name)).and(takesArguments(0)).and(not(isStatic())).and(not(isBridge())));
            if (!methods.isEmpty()) {
                return methods.getOnly();
            }
        }
        return null;
    }

    /** The instance field {@code name} of the type or a superclass, or null. */
    static FieldDescription field(TypeDefinition type, String name) {
        for (TypeDefinition each = type; each != null; each = each.getSuperClass()) {
            var fields = each.getDeclaredFields().filter(named(name));
            if (!fields.isEmpty() && !fields.getOnly().isStatic()) {
                return fields.getOnly();
            }
        }
        return null;
    }

    private static List<TypeDefinition> typeAndSupertypes(TypeDefinition type) {
        List<TypeDefinition> order = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Deque<TypeDefinition> queue = new ArrayDeque<>();
        queue.add(type);
        while (!queue.isEmpty()) {
            TypeDefinition each = queue.poll();
            if (!seen.add(each.asErasure().getName())) {
                continue;
            }
            order.add(each);
            if (each.getSuperClass() != null) {
                queue.add(each.getSuperClass());
            }
            queue.addAll(each.getInterfaces());
        }
        return order;
    }
}
