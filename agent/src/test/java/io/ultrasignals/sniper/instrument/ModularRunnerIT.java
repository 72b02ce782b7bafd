package io.ultrasignals.sniper.instrument;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A runner in a named module that opens nothing: the instrumented class must read the bridge's module, and the
 * accessor reads a private field of a package the module keeps closed. Compiled here, from the source below.
 */
class ModularRunnerIT {
    private static final String MODULE_INFO = "module acme.modular {\n}\n";
    private static final String RUNNER = """
            package com.acme.modular;

            public class Runner {
                private final String id;

                Runner(String id) {
                    this.id = id;
                }

                static boolean publish(Runner signal) {
                    System.out.println("PUBLISHED " + signal.id);
                    return true;
                }

                public static void main(String[] args) {
                    for (int i = 0; i < 3; i++) {
                        System.out.println("RESULT m-" + i + " " + publish(new Runner("m-" + i)));
                    }
                }
            }
            """;

    @Test
    void aRunnerInANamedModuleIsCapped(@TempDir Path dir) throws Exception {
        Path modules = compile(dir);
        Path settings = SettingsYaml.caps(2, 0).entry("com.acme.modular.Runner#publish", "signal_id: arg0.id").writeIn(dir);

        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-javaagent:" + RunnerJvm.agentJar() + "=config=" + settings,
                "--module-path", modules.toString(), "-m", "acme.modular/com.acme.modular.Runner");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output.lines().toList()).as(output).containsExactly(
                "PUBLISHED m-0", "RESULT m-0 true", "PUBLISHED m-1", "RESULT m-1 true", "RESULT m-2 false");
    }

    private static Path compile(Path dir) {
        try {
            Path source = dir.resolve("src/acme.modular");
            Files.createDirectories(source.resolve("com/acme/modular"));
            Files.writeString(source.resolve("module-info.java"), MODULE_INFO);
            Files.writeString(source.resolve("com/acme/modular/Runner.java"), RUNNER);
            Path out = dir.resolve("modules");
            List<String> arguments = new ArrayList<>(List.of("-d", out.toString(), "--module-source-path",
                    dir.resolve("src").toString(), "-m", "acme.modular"));
            int status = ToolProvider.getSystemJavaCompiler().run(null, null, null, arguments.toArray(String[]::new));
            assertThat(status).as("javac").isZero();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
