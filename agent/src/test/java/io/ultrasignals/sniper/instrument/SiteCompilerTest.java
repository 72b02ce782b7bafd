package io.ultrasignals.sniper.instrument;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SignalBlockedException;
import io.ultrasignals.sniper.config.BlockAction;
import io.ultrasignals.sniper.config.InstrumentTarget;
import io.ultrasignals.sniper.instrument.bridge.SniperBridge;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatchers;
import net.bytebuddy.pool.TypePool;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Checking a method against its entry, and reading the signal from real arguments, without an agent. */
@Tag("unit")
class SiteCompilerTest {
    static class Order {
        private final String ref;

        Order(String ref) {
            this.ref = ref;
        }

        String getRef() {
            return ref;
        }
    }

    static class BaseSignal {
        protected boolean confirmed;
    }

    static final class TradeSignal extends BaseSignal {
        private final Order order;

        TradeSignal(Order order, boolean confirmed) {
            this.order = order;
            this.confirmed = confirmed;
        }

        Order order() {
            return order;
        }
    }

    record Quote(String id, Boolean firm) {
    }

    static class Runner {
        long publish(TradeSignal signal) {
            return 1;
        }

        void quote(Quote quote, boolean urgent) {
        }
    }

    static class NoMessageException extends RuntimeException {
    }

    private static CallSite compile(String method, InstrumentTarget.Builder entry) {
        TargetPlan plan = TargetPlan.of(0, entry.build());
        return SiteCompiler.compile(plan, method(method), SiteCompilerTest.class.getClassLoader(),
                TypePool.Default.of(SiteCompilerTest.class.getClassLoader()));
    }

    private static MethodDescription method(String name) {
        return TypeDescription.ForLoadedType.of(Runner.class).getDeclaredMethods()
                .filter(ElementMatchers.named(name)).getOnly();
    }

    private static InstrumentTarget.Builder entry(String method) {
        return InstrumentTarget.builder(Runner.class.getName() + "#" + method);
    }

    @Test
    void readsThroughMethodsAndInheritedFields() throws Exception {
        CallSite site = compile("publish", entry("publish").signalId("arg0.order().getRef()").mtfConfirmed("arg0.confirmed"));

        assertThat(site.signal(new Object[] {new TradeSignal(new Order("o-1"), true)})).isEqualTo(new Signal("o-1", true));
        assertThat(site.signal(new Object[] {new TradeSignal(null, false)}))
                .as("a null on the way is no id").isEqualTo(new Signal(null, false));
    }

    @Test
    void readsRecordComponentsAndPlainParameters() throws Exception {
        CallSite site = compile("quote", entry("quote").signalId("arg0.id()").mtfConfirmed("arg1"));
        assertThat(site.signal(new Object[] {new Quote("q-7", null), true})).isEqualTo(new Signal("q-7", true));

        CallSite boxed = compile("quote", entry("quote").mtfConfirmed("arg0.firm()"));
        assertThat(boxed.signal(new Object[] {new Quote("q-8", null), false})).as("null Boolean: not confirmed")
                .isEqualTo(new Signal(null, false));
    }

    @Test
    void scopesComeFromAccessorsAndConstantsAndANullLeavesItsDimensionOut() throws Exception {
        java.util.Map<String, String> scopes = new java.util.LinkedHashMap<>();
        scopes.put("symbol", "arg0.order().getRef()");
        scopes.put("strategy", "momentum");
        CallSite site = compile("publish", entry("publish").signalId("arg0.order().getRef()").scopes(scopes));
        assertThat(site.signal(new Object[] {new TradeSignal(new Order("BTCUSDT"), true)}))
                .isEqualTo(Signal.withId("BTCUSDT", false).scope("symbol", "BTCUSDT").scope("strategy", "momentum"));
        assertThat(site.signal(new Object[] {new TradeSignal(null, true)}).scopes())
                .as("no symbol: decided by the other layers").isEqualTo(java.util.Map.of("strategy", "momentum"));
        assertThatThrownBy(() -> site.signal(new Object[] {new TradeSignal(new Order("BTC USDT"), true)}))
                .as("a value a scope cannot hold: an unreadable signal").isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scope symbol must have a value of A-Z a-z 0-9");
        assertThatThrownBy(() -> compile("publish", entry("publish").scopes(java.util.Map.of("symbol", "arg0.nothing()"))))
                .isInstanceOf(Misconfiguration.class).hasMessageContaining("sniper_agent.instrument[0].scopes.symbol: arg0.nothing()");
        assertThatThrownBy(() -> compile("publish", entry("publish").scopes(java.util.Map.of("symbol", "BTC USDT"))))
                .isInstanceOf(Misconfiguration.class).hasMessageContaining("expected an accessor (arg0.getSymbol()) or a value");
    }

