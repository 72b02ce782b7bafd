package io.ultrasignals.sniper.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** docs/settings.md lists every key the loader reads, with the default the code really has. */
class SettingsDocumentationTest {
    private static final Pattern KEY_ROW = Pattern.compile("^\\| `([a-z_.\\[\\]<>]+)` \\| (`([^`]*)`|required) \\|", Pattern.MULTILINE);

    static Map<String, String> documentedDefaults() {
        Path root = Path.of(System.getenv().getOrDefault("SNIPER_REPO_ROOT", ".."));
        String doc;
        try {
            doc = Files.readString(root.resolve("docs/settings.md"));
        } catch (IOException e) {
            throw new AssertionError("docs/settings.md not found under " + root.toAbsolutePath(), e);
        }
        Map<String, String> defaults = new LinkedHashMap<>();
        Matcher row = KEY_ROW.matcher(doc);
        while (row.find()) {
            defaults.put(row.group(1), row.group(3)); // null for "required"
        }
        assertThat(defaults).as("key rows in docs/settings.md").hasSizeGreaterThan(30);
        return defaults;
    }

    static Stream<Arguments> documentedTopLevelDefaults() {
        return documentedDefaults().entrySet().stream()
                .filter(e -> !e.getKey().contains("[]") && !e.getKey().contains("<"))
                .map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("documentedTopLevelDefaults")
    void settingAKeyToItsDocumentedDefaultChangesNothing(String key, String documentedDefault) {
        String variable = SettingsLoader.ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace(".", "__");

        SniperSettings settings = new SettingsLoader(Map.of(variable, documentedDefault)).loadWithoutFile();

        assertThat(settings).isEqualTo(SniperSettings.defaults());
    }

    @Test
    void documentedTargetDefaultsAreTheBuildersDefaults() {
        Map<String, String> doc = documentedDefaults();
        InstrumentTarget target = InstrumentTarget.builder("a.B#c").build();

        assertThat(doc.get("sniper_agent.instrument[].method")).isNull();
        assertThat(doc.get("sniper_agent.instrument[].match")).isEqualTo(Checks.yamlName(target.match()));
        assertThat(doc.get("sniper_agent.instrument[].on_block")).isEqualTo(Checks.yamlName(target.onBlock()));
        assertThat(target.signalId()).isNull();
        assertThat(target.mtfConfirmed()).isNull();
        assertThat(target.returnValue()).isNull();
        assertThat(target.exception()).isNull();
        assertThat(doc).containsEntry("sniper_agent.instrument[].signal_id", "null")
                .containsEntry("sniper_agent.instrument[].mtf_confirmed", "null")
                .containsEntry("sniper_agent.instrument[].return_value", "null")
                .containsEntry("sniper_agent.instrument[].exception", "null");
    }

    @Test
    void theKeysTheLoaderReadsAreExactlyTheDocumentedOnes() {
        SettingsLoader loader = new SettingsLoader(Map.of());
        Set<String> read = new TreeSet<>();
        read.addAll(loader.keyOrigins(SettingsLoaderTest.resource("every-key.yaml"), "every-key.yaml").keySet());
        read.addAll(loader.keyOrigins(SettingsLoaderTest.resource("every-key-cluster.yaml"), "every-key-cluster.yaml").keySet());
        // Names the user chooses read as the docs write them: a scope's dimension and one of its values.
        Set<String> readLeaves = leaves(read.stream().map(k -> k.replaceAll("\\[\\d+]", "[]")
                        .replaceAll("\\.scopes\\.[a-z][a-z0-9_]*", ".scopes.<dimension>")
                        .replaceAll("\\.values\\.[^.]+", ".values.<value>"))
                .collect(Collectors.toSet()));

        assertThat(readLeaves).isEqualTo(leaves(documentedDefaults().keySet()));
    }

    /** Key paths that no other path extends (redis.tls.enabled, not redis.tls). */
    static Set<String> leaves(Set<String> paths) {
        return paths.stream()
                .filter(p -> paths.stream().noneMatch(other -> other.startsWith(p + ".") || other.startsWith(p + "[")))
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
