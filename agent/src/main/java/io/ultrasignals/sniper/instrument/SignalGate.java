package io.ultrasignals.sniper.instrument;

import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.instrument.bridge.SniperBridge;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Decides the calls of instrumented methods: reads the signal from the arguments, asks the guard, and lets the call
 * run, skips it or throws. Each thread decides only the outermost call per settings entry: an override that calls
 * {@code super.publish(signal)}, both instrumented, is one signal, not two.
 *
 * <p>A call whose signal cannot be read (a getter threw) is blocked, with one line on stderr per method: the agent
 * fails closed rather than let an unreadable signal out uncounted.
 */
final class SignalGate implements SniperBridge.Gate {
    private final CompletableFuture<SniperGuard> guard;
    private final List<CallSite> sites = new CopyOnWriteArrayList<>();
    private final ThreadLocal<int[]> depth;
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private final PrintStream err;
    private volatile boolean disabled;

    /** @param targets how many settings entries there are (sites name them by index) */
    SignalGate(CompletableFuture<SniperGuard> guard, int targets, PrintStream err) {
        this.guard = guard;
        this.depth = ThreadLocal.withInitial(() -> new int[targets]);
        this.err = err;
    }

    /** Adds a site; its number goes into the advice as a constant. */
    synchronized int register(CallSite site) {
        sites.add(site);
        return sites.size() - 1;
    }

    /** From now on every instrumented call runs as if it were not instrumented. */
    void disable() {
        disabled = true;
    }

    boolean disabled() {
        return disabled;
    }

    @Override
    public Object enter(int siteNumber, Object[] arguments) {
        CallSite site = sites.get(siteNumber);
        int[] open = depth.get();
        int target = site.plan().index();
        if (disabled || open[target] > 0) {
            open[target]++;
            return null;
        }
        Object verdict = decide(site, arguments);
        if (verdict == null) {
            open[target]++;
        }
        return verdict;
    }

    @Override
    public void exit(int siteNumber) {
        int[] open = depth.get();
        int target = sites.get(siteNumber).plan().index();
        if (open[target] > 0) {
            open[target]--;
        }
    }

    /** null to let the call run; otherwise what the advice needs to skip it (or this throws). */
    private Object decide(CallSite site, Object[] arguments) {
        Signal signal;
        try {
            signal = site.signal(arguments);
        } catch (ReflectiveOperationException | RuntimeException e) {
            reportOnce(site, "cannot read the signal of " + site.method() + ": " + e.getMessage() + "; blocking its calls");
            return site.block(null, null, "an unreadable signal (" + e.getMessage() + ")");
        }
        Decision decision;
        try {
            decision = guard.join().acquire(signal);
        } catch (RuntimeException e) {
            if (disabled) {
                return null;
            }
            reportOnce(site, "the guard failed on " + site.method() + ": " + e + "; blocking its calls");
            return site.block(signal.id(), null, "a guard failure (" + e + ")");
        }
        if (decision.allowed()) {
            return null;
        }
        return site.block(signal.id(), decision.reason(), decision.reason().name());
    }

    private void reportOnce(CallSite site, String line) {
        if (reported.add(site.method())) {
            err.println("sniper-agent: " + line.replace('\n', ' '));
        }
    }
}
