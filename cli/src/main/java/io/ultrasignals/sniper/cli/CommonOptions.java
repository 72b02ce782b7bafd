package io.ultrasignals.sniper.cli;

import io.ultrasignals.sniper.config.SettingsLoader;
import io.ultrasignals.sniper.config.SniperSettings;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every command takes: where the settings are, and JSON output. */
final class CommonOptions {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "settings.yaml (the ultra_signals file); ULTRA_SIGNALS_* environment variables override it. "
                    + "Without it: defaults plus the environment.")
    Path config;

    @Option(names = "--json", description = "Machine-readable output: one JSON object.")
    boolean json;

    SniperSettings settings() {
        SettingsLoader loader = SettingsLoader.withProcessEnvironment();
        return config == null ? loader.loadWithoutFile() : loader.load(config);
    }
}
