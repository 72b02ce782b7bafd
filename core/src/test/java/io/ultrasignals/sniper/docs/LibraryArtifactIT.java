package io.ultrasignals.sniper.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.RepoRoot;
import io.ultrasignals.sniper.testkit.RespConnection;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's Install, as a user follows it: the install command run in a clean copy of the repository, then a separate
 * Maven project with README's {@code <dependency>} block that makes decisions against a real Redis. Everything runs
 * offline against a throwaway local repository chained in front of the build's own (read-only), so the shared
 * repository is never written.
 */
@ExtendWith(RedisExtension.class)
class LibraryArtifactIT {
    /** What a build writes; the copy starts without it, as a fresh clone does. */
    private static final Set<String> NOT_SOURCES = Set.of("target", ".git", "build", "dist", "__pycache__",
            ".jqwik-database", ".pytest_cache");
    private static final Pattern XML_BLOCK = Pattern.compile("```xml\\n(.*?)```", Pattern.DOTALL);
    private static final long MAVEN_MINUTES = 10;

    @TempDir
    Path dir;

    @Test
    void aProjectUsingReadmesCoordinatesDecidesOnRedisWithoutWarnings(RedisServer redis) throws Exception {
        String readme = Files.readString(RepoRoot.resolve("README.md"));
        Path checkout = copySources(RepoRoot.path(), dir.resolve("checkout"));
        Path repo = Files.createDirectories(dir.resolve("m2"));

        String install = readme.lines().filter(l -> l.startsWith("./mvnw") && l.contains(" install ")).findFirst()
                .orElseThrow(() -> new AssertionError("README has no ./mvnw ... install command"));
        install = install.replaceAll("\\s+#.*$", "");
        run(checkout, List.of("bash", "-c", install + " -o " + repositories(repo)), "README's install command");

        Path installed = repo.resolve("io/ultrasignals/sniper");
        assertThat(installed.resolve("sniper-core/0.1.0-SNAPSHOT/sniper-core-0.1.0-SNAPSHOT.jar")).isRegularFile();
        assertThat(installed.resolve("sniper-parent/0.1.0-SNAPSHOT/sniper-parent-0.1.0-SNAPSHOT.pom")).isRegularFile();
        try (Stream<Path> artifacts = Files.list(installed)) {
            assertThat(artifacts.map(p -> p.getFileName().toString()).sorted().toList()).as("what install puts there")
                    .containsExactly("sniper-core", "sniper-parent");
        }

        Path project = userProject(dependencyBlock(readme));
        Path classpathFile = project.resolve("classpath.txt");
        run(project, List.of("bash", checkout.resolve("mvnw").toString(), "-o", "-q", "-B", "-f",
                project.resolve("pom.xml").toString(), "compile", "dependency:build-classpath",
                "-Dmdep.outputFile=" + classpathFile, "-Dmaven.repo.local=" + repo,
                "-Dmaven.repo.local.tail=" + buildRepository()), "the user's project");
        String classpath = Files.readString(classpathFile).strip();
        List<String> jars = Arrays.stream(classpath.split(File.pathSeparator))
                .map(p -> Path.of(p).getFileName().toString()).toList();
        assertThat(jars).as("the library's dependencies").anyMatch(j -> j.startsWith("sniper-core-"))
                .noneMatch(j -> j.startsWith("byte-buddy") || j.startsWith("picocli") || j.startsWith("sniper-agent")
                        || j.startsWith("sniper-testkit") || j.startsWith("kotlin"))
                .noneMatch(j -> j.startsWith("slf4j-api-1.") || j.startsWith("micrometer-core-1.10"));

        Path settings = project.resolve("settings.yaml");
        Files.writeString(settings, String.join("\n",
                "redis:",
                "  enabled: true",
                "  host: 127.0.0.1",
                "  port: " + redis.port(),
                "  namespace: user-project",
                "runtime:",
                "  sniper_mode:",
                "    enabled: true",
                "    max_signals_per_hour: 1",
                "    daily_signal_cap: 0",
                ""));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String output = run(project, List.of(java.toString(), "-cp",
                project.resolve("target/classes") + File.pathSeparator + classpath, "Decide",
                settings.toString()), "the user's program");

        assertThat(output).contains("order-1 true OK REDIS").contains("order-2 false SNIPER_HOURLY_CAP REDIS");
        assertThat(output).as("the program's whole output").doesNotContain("SLF4J");
        try (RespConnection c = redis.connect()) {
            assertThat((List<?>) c.call("KEYS", "user-project:hour:*")).as("Redis's hour bucket").hasSize(1);
        }
    }

