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
 * The {@code unit} tag keeps its promise: {@code ./mvnw -q -B -pl agent -am test -Dgroups=unit} (README, "Tests")
 * runs in seconds because no test so tagged starts a Redis, a container, a Prometheus or a child JVM.
 */
@Tag("unit")
class UnitTagTest {
    /** What starts a real process in this code base's tests. */
    private static final Pattern PROCESSES = Pattern.compile("RedisExtension|RedisServer|RedisFleet|RedisCluster"
            + "|RedisSentinel|RedisContainer|Testcontainers|DockerEngine|PrometheusServer|SilentProxy|ProcessBuilder"
            + "|RunnerJvm|SniperCli\\.run|CliTest\\.run|Tools\\.require");

    @Test
    void noUnitTestStartsAProcess() throws IOException {
        List<String> offenders = new ArrayList<>();
        int tagged = 0;
        try (Stream<Path> files = Files.walk(RepoRoot.resolve("agent/src/test/java"))) {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
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
        }
        assertThat(tagged).as("test classes tagged unit").isGreaterThan(30);
        assertThat(offenders).as("unit-tagged tests that start processes").isEmpty();
    }
}
