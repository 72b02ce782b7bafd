package io.ultrasignals.sniper.instrument;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.VirtualMachine;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attaching the agent to a runner that is already running (the jar's Agent-Class): classes loaded before the attach
 * are retransformed, and from then on their calls are capped. A misconfigured attach fails and leaves the runner
 * running as it was.
 */
class RuntimeAttachIT {
    @Test
    void attachingToARunningRunnerCapsItsSignalsFromThenOn(@TempDir Path dir) throws Exception {
        Path settings = settings(dir, "arg0.getId()");
        try (RunnerJvm runner = RunnerJvm.builder().start("interactive")) {
            runner.awaitLine("READY");
            for (int i = 0; i < 3; i++) {
                runner.send("publish before-" + i + " true");
                assertThat(runner.awaitLine("RESULT ")).isEqualTo("RESULT before-" + i + " true");
            }

            attach(runner.pid(), "config=" + settings);

            for (int i = 0; i < 4; i++) {
                runner.send("publish after-" + i + " true");
                assertThat(runner.awaitLine("RESULT ")).isEqualTo("RESULT after-" + i + " " + (i < 2));
            }
            runner.send("quit");
            RunnerJvm.Result result = runner.await();
            assertThat(result.published()).containsExactly("before-0", "before-1", "before-2", "after-0", "after-1");
            assertThat(result.err()).as(result.toString()).isEmpty();
        }
    }

    @Test
    void aMisconfiguredAttachFailsAndTheRunnerRunsOnUnchanged(@TempDir Path dir) throws Exception {
        Path settings = settings(dir, "arg0.getIdentifier()");
        try (RunnerJvm runner = RunnerJvm.builder().start("interactive")) {
            runner.awaitLine("READY");
            runner.send("publish before true");
            runner.awaitLine("RESULT before");

            assertThatThrownBy(() -> attach(runner.pid(), "config=" + settings))
                    .isInstanceOf(AgentInitializationException.class);

            for (int i = 0; i < 4; i++) {
                runner.send("publish after-" + i + " true");
                assertThat(runner.awaitLine("RESULT ")).isEqualTo("RESULT after-" + i + " true");
            }
            runner.send("quit");
            RunnerJvm.Result result = runner.await();
            assertThat(result.exitCode()).isZero();
            // Our line first; then the JVM reports the failed agentmain in its own words.
            assertThat(result.err()).first().isEqualTo("sniper-agent: sniper_agent.instrument[0].signal_id: "
                    + "arg0.getIdentifier(): com.acme.runner.TradeSignal has no method getIdentifier() (an instance "
                    + "method without parameters), in com.acme.runner.ConsoleRunner#publish(com.acme.runner.TradeSignal)"
                    + "; not attached");
        }
    }

    private static Path settings(Path dir, String signalId) throws java.io.IOException {
        return SettingsYaml.caps(2, 0).entry("com.acme.runner.ConsoleRunner#publish", "signal_id: " + signalId).writeIn(dir);
    }

    private static void attach(long pid, String options) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
        try {
            vm.loadAgent(RunnerJvm.agentJar().toString(), options);
        } finally {
            vm.detach();
        }
    }
}
