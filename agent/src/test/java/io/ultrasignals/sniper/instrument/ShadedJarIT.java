package io.ultrasignals.sniper.instrument;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The packaged sniper-agent.jar: entry points in the manifest, and nothing of a bundled library under its own name,
 * so nothing in it can meet the host's copy of the same library.
 */
class ShadedJarIT {
    private static final String OURS = "io/ultrasignals/sniper/";
    private static final String SHADED = "io.ultrasignals.sniper.shaded.";

    @Test
    void manifestNamesTheAgentOnly() throws IOException {
        try (JarFile jar = new JarFile(RunnerJvm.agentJar().toFile())) {
            Attributes main = jar.getManifest().getMainAttributes();
            assertThat(main.getValue("Premain-Class")).isEqualTo("io.ultrasignals.sniper.instrument.SniperAgent");
            assertThat(main.getValue("Agent-Class")).isEqualTo("io.ultrasignals.sniper.instrument.SniperAgent");
            assertThat(main.getValue("Main-Class")).as("the command-line tool is sniper-cli.jar").isNull();
            assertThat(main.getValue("Can-Retransform-Classes")).isEqualTo("true");
            assertThat(main.getValue("Can-Redefine-Classes")).isEqualTo("true");
        }
    }

    @Test
    void everyClassLivesUnderOurPackage() throws IOException {
        List<String> foreign = new ArrayList<>();
        try (JarFile jar = new JarFile(RunnerJvm.agentJar().toFile())) {
            for (JarEntry entry : jar.stream().toList()) {
                String name = entry.getName();
                if (name.endsWith(".class") && !name.startsWith(OURS)) {
                    foreign.add(name);
                }
                if (name.startsWith("META-INF/native/") || name.startsWith("META-INF/versions/")
                        || name.endsWith(".so") || name.endsWith(".jnilib") || name.endsWith(".dll")) {
                    foreign.add(name);
                }
            }
        }
        assertThat(foreign).as("classes outside " + OURS + ", native libraries, multi-release copies").isEmpty();
        try (JarFile jar = new JarFile(RunnerJvm.agentJar().toFile())) {
            assertThat(jar.stream().map(JarEntry::getName).filter(n -> n.startsWith(OURS + "cli/")
                    || n.startsWith(OURS + "shaded/picocli/")).toList()).as("the command-line tool").isEmpty();
        }
        assertThat(RunnerJvm.agentJar().toFile().length()).as("jar size").isPositive();
    }

    @Test
    void serviceFilesNameOnlyRelocatedClasses() throws IOException {
        int files = 0;
        try (JarFile jar = new JarFile(RunnerJvm.agentJar().toFile())) {
            for (JarEntry entry : jar.stream().toList()) {
                String name = entry.getName();
                if (!name.startsWith("META-INF/services/") || entry.isDirectory()) {
                    continue;
                }
                files++;
                String service = name.substring("META-INF/services/".length());
                assertThat(service).as(name).startsWith(SHADED);
                try (InputStream in = jar.getInputStream(entry)) {
                    for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                        String provider = line.replaceAll("#.*", "").trim();
                        if (!provider.isEmpty()) {
                            assertThat(provider).as(name).startsWith(SHADED);
                        }
                    }
                }
            }
        }
        assertThat(files).as("service files (slf4j's provider among them)").isPositive();
    }
}
