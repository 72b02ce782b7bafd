package io.ultrasignals.sniper.instrument;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which loading classes could be instrumented at all, decided on the class's name and bytes with the JDK alone, so
 * the thousands of classes a runner loads never reach ByteBuddy (its type descriptions and matchers cost classes,
 * memory and CPU for each). An exact entry names its class; a {@code match: supertype} entry needs a class that
 * declares a method of the entry's name, so that name must be in the class file's constant pool. A candidate is then
 * matched in full by {@link TargetPlan#typeMatcher()}.
 */
final class ClassFilter {
    /** The JDK, the agent itself with everything it bundles (relocated under it), and ByteBuddy. */
    private static final String[] NEVER_INSTRUMENTED = {
            "java/", "javax/", "jdk/", "sun/", "com/sun/", "io/ultrasignals/sniper/", "net/bytebuddy/"};

    private static final int UTF8 = 1;

    private final Set<String> exactNames = new HashSet<>();
    private final List<byte[]> declaredMethodNames = new ArrayList<>();

    ClassFilter(List<TargetPlan> plans) {
        for (TargetPlan plan : plans) {
            if (plan.supertype()) {
                declaredMethodNames.add(plan.target().methodName().getBytes(StandardCharsets.UTF_8));
            } else {
                exactNames.add(plan.target().className().replace('.', '/'));
            }
        }
    }

    /** @param internalName the JVM's form, {@code com/acme/Runner} */
    boolean candidate(String internalName, byte[] classFile) {
        if (internalName == null || neverInstrumented(internalName)) {
            return false;
        }
        return exactNames.contains(internalName)
                || (!declaredMethodNames.isEmpty() && mentionsAny(classFile, declaredMethodNames));
    }

    /** A loaded class whose name an exact entry names (for the classes already loaded when the agent starts). */
    boolean namedExactly(String binaryName) {
        return exactNames.contains(binaryName.replace('.', '/'));
    }

    boolean hasSupertypeEntries() {
        return !declaredMethodNames.isEmpty();
    }

    private static boolean neverInstrumented(String internalName) {
        for (String prefix : NEVER_INSTRUMENTED) {
            if (internalName.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /**
     * True if a UTF-8 entry of the class file's constant pool equals one of {@code names} (or the file cannot be
     * read this way: then ByteBuddy decides). Names in the constant pool are modified UTF-8, which for Java
     * identifiers without NUL or supplementary characters is the same bytes as UTF-8.
     */
    static boolean mentionsAny(byte[] classFile, List<byte[]> names) {
        try {
            int count = u2(classFile, 8);
            int at = 10;
            for (int index = 1; index < count; index++) {
                int tag = classFile[at] & 0xff;
                switch (tag) {
                    case UTF8 -> {
                        int length = u2(classFile, at + 1);
                        for (byte[] name : names) {
                            if (name.length == length && sameBytes(classFile, at + 3, name)) {
                                return true;
                            }
                        }
                        at += 3 + length;
                    }
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> at += 5;   // int, float, refs, name-and-type, dynamic
                    case 5, 6 -> {                                // long, double: two slots
                        at += 9;
                        index++;
                    }
                    case 7, 8, 16, 19, 20 -> at += 3;             // class, string, method type, module, package
                    case 15 -> at += 4;                           // method handle
                    default -> {
                        return true;
                    }
                }
            }
            return false;
        } catch (ArrayIndexOutOfBoundsException truncated) {
            return true;
        }
    }

    private static int u2(byte[] bytes, int at) {
        return ((bytes[at] & 0xff) << 8) | (bytes[at + 1] & 0xff);
    }

    private static boolean sameBytes(byte[] bytes, int at, byte[] name) {
        for (int i = 0; i < name.length; i++) {
            if (bytes[at + i] != name[i]) {
                return false;
            }
        }
        return true;
    }
}
