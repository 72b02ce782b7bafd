package io.ultrasignals.sniper.instrument;

import java.lang.instrument.Instrumentation;
import java.util.Map;
import java.util.Set;

/**
 * Opens a runner's package to the agent when its classes live in a named module that does not open it, so accessors
 * can read private fields and methods there too, as they can on the class path.
 */
final class ModuleAccess {
    private static volatile Instrumentation instrumentation;

    private ModuleAccess() {
    }

    static void use(Instrumentation instrumentation) {
        ModuleAccess.instrumentation = instrumentation;
    }

    /** Opens the package of {@code type} to the agent's module; false when that is not possible (no agent). */
    static boolean open(Class<?> type) {
        Instrumentation current = instrumentation;
        Module module = type.getModule();
        if (current == null || !module.isNamed() || !current.isModifiableModule(module)) {
            return false;
        }
        current.redefineModule(module, Set.of(), Map.of(), Map.of(type.getPackageName(), Set.of(ModuleAccess.class.getModule())),
                Set.of(), Map.of());
        return true;
    }
}
