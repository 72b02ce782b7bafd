package io.ultrasignals.sniper.instrument;

import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.SignalBlockedException;
import io.ultrasignals.sniper.instrument.bridge.SniperBridge;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;

/** What a blocked call does (per sniper_agent.instrument[].on_block): return a value without running the method, or throw. */
abstract class BlockResponse {
    /** The marker that makes the advice skip the method, or throws. */
    abstract Object block(String message, Reason reason, String signalId, ClassLoader loader);

    /** Returns {@code result} from the skipped method; null for a void method. */
    static BlockResponse skip(SkipResult result) {
        return new Skip(result);
    }

    /** Throws {@code exceptionClass} (made with its String constructor), or the agent's own exception when null. */
    static BlockResponse raise(String exceptionClass) {
        return new Raise(exceptionClass);
    }

    private static final class Skip extends BlockResponse {
        private final SkipResult result;

        Skip(SkipResult result) {
            this.result = result;
        }

        @Override
        Object block(String message, Reason reason, String signalId, ClassLoader loader) {
            try {
                return SniperBridge.skipWith(result == null ? null : result.value(loader));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("sniper: cannot load the return type " + e.getMessage(), e);
            }
        }
    }

    private static final class Raise extends BlockResponse {
        private final String exceptionClass;
        private volatile Constructor<?> constructor;

        Raise(String exceptionClass) {
            this.exceptionClass = exceptionClass;
        }

        @Override
        Object block(String message, Reason reason, String signalId, ClassLoader loader) {
            if (exceptionClass == null) {
                throw new SignalBlockedException(message, reason, signalId);
            }
            Throwable exception;
            try {
                exception = (Throwable) constructor(loader).newInstance(message);
            } catch (InvocationTargetException e) {
                exception = e.getCause();
            } catch (ReflectiveOperationException e) {
                // Checked when the class loaded; still, a blocked call must not run, so throw ours.
                throw new SignalBlockedException(message + " (could not make " + exceptionClass + ": " + e + ")",
                        reason, signalId);
            }
            throw BlockResponse.<RuntimeException>sneaky(exception);
        }

        private Constructor<?> constructor(ClassLoader loader) throws ReflectiveOperationException {
            Constructor<?> found = constructor;
            if (found == null) {
                found = Class.forName(exceptionClass, true, loader).getConstructor(String.class);
                constructor = found;
            }
            return found;
        }
    }

    /** Throws a checked exception without declaring it: the instrumented method throws it as configured. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E sneaky(Throwable exception) throws E {
        throw (E) exception;
    }
}
