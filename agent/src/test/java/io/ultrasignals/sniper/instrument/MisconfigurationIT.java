package io.ultrasignals.sniper.instrument;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A misconfigured agent says what is wrong in one line on stderr, and by default stops the JVM with exit code 2
 * before the runner publishes anything; with {@code on_misconfiguration: disable} the runner starts uncapped.
 * The lines asserted here are the ones docs/agent.md shows.
 */
class MisconfigurationIT {
    private static final String EXIT = "; stopping the JVM (sniper_agent.on_misconfiguration: exit)";
    private static final String PUBLISH = "com.acme.runner.ConsoleRunner#publish(com.acme.runner.TradeSignal)";

    @TempDir
    Path dir;

    @Test
    void unreadableSettingsFile() {
        Path missing = dir.resolve("missing.yaml");
        assertStopped(run("config=" + missing),
                missing + ": cannot read the settings file: no such file");
    }

    @Test
    void misspelledSettingsKey() throws IOException {
        Path settings = Files.writeString(dir.resolve("settings.yaml"), "redis:\n  enabled: true\n  prot: 6379\n");
        assertStopped(run("config=" + settings),
                settings + " line 3: redis.prot: unknown key, did you mean port?");
    }

    @Test
    void unknownAgentOption() {
        assertStopped(run("conifg=settings.yaml"),
                "agent option \"conifg\": unknown; expected comma-separated config=PATH and check=start|load");
    }

    @Test
    void classNotOnTheClassPath() throws IOException {
        assertStopped(runWith(settings("com.acme.runner.ConsolRunner#publish", "signal_id: arg0.getId()")),
                "sniper_agent.instrument[0].method: class com.acme.runner.ConsolRunner not found on the class path "
                        + "(for a class another class loader loads later, use the agent option check=load)");
    }

    @Test
    void methodThatDoesNotExist() throws IOException {
        assertStopped(runWith(settings("com.acme.runner.ConsoleRunner#publsh", "signal_id: arg0.getId()")),
                "sniper_agent.instrument[0].method: com.acme.runner.ConsoleRunner has no method publsh that can be "
                        + "instrumented (a concrete method; never a constructor, abstract, native or bridge method)");
    }

    @Test
    void abstractMethodOfAnExactClass() throws IOException {
        assertStopped(runWith(settings("com.acme.runner.SignalPublisher#publish", "signal_id: arg0.getId()")),
                "sniper_agent.instrument[0].method: com.acme.runner.SignalPublisher has no method publish that can be "
                        + "instrumented (a concrete method; never a constructor, abstract, native or bridge method)");
    }

    @Test
    void accessorThatDoesNotResolve() throws IOException {
        assertStopped(runWith(settings("com.acme.runner.ConsoleRunner#publish", "signal_id: arg0.getID()")),
                "sniper_agent.instrument[0].signal_id: arg0.getID(): com.acme.runner.TradeSignal has no method getID() "
                        + "(an instance method without parameters), in " + PUBLISH);
    }

    @Test
    void fieldAccessorNamingAMethod() throws IOException {
        assertStopped(runWith(settings("com.acme.runner.ConsoleRunner#publish", "signal_id: arg0.getId")),
                "sniper_agent.instrument[0].signal_id: arg0.getId: com.acme.runner.TradeSignal has no field getId "
                        + "(for its method write getId()), in " + PUBLISH);
    }

    @Test
    void parameterThatDoesNotExist() throws IOException {
        assertStopped(runWith(settings("com.acme.runner.ConsoleRunner#publish", "signal_id: arg1")),
                "sniper_agent.instrument[0].signal_id: arg1: the method has 1 parameter, so there is no arg1, in " + PUBLISH);
    }

    @Test
    void mtfAccessorThatIsNotABoolean() throws IOException {
        assertStopped(runWith(settings("com.acme.runner.ConsoleRunner#publish", "mtf_confirmed: arg0.symbol")),
                "sniper_agent.instrument[0].mtf_confirmed: arg0.symbol is java.lang.String, expected boolean or "
                        + "java.lang.Boolean, in " + PUBLISH);
    }

