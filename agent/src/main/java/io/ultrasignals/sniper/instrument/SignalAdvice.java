package io.ultrasignals.sniper.instrument;

import io.ultrasignals.sniper.instrument.bridge.SniperBridge;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * The code inlined into instrumented methods. Inlined advice is static, keeps no state and references only
 * {@link SniperBridge}, which every class loader sees (it sits in the bootstrap loader). A non-null value from
 * enter skips the body; exit then sets the return value, or tells the gate a call that ran has ended.
 */
final class SignalAdvice {
    private SignalAdvice() {
    }

    /** For methods that return a value. */
    static final class ForValue {
        private ForValue() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static Object enter(@SiteId int site, @Advice.AllArguments Object[] arguments) {
            return SniperBridge.enter(site, arguments);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@SiteId int site, @Advice.Enter Object skipped,
                         @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object returned) {
            if (skipped != null) {
                returned = SniperBridge.resultOf(skipped);
            } else {
                SniperBridge.exit(site);
            }
        }
    }

    /** For void methods: nothing to return when skipped. */
    static final class ForVoid {
        private ForVoid() {
        }

        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
        static Object enter(@SiteId int site, @Advice.AllArguments Object[] arguments) {
            return SniperBridge.enter(site, arguments);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@SiteId int site, @Advice.Enter Object skipped) {
            if (skipped == null) {
                SniperBridge.exit(site);
            }
        }
    }
}
