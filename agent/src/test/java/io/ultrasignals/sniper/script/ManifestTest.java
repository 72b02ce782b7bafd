package io.ultrasignals.sniper.script;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisBinary;
import io.ultrasignals.sniper.testkit.RedisExtension;
import io.ultrasignals.sniper.testkit.RedisFleet;
import io.ultrasignals.sniper.testkit.RedisServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** lua/manifest.json, the script files and what Redis computes for them agree. */
@ExtendWith(RedisExtension.class)
class ManifestTest {
    static Path repoRoot() {
        return io.ultrasignals.sniper.testkit.RepoRoot.path();
    }

    @Test
    void manifestListsEveryScriptFileWithItsSha1() throws IOException {
        Path lua = repoRoot().resolve("lua");
        JsonNode manifest = new ObjectMapper().readTree(lua.resolve("manifest.json").toFile());
        List<String> listed = new ArrayList<>();
        for (JsonNode entry : manifest.path("scripts")) {
            String path = entry.path("path").asText();
            listed.add(path);
            byte[] bytes = Files.readAllBytes(lua.resolve(path));
            assertThat(ScriptCatalog.sha1Hex(bytes)).as("SHA-1 of lua/" + path + " (run lua/update-manifest.sh)")
                    .isEqualTo(entry.path("sha1").asText());
            assertThat(path).as("path of " + entry).isEqualTo("v" + entry.path("abi").asInt() + "/" + entry.path("name").asText() + ".lua");
        }
        try (Stream<Path> files = Files.walk(lua)) {
            List<String> onDisk = files.filter(p -> p.toString().endsWith(".lua"))
                    .map(p -> lua.relativize(p).toString()).sorted().toList();
            assertThat(listed).as("scripts in lua/ vs manifest").containsExactlyInAnyOrderElementsOf(onDisk);
        }
    }

    @Test
    void jarCopyIsTheRepositoryFile() throws IOException {
        Path lua = repoRoot().resolve("lua");
        for (SniperScript script : ScriptCatalog.load().all()) {
            assertThat(script.body()).as(script.name())
                    .isEqualTo(Files.readAllBytes(lua.resolve("v" + script.abi() + "/" + script.name() + ".lua")));
        }
    }

    @Test
    void catalogHasTheFourV1Scripts() {
        ScriptCatalog catalog = ScriptCatalog.load();
        assertThat(catalog.all()).extracting(SniperScript::name)
                .containsExactlyInAnyOrder("acquire", "status", "release", "credit", "heartbeat");
        assertThat(catalog.acquire().abi()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ultrasignals.sniper.testkit.RedisBinaries#all")
    void scriptLoadReturnsTheManifestSha(RedisBinary binary, RedisFleet fleet) {
        RedisServer server = fleet.shared(binary);
        for (SniperScript script : ScriptCatalog.load().all()) {
            assertThat(server.call("SCRIPT", "LOAD", script.source())).as(script.name() + " on " + binary)
                    .isEqualTo(script.sha1());
        }
    }

    @Test
    void bothRedisMajorsAreUnderTestUnlessOverridden() {
        if (System.getenv("SNIPER_REDIS_SERVER") == null) {
            assertThat(RedisBinaries.all()).extracting(RedisBinary::major).contains(6, 7);
        }
    }
}
