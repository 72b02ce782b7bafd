package io.ultrasignals.sniper.instrument;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the agent does to a runner's methods, one child JVM each, with the guard counting locally (no Redis): the
 * accessor forms, skip and throw, return values, a class from its own class loader, settings from the environment.
 */
class InstrumentationIT {
    @TempDir
    Path dir;

    @Test
    void recordComponentsAndTheAgentsOwnException() throws IOException {
        Path settings = SettingsYaml.caps(1, 0).mtfConfirm().entry("com.acme.runner.ConsoleRunner#send",
                "signal_id: arg0.orderId()", "mtf_confirmed: arg0.confirmed", "on_block: throw").writeIn(dir);
        RunnerJvm.Result result = RunnerJvm.builder().agent("config=" + settings).run("batch", "s", "4", "2", "send");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.published()).containsExactly("s-0");
        assertThat(result.outcome("s-1")).isEqualTo("THREW s-1 io.ultrasignals.sniper.SignalBlockedException: "
                + "sniper: signal s-1 blocked by SNIPER_MTF_REQUIRED at com.acme.runner.ConsoleRunner#send");
        assertThat(result.outcome("s-2")).isEqualTo("THREW s-2 io.ultrasignals.sniper.SignalBlockedException: "
                + "sniper: signal s-2 blocked by SNIPER_HOURLY_CAP at com.acme.runner.ConsoleRunner#send");
    }

    @Test
    void staticMethodWithPlainParametersReturnsTheConfiguredValue() throws IOException {
        Path settings = SettingsYaml.caps(2, 0).entry("com.acme.runner.ConsoleRunner#broadcast",
                "signal_id: arg0", "mtf_confirmed: arg1", "return_value: \"-1\"").writeIn(dir);
        RunnerJvm.Result result = RunnerJvm.builder().agent("config=" + settings).run("batch", "b", "4", "0", "broadcast");

        assertThat(result.published()).containsExactly("b-0", "b-1");
        assertThat(result.outcome("b-2")).isEqualTo("RESULT b-2 -1");
        assertThat(result.outcome("b-3")).isEqualTo("RESULT b-3 -1");
    }

    @Test
    void aRunnerLoadedByItsOwnClassLoaderIsCappedWithCheckAtLoad() throws IOException {
        Path settings = SettingsYaml.caps(2, 0).entry("com.acme.runner.SignalPublisher#publish",
                "match: supertype", "signal_id: arg0.getId()").writeIn(dir);
        RunnerJvm.Result result = RunnerJvm.builder().agent("config=" + settings + ",check=load")
                .run("plugin", RunnerJvm.pluginJar().toString(), "p", "4");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.published()).containsExactly("p-0", "p-1");
        assertThat(result.outcome("p-3")).isEqualTo("RESULT p-3 false");
        assertThat(result.err()).as(result.toString()).isEmpty();
    }

    @Test
    void aSignalThatCannotBeReadIsBlockedAndSaidOnce() throws IOException {
        Path settings = SettingsYaml.caps(10, 0).entry("com.acme.runner.ConsoleRunner#publish",
                "signal_id: arg0.pendingId()").writeIn(dir);
        RunnerJvm.Result result = RunnerJvm.builder().agent("config=" + settings).run("batch", "u", "3", "0");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.published()).as("fails closed").isEmpty();
        assertThat(result.outcome("u-0")).isEqualTo("RESULT u-0 false");
        assertThat(result.err()).containsExactly("sniper-agent: cannot read the signal of "
                + "com.acme.runner.ConsoleRunner#publish(com.acme.runner.TradeSignal): pendingId threw "
                + "java.lang.IllegalStateException: the id is assigned on submission; blocking its calls");
    }

    @Test
    void theStaticAccessorHandsOutTheGuardTheInstrumentedMethodsUse() throws IOException {
        Path settings = SettingsYaml.caps(2, 0).entry("com.acme.runner.ConsoleRunner#publish", "signal_id: arg0.getId()")
                .writeIn(dir);
        RunnerJvm.Result result = RunnerJvm.builder().agent("config=" + settings).run("api", "d", "3");

        assertThat(result.out()).as(result.toString()).contains("API allowed=true backend=LOCAL");
        assertThat(result.published()).as("the API call took one of the two").containsExactly("d-0");
    }

    @Test
    void withoutASettingsFileTheEnvironmentConfiguresTheAgent() {
        RunnerJvm.Result result = RunnerJvm.builder().agent("")
                .env("ULTRA_SIGNALS_RUNTIME__SNIPER_MODE__ENABLED=true")
                .env("ULTRA_SIGNALS_RUNTIME__SNIPER_MODE__MAX_SIGNALS_PER_HOUR=1")
                .env("ULTRA_SIGNALS_SNIPER_AGENT__METRICS__ENABLED=false")
                .env("ULTRA_SIGNALS_SNIPER_AGENT__INSTRUMENT=[{\"method\": \"com.acme.runner.ConsoleRunner#publish\","
                        + " \"signal_id\": \"arg0.getId()\"}]")
                .run("batch", "e", "3", "0");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.published()).containsExactly("e-0");
    }
}
