package io.ultrasignals.sniper.instrument;

import java.lang.reflect.AccessibleObject;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads one accessor's value from the arguments of a call. The members are looked up by reflection on first use,
 * from the declared parameter type, by the same rules the load-time check used; a null anywhere on the way makes
 * the value null.
 */
final class ArgumentReader {
    private final AccessorPath path;
    private final String parameterType;
    private volatile List<Member> members;

    /** @param parameterType the declared (erased) type of the parameter the path starts from, as Class.getName says it */
    ArgumentReader(AccessorPath path, String parameterType) {
        this.path = path;
        this.parameterType = parameterType;
    }

    AccessorPath path() {
        return path;
    }

    Object read(Object[] arguments, ClassLoader loader) throws ReflectiveOperationException {
        List<Member> resolved = members;
        if (resolved == null) {
            resolved = resolve(loader);
            members = resolved;
        }
        Object value = arguments[path.parameter()];
        for (Member member : resolved) {
            if (value == null) {
                return null;
            }
            try {
                value = member instanceof Field field ? field.get(value) : ((Method) member).invoke(value);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                throw new ReflectiveOperationException(member.getName() + " threw " + cause, cause);
            }
        }
        return value;
    }

    private List<Member> resolve(ClassLoader loader) throws ReflectiveOperationException {
        List<Member> resolved = new ArrayList<>();
        if (path.steps().isEmpty()) {
            return resolved;
        }
        Class<?> type = Class.forName(parameterType, false, loader);
        for (AccessorPath.Step step : path.steps()) {
            Member member = step.method() ? method(type, step.name()) : field(type, step.name());
            resolved.add(member);
            type = member instanceof Field field ? field.getType() : ((Method) member).getReturnType();
        }
        return resolved;
    }

    private static Field field(Class<?> type, String name) throws NoSuchFieldException {
        for (Class<?> each = type; each != null; each = each.getSuperclass()) {
            for (Field field : each.getDeclaredFields()) {
                if (field.getName().equals(name) && !Modifier.isStatic(field.getModifiers())) {
                    return accessible(field);
                }
            }
        }
        throw new NoSuchFieldException(type.getName() + "." + name);
    }

    private static Method method(Class<?> type, String name) throws NoSuchMethodException {
        List<Class<?>> queue = new ArrayList<>();
        queue.add(type);
        for (int i = 0; i < queue.size(); i++) {
            Class<?> each = queue.get(i);
            for (Method method : each.getDeclaredMethods()) {
                if (method.getName().equals(name) && method.getParameterCount() == 0
                        && !Modifier.isStatic(method.getModifiers()) && !method.isBridge()) {
                    return accessible(method);
                }
            }
            if (each.getSuperclass() != null) {
                queue.add(each.getSuperclass());
            }
            queue.addAll(List.of(each.getInterfaces()));
        }
        throw new NoSuchMethodException(type.getName() + "." + name + "()");
    }

    /**
     * Class path classes are open to us; a named module's package is opened by the agent if need be; a JDK member
     * that stays closed must be public in a public class.
     */
    private static <T extends AccessibleObject & Member> T accessible(T member) {
        if (member.trySetAccessible()) {
            return member;
        }
        if (ModuleAccess.open(member.getDeclaringClass()) && member.trySetAccessible()) {
            return member;
        }
        if (!(Modifier.isPublic(member.getModifiers()) && Modifier.isPublic(member.getDeclaringClass().getModifiers()))) {
            throw new IllegalStateException(member + " is not accessible (its module does not open it)");
        }
        return member;
    }

    @Override
    public String toString() {
        return path.text();
    }
}
