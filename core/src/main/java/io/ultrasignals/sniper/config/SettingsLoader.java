package io.ultrasignals.sniper.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Loads {@link SniperSettings} from the ultra_signals {@code settings.yaml} and the environment.
 *
 * <p>Precedence, highest first: <b>environment variables &gt; the settings file &gt; the defaults</b>
 * ({@link SettingsDefaults}). A key absent from both keeps its default.
 *
 * <p>The file: the agent reads {@code redis}, {@code runtime.sniper_mode} and {@code sniper_agent} and ignores every
 * other section ({@code features}, {@code trading}, {@code runtime.other_key}, ...), so one file serves Python and
 * Java runners. Inside those three sections every key must be known: a misspelled or misplaced key is an error,
 * never silently dropped.
 *
 * <p>The environment: each variable named {@code ULTRA_SIGNALS_<PATH>} sets one key. {@code <PATH>} is lower-cased and
 * split on {@code __} into levels: {@code ULTRA_SIGNALS_REDIS__HOST} sets {@code redis.host},
 * {@code ULTRA_SIGNALS_RUNTIME__SNIPER_MODE__DAILY_SIGNAL_CAP} sets {@code runtime.sniper_mode.daily_signal_cap}.
 * The value is JSON when it parses as JSON ({@code true}, {@code 12}, {@code 0.5}, {@code null},
 * {@code ["a:1","b:2"]}, {@code {"enabled":true}}), otherwise the text itself. A JSON object merges into the
 * section key by key. When two variables touch one key, the longer (more specific) name wins. A variable that
 * names an unknown key in an owned section is an error naming the variable; variables for other sections are ignored.
 *
 * <p>Every problem is a {@link SettingsException} with a one-line message naming the source (file and line, or
 * variable), the key path and what was expected. Secrets never appear in it.
 */
public final class SettingsLoader {
    /** Variables with this prefix override settings. */
    public static final String ENV_PREFIX = EnvironmentOverrides.PREFIX;

    private final Map<String, String> environment;

    /** A loader that takes overrides from {@code environment} (tests pass a map; production passes {@code System.getenv()}). */
    public SettingsLoader(Map<String, String> environment) {
        this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
    }

    /** A loader that takes overrides from this process's environment. */
    public static SettingsLoader withProcessEnvironment() {
        return new SettingsLoader(System.getenv());
    }

    /** Reads {@code settingsFile} (UTF-8 YAML), then applies the environment on top. */
    public SniperSettings load(Path settingsFile) {
        return bind(YamlSettingsReader.read(readFile(settingsFile), settingsFile.toString())).settings;
    }

    /** Defaults with the environment on top, for runners that have no settings file. */
    public SniperSettings loadWithoutFile() {
        return bind(new SettingNode.Mapping("defaults")).settings;
    }

    /** Like {@link #load(Path)} for YAML text in hand; {@code sourceName} is how errors name it. */
    public SniperSettings loadYaml(String yamlText, String sourceName) {
        return bind(YamlSettingsReader.read(yamlText, sourceName)).settings;
    }

    /** Every key path that the text and environment set, with where each came from (for tests of the key list). */
    Map<String, String> keyOrigins(String yamlText, String sourceName) {
        return bind(YamlSettingsReader.read(yamlText, sourceName)).origins;
    }

    private Loaded bind(SettingNode.Mapping fileTree) {
        EnvironmentOverrides.apply(environment, fileTree);
        SettingsBinder binder = new SettingsBinder();
        SniperSettings settings = binder.bind(fileTree);
        return new Loaded(settings, binder.origins().asMap());
    }

    private static String readFile(Path file) {
        String source = file.toString();
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw SettingsException.inSource(source, "cannot read the settings file: no such file");
        } catch (CharacterCodingException e) {
            throw SettingsException.inSource(source, "cannot read the settings file: it is not UTF-8 text");
        } catch (IOException e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + " " + e.getMessage();
            throw SettingsException.inSource(source, "cannot read the settings file: " + reason);
        }
    }

    private record Loaded(SniperSettings settings, Map<String, String> origins) {
    }
}
