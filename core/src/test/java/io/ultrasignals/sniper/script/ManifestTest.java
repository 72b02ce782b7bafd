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

    /**
     * A SHA-1 in the docs is what readers paste into EVALSHA: each one, full or abbreviated with an
     * ellipsis, must be a script's SHA-1 in the manifest, and a {@code SCRIPT LOAD < lua/vN/name.lua}
     * shown with its reply must show that file's.
     */
    @Test
    void everySha1ShownInTheDocsIsInTheManifest() throws IOException {
        Path root = repoRoot();
        JsonNode manifest = new ObjectMapper().readTree(root.resolve("lua/manifest.json").toFile());
        java.util.Map<String, String> shaByPath = new java.util.HashMap<>();
        for (JsonNode entry : manifest.path("scripts")) {
            shaByPath.put("lua/" + entry.path("path").asText(), entry.path("sha1").asText());
        }
        java.util.regex.Pattern full = java.util.regex.Pattern.compile("(?<![0-9a-f])[0-9a-f]{40}(?![0-9a-f])");
        java.util.regex.Pattern abbreviated = java.util.regex.Pattern.compile("(?<![0-9a-f])(?=[0-9]*[a-f])([0-9a-f]{7,39})(?:…|\\.\\.\\.)");
        java.util.regex.Pattern loaded = java.util.regex.Pattern.compile("SCRIPT LOAD < (lua/v\\d+/\\w+\\.lua)\\s*\\n\"([0-9a-f]{40})\"");
        List<String> problems = new ArrayList<>();
        int shown = 0;
        List<Path> docs;
        try (Stream<Path> files = Files.walk(root)) {
            docs = files.filter(p -> p.toString().endsWith(".md"))
                    .filter(p -> !root.relativize(p).toString().matches("(^|.*/)(target|node_modules|\\.git)/.*"))
                    .sorted().toList();
        }
        for (Path doc : docs) {
            String text = Files.readString(doc);
            String name = root.relativize(doc).toString();
            for (java.util.regex.Matcher m = full.matcher(text); m.find(); shown++) {
                if (!shaByPath.containsValue(m.group())) {
                    problems.add(name + " shows " + m.group() + ", which is no script's SHA-1 in lua/manifest.json");
                }
            }
            for (java.util.regex.Matcher m = abbreviated.matcher(text); m.find(); shown++) {
                String prefix = m.group(1);
                if (shaByPath.values().stream().noneMatch(sha -> sha.startsWith(prefix))) {
                    problems.add(name + " shows " + prefix + "…, which starts no script's SHA-1 in lua/manifest.json");
                }
            }
            for (java.util.regex.Matcher m = loaded.matcher(text); m.find(); ) {
                if (!m.group(2).equals(shaByPath.get(m.group(1)))) {
                    problems.add(name + ": SCRIPT LOAD < " + m.group(1) + " shows " + m.group(2) + ", the manifest says "
                            + shaByPath.get(m.group(1)));
                }
            }
        }
        assertThat(problems).as("SHA-1s in the docs (after a script change: lua/update-manifest.sh, then the docs)").isEmpty();
        assertThat(shown).as("SHA-1s found in " + docs.size() + " docs (lua/README.md shows acquire's)").isPositive();
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
    void catalogHasTheSixV1Scripts() {
        ScriptCatalog catalog = ScriptCatalog.load();
        assertThat(catalog.all()).extracting(SniperScript::name)
                .containsExactlyInAnyOrder("acquire", "status", "release", "credit", "heartbeat", "control");
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