    private Path userProject(String dependency) throws IOException {
        Path project = Files.createDirectories(dir.resolve("user-project"));
        Files.writeString(project.resolve("pom.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>com.example</groupId>
                  <artifactId>runner</artifactId>
                  <version>1.0</version>
                  <properties>
                    <maven.compiler.release>17</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>
                  <dependencies>
                %s
                  </dependencies>
                  <build>
                    <plugins>
                      <plugin><artifactId>maven-resources-plugin</artifactId><version>%s</version></plugin>
                      <plugin><artifactId>maven-compiler-plugin</artifactId><version>%s</version></plugin>
                      <plugin><artifactId>maven-dependency-plugin</artifactId><version>%s</version></plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(dependency, System.getProperty("sniper.resources.plugin"),
                System.getProperty("sniper.compiler.plugin"), System.getProperty("sniper.dependency.plugin")));
        Path source = Files.createDirectories(project.resolve("src/main/java")).resolve("Decide.java");
        Files.writeString(source, """
                import io.ultrasignals.sniper.Decision;
                import io.ultrasignals.sniper.Signal;
                import io.ultrasignals.sniper.SniperGuard;
                import io.ultrasignals.sniper.SniperGuards;
                import java.nio.file.Path;

                public class Decide {
                    public static void main(String[] args) {
                        try (SniperGuard guard = SniperGuards.fromFile(Path.of(args[0]))) {
                            for (String id : new String[] {"order-1", "order-2"}) {
                                Decision d = guard.acquire(Signal.withId(id, true));
                                System.out.println(id + " " + d.allowed() + " " + d.reason() + " " + d.backend());
                            }
                        }
                    }
                }
                """);
        return project;
    }

    private static String dependencyBlock(String readme) {
        Matcher m = XML_BLOCK.matcher(readme);
        while (m.find()) {
            if (m.group(1).contains("<artifactId>sniper-core</artifactId>")) {
                return m.group(1);
            }
        }
        throw new AssertionError("README has no ```xml block with the sniper-core dependency");
    }

    private static String repositories(Path head) {
        return "-Dmaven.repo.local=" + head + " -Dmaven.repo.local.tail=" + buildRepository();
    }

    /** The local repository of the build running this test: read, never written. */
    private static Path buildRepository() {
        String repo = System.getProperty("sniper.local.repo");
        assertThat(repo).as("system property sniper.local.repo (set by the build)").isNotBlank();
        return Path.of(repo);
    }

    private static String run(Path workDir, List<String> command, String what) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(name -> name.startsWith("ULTRA_SIGNALS_") || name.startsWith("MAVEN_")
                || name.equals("SNIPER_REPO_ROOT") || name.equals("JAVA_TOOL_OPTIONS"));
        Path log = Files.createTempFile(workDir, "output", ".log");
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        boolean finished = p.waitFor(MAVEN_MINUTES, TimeUnit.MINUTES);
        if (!finished) {
            p.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(finished).as(what + " finished within " + MAVEN_MINUTES + " min\n" + output).isTrue();
        assertThat(p.exitValue()).as(what + ": " + String.join(" ", command) + "\n" + output).isZero();
        return output;
    }

    /** The repository's files without build output, as a fresh clone has them (the wrapper keeps its mode). */
    private static Path copySources(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                if (!d.equals(from) && (NOT_SOURCES.contains(d.getFileName().toString())
                        || d.getFileName().toString().endsWith(".egg-info"))) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(to.resolve(from.relativize(d).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                if (!NOT_SOURCES.contains(f.getFileName().toString())) {
                    Files.copy(f, to.resolve(from.relativize(f).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return to;
    }
}
