package io.ultrasignals.sniper.instrument;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The javaagent's options, the text after {@code =} in {@code -javaagent:sniper-agent.jar=OPTIONS}: comma-separated
 * {@code name=value} pairs.
 * <ul>
 *   <li>{@code config=PATH}: the settings file (relative to the working directory). Without it: the defaults and
 *       the {@code ULTRA_SIGNALS_*} environment variables only.</li>
 *   <li>{@code check=start} (default): every class named in {@code sniper_agent.instrument} must be on the class path
 *       at start-up, and is checked there. {@code check=load}: classes that other class loaders load later (plugin
 *       hosts, application servers, fat-jar launchers) are checked when they load.</li>
 * </ul>
 *
 * @param config       the settings file, or null
 * @param checkAtStart whether named classes must be found at start-up
 */
record AgentOptions(Path config, boolean checkAtStart) {
    static final String USAGE = "expected comma-separated config=PATH and check=start|load";

    static AgentOptions parse(String text) {
        Path config = null;
        boolean checkAtStart = true;
        if (text == null || text.isBlank()) {
            return new AgentOptions(null, true);
        }
        for (String option : text.split(",")) {
            int equals = option.indexOf('=');
            String name = equals < 0 ? option.trim() : option.substring(0, equals).trim();
            String value = equals < 0 ? null : option.substring(equals + 1).trim();
            if (value == null || value.isEmpty()) {
                throw new Misconfiguration("agent option \"" + option.trim() + "\": has no value; " + USAGE);
            }
            switch (name.toLowerCase(Locale.ROOT)) {
                case "config" -> config = Path.of(value);
                case "check" -> checkAtStart = switch (value.toLowerCase(Locale.ROOT)) {
                    case "start" -> true;
                    case "load" -> false;
                    default -> throw new Misconfiguration("agent option check=" + value + ": expected start or load");
                };
                default -> throw new Misconfiguration("agent option \"" + name + "\": unknown; " + USAGE);
            }
        }
        return new AgentOptions(config, checkAtStart);
    }
}