    @Test
    void returnValueOfTheWrongType() throws IOException {
        assertStopped(runWith(settings("com.acme.runner.ConsoleRunner#publish", "return_value: maybe")),
                "sniper_agent.instrument[0].return_value: expected true or false for a boolean, got \"maybe\", in " + PUBLISH);
    }

    @Test
    void exceptionWithoutAStringConstructor() throws IOException {
        assertStopped(runWith(settings("com.acme.runner.ConsoleRunner#publish", "on_block: throw",
                        "exception: com.acme.runner.TradeSignal")),
                "sniper_agent.instrument[0].exception: com.acme.runner.TradeSignal is not a concrete Throwable, in " + PUBLISH);
    }

    @Test
    void aPluginClassIsNotOnTheClassPathAtStart() throws IOException {
        RunnerJvm.Result result = RunnerJvm.builder()
                .agent("config=" + settings("com.acme.plugin.PluginRunner#publish", "signal_id: arg0.getId()"))
                .run("plugin", RunnerJvm.pluginJar().toString(), "p", "3");
        assertStopped(result, "sniper_agent.instrument[0].method: class com.acme.plugin.PluginRunner not found on the "
                + "class path (for a class another class loader loads later, use the agent option check=load)");
    }

    @Test
    void withCheckAtLoadAPluginClassIsCheckedWhenItLoads() throws IOException {
        RunnerJvm.Result result = RunnerJvm.builder()
                .agent("config=" + settings("com.acme.plugin.PluginRunner#publsh", "signal_id: arg0.getId()") + ",check=load")
                .run("plugin", RunnerJvm.pluginJar().toString(), "p", "3");
        assertStopped(result, "sniper_agent.instrument[0].method: com.acme.plugin.PluginRunner has no method publsh "
                + "that can be instrumented (a concrete method; never a constructor, abstract, native or bridge method)");
    }

    @Test
    void disableLetsTheRunnerStartUncapped() throws IOException {
        Path settings = SettingsYaml.caps(2, 0).onMisconfiguration("disable")
                .entry("com.acme.runner.ConsoleRunner#publsh", "signal_id: arg0.getId()").writeIn(dir);
        RunnerJvm.Result result = RunnerJvm.builder().agent("config=" + settings).run("batch", "r", "4", "0");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.published()).containsExactly("r-0", "r-1", "r-2", "r-3");
        assertThat(result.err()).containsExactly("sniper-agent: sniper_agent.instrument[0].method: "
                + "com.acme.runner.ConsoleRunner has no method publsh that can be instrumented (a concrete method; never "
                + "a constructor, abstract, native or bridge method); the agent is disabled and signals are NOT capped "
                + "(sniper_agent.on_misconfiguration: disable)");
    }

    @Test
    void withUnreadableSettingsTheEnvironmentCanSayDisable() {
        Path missing = dir.resolve("missing.yaml");
        RunnerJvm.Result result = RunnerJvm.builder().agent("config=" + missing)
                .env("ULTRA_SIGNALS_SNIPER_AGENT__ON_MISCONFIGURATION=disable")
                .run("batch", "r", "2", "0");

        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.published()).containsExactly("r-0", "r-1");
        assertThat(result.err()).containsExactly("sniper-agent: " + missing + ": cannot read the settings file: no such "
                + "file; the agent is disabled and signals are NOT capped (sniper_agent.on_misconfiguration: disable)");
    }

    private RunnerJvm.Result runWith(Path settings) {
        return run("config=" + settings);
    }

    private RunnerJvm.Result run(String agentOptions) {
        return RunnerJvm.builder().agent(agentOptions).run("batch", "r", "3", "0");
    }

    /** Exit code 2, the one line, and not one signal out. */
    private static void assertStopped(RunnerJvm.Result result, String problem) {
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(MisconfigurationHandler.EXIT_CODE);
        assertThat(result.err()).as(result.toString()).containsExactly("sniper-agent: " + problem + EXIT);
        assertThat(result.published()).as(result.toString()).isEmpty();
    }

    /** Settings with one instrument entry: the method, then further keys of the entry. */
    private Path settings(String method, String... keys) throws IOException {
        return SettingsYaml.caps(2, 0).entry(method, keys).writeIn(dir);
    }
}
