package io.ultrasignals.sniper;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.testkit.RepoRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The {@code unit} tag keeps its promise: {@code ./mvnw -q -B test -Dgroups=unit} (README, "Tests") runs in seconds
 * because no test so tagged, in any of the Java modules, starts a Redis, a container, a Prometheus or a child JVM.
 */
@Tag("unit")
class UnitTagTest {
    /** The modules whose tests carry the tag. */
    private static final List<String> TEST_SOURCES = List.of("core/src/test/java", "agent/src/test/java", "cli/src/test/java");
    /** What starts a real process in this code base's tests. */
    private static final Pattern PROCESSES = Pattern.compile("RedisExtension|RedisServer|RedisFleet|RedisCluster"
            + "|RedisSentinel|RedisContainer|Testcontainers|DockerEngine|PrometheusServer|SilentProxy|ProcessBuilder"
            + "|RunnerJvm|SniperCli\\.run|CliTest\\.run|Tools\\.require");

    @Test
    void noUnitTestStartsAProcess() throws IOException {
        List<String> offenders = new ArrayList<>();
        int tagged = 0;
        for (Path file : testSources()) {
            String source = Files.readString(file);
            if (!source.contains("@Tag(\"unit\")") || file.endsWith("UnitTagTest.java")) {
                continue;
            }
            tagged++;
            Matcher m = PROCESSES.matcher(source);
            if (m.find()) {
                offenders.add(file.getFileName() + " uses " + m.group());
            }
        }
        assertThat(tagged).as("test classes tagged unit").isGreaterThan(30);
        assertThat(offenders).as("unit-tagged tests that start processes").isEmpty();
    }

    private static List<Path> testSources() throws IOException {
        List<Path> sources = new ArrayList<>();
        for (String module : TEST_SOURCES) {
            try (Stream<Path> files = Files.walk(RepoRoot.resolve(module))) {
                sources.addAll(files.filter(p -> p.toString().endsWith(".java")).toList());
            }
        }
        return sources;
    }
}