    @Test
    void skippingReturnsTheConfiguredValueInTheReturnType() {
        CallSite site = compile("publish", entry("publish").returnValue("-5"));
        Object skipped = site.block("o-1", Reason.SNIPER_HOURLY_CAP, "SNIPER_HOURLY_CAP");
        assertThat(SniperBridge.resultOf(skipped)).isEqualTo(-5L);

        CallSite voidSite = compile("quote", entry("quote"));
        Object skippedVoid = voidSite.block(null, Reason.SNIPER_DAILY_CAP, "SNIPER_DAILY_CAP");
        assertThat(skippedVoid).as("non-null, so the advice skips").isNotNull();
        assertThat(SniperBridge.resultOf(skippedVoid)).isNull();
    }

    @Test
    void throwingNamesSignalReasonAndMethod() {
        CallSite site = compile("publish", entry("publish").onBlock(BlockAction.THROW));
        assertThatThrownBy(() -> site.block("o-1", Reason.SNIPER_DAILY_CAP, "SNIPER_DAILY_CAP"))
                .isInstanceOf(SignalBlockedException.class)
                .hasMessage("sniper: signal o-1 blocked by SNIPER_DAILY_CAP at " + Runner.class.getName() + "#publish")
                .satisfies(e -> assertThat(((SignalBlockedException) e).reason()).isEqualTo(Reason.SNIPER_DAILY_CAP));

        CallSite own = compile("publish", entry("publish").onBlock(BlockAction.THROW).exception(IllegalStateException.class.getName()));
        assertThatThrownBy(() -> own.block(null, Reason.SNIPER_MTF_REQUIRED, "SNIPER_MTF_REQUIRED"))
                .isExactlyInstanceOf(IllegalStateException.class)
                .hasMessage("sniper: signal blocked by SNIPER_MTF_REQUIRED at " + Runner.class.getName() + "#publish");
    }

    @Test
    void entriesThatDoNotFitTheMethodAreMisconfigurations() {
        String in = ", in " + Runner.class.getName() + "#publish(" + TradeSignal.class.getName() + ")";
        assertThatThrownBy(() -> compile("publish", entry("publish").signalId("arg0.order().ref()")))
                .isInstanceOf(Misconfiguration.class)
                .hasMessage("sniper_agent.instrument[0].signal_id: arg0.order().ref(): " + Order.class.getName()
                        + " has no method ref() (an instance method without parameters)" + in);
        assertThatThrownBy(() -> compile("publish", entry("publish").signalId("arg0.confirmed.value")))
                .hasMessage("sniper_agent.instrument[0].signal_id: arg0.confirmed.value: arg0.confirmed is boolean, "
                        + "which has no field value" + in);
        assertThatThrownBy(() -> compile("publish", entry("publish").mtfConfirmed("arg0.order()")))
                .hasMessage("sniper_agent.instrument[0].mtf_confirmed: arg0.order() is " + Order.class.getName()
                        + ", expected boolean or java.lang.Boolean" + in);
        assertThatThrownBy(() -> compile("quote", entry("quote").returnValue("x")))
                .hasMessage("sniper_agent.instrument[0].return_value: is set, but the method returns void, in "
                        + Runner.class.getName() + "#quote(" + Quote.class.getName() + ", boolean)");
        assertThatThrownBy(() -> compile("publish", entry("publish").onBlock(BlockAction.THROW)
                .exception(NoMessageException.class.getName())))
                .hasMessage("sniper_agent.instrument[0].exception: " + NoMessageException.class.getName()
                        + " has no public constructor taking a String (the message)" + in);
    }
}
