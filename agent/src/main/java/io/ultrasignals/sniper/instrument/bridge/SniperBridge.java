package io.ultrasignals.sniper.instrument.bridge;

/**
 * What instrumented methods call. The javaagent injects this class (and {@link Gate}) into the bootstrap class
 * loader, so every class loader sees the same copy: inlined advice may only use classes visible to the instrumented
 * class. It therefore uses nothing but the JDK; the agent installs the {@link Gate} that does the work.
 *
 * <p>Never load this class through another class loader before the agent has injected it.
 */
public final class SniperBridge {
    /** Stands for a {@code null} result of a skipped method (a skipped call needs a non-null marker). */
    private static final Object NULL_RESULT = new Object();

    private static volatile Gate gate;

    private SniperBridge() {
    }

    /** The agent's side: decides the calls of instrumented methods. */
    public interface Gate {
        /**
         * Before an instrumented method runs. Returns null to run it; anything else skips its body, and
         * {@link SniperBridge#resultOf} of that value is what it returns. May throw the configured exception.
         */
        Object enter(int site, Object[] arguments);

        /** After an instrumented method that {@link #enter} let run has returned or thrown. */
        void exit(int site);
    }

    /** Installs the agent's gate (replacing the one of an attach that failed half-way). */
    public static void install(Gate newGate) {
        gate = newGate;
    }

    /** The marker a gate returns to skip a method whose result is {@code result} (which may be null). */
    public static Object skipWith(Object result) {
        return result == null ? NULL_RESULT : result;
    }

    public static Object enter(int site, Object[] arguments) {
        Gate current = gate;
        return current == null ? null : current.enter(site, arguments);
    }

    public static void exit(int site) {
        Gate current = gate;
        if (current != null) {
            current.exit(site);
        }
    }

    /** The value a skipped method returns, from the marker its {@link #enter} returned. */
    public static Object resultOf(Object skipped) {
        return skipped == NULL_RESULT ? null : skipped;
    }
}
