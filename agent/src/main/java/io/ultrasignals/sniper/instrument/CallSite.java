package io.ultrasignals.sniper.instrument;

import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.Signal;
import java.lang.ref.WeakReference;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One instrumented method, checked: how to read its signal from the arguments and what to do when it is blocked.
 * The class loader is held weakly so that instrumenting a class never keeps its loader alive.
 */
final class CallSite {
    private final TargetPlan plan;
    private final String method;
    private final ArgumentReader signalId;
    private final ArgumentReader mtfConfirmed;
    /** Dimension → an {@link ArgumentReader}, or the constant value as a String. */
    private final Map<String, Object> scopes;
    private final BlockResponse onBlock;
    private final WeakReference<ClassLoader> loader;

    /**
     * @param method       {@code com.acme.Runner#publish(com.acme.Signal)}, for messages
     * @param signalId     reads the id, or null when the signal has none
     * @param mtfConfirmed reads the MTF flag, or null when signals count as not confirmed
     * @param scopes       dimension → an {@link ArgumentReader} or a constant value (String); empty for none
     */
    CallSite(TargetPlan plan, String method, ArgumentReader signalId, ArgumentReader mtfConfirmed,
             Map<String, Object> scopes, BlockResponse onBlock, ClassLoader loader) {
        this.plan = plan;
        this.method = method;
        this.signalId = signalId;
        this.mtfConfirmed = mtfConfirmed;
        this.scopes = scopes;
        this.onBlock = onBlock;
        this.loader = new WeakReference<>(loader);
    }

    TargetPlan plan() {
        return plan;
    }

    String method() {
        return method;
    }

    /** The signal this call emits; fails when an accessor cannot be read (a getter threw, say). */
    Signal signal(Object[] arguments) throws ReflectiveOperationException {
        String id = null;
        if (signalId != null) {
            Object value = signalId.read(arguments, loader.get());
            id = value == null ? null : value.toString();
        }
        boolean mtf = false;
        if (mtfConfirmed != null) {
            mtf = Boolean.TRUE.equals(mtfConfirmed.read(arguments, loader.get()));
        }
        if (scopes.isEmpty()) {
            return new Signal(id, mtf);
        }
        // A null read leaves its dimension out: the signal is decided by its other layers.
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, Object> scope : scopes.entrySet()) {
            Object value = scope.getValue() instanceof ArgumentReader reader ? reader.read(arguments, loader.get()) : scope.getValue();
            if (value != null) {
                values.put(scope.getKey(), value.toString());
            }
        }
        return new Signal(id, mtf, values);
    }

    /** Skips or throws for a blocked signal; {@code why} names the reason (or what went wrong). */
    Object block(String signalIdOrNull, Reason reason, String why) {
        String message = "sniper: signal " + (signalIdOrNull == null ? "" : signalIdOrNull + " ") + "blocked by " + why
                + " at " + plan.target().method();
        return onBlock.block(message, reason, signalIdOrNull, loader.get());
    }

    @Override
    public String toString() {
        return method;
    }
}
