package io.ultrasignals.sniper.cli;

import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.script.ScopeCap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code --scope DIMENSION=VALUE} options, as a signal's scopes. */
final class Scopes {
    private Scopes() {
    }

    /**
     * dimension → value in the order given, checked as a signal's scopes; a malformed option, a dimension given twice
     * or a name or value a scope cannot hold is a usage error (exit 2, one line).
     */
    static Map<String, String> parse(List<String> options) {
        try {
            return new Signal(null, false, split(options)).scopes();
        } catch (IllegalArgumentException e) {
            throw new SniperCli.UsageException("--scope: " + e.getMessage());
        }
    }

    /**
     * The options as scope names to read ({@code symbol=BTCUSDT}); values of one dimension may repeat (a read), at
     * most 8. A malformed one is a usage error.
     */
    static List<String> names(List<String> options) {
        if (options.size() > ScopeCap.MAX_SCOPES) {
            throw new SniperCli.UsageException("--scope: at most 8, got " + options.size());
        }
        for (String option : options) {
            String problem = ScopeCap.problem(option);
            if (problem != null) {
                throw new SniperCli.UsageException("--scope: " + problem);
            }
        }
        return List.copyOf(options);
    }

    private static Map<String, String> split(List<String> options) {
        Map<String, String> scopes = new LinkedHashMap<>();
        for (String option : options) {
            int eq = option.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected DIMENSION=VALUE (e.g. symbol=BTCUSDT), got \"" + option + "\"");
            }
            if (scopes.putIfAbsent(option.substring(0, eq), option.substring(eq + 1)) != null) {
                throw new IllegalArgumentException(option.substring(0, eq) + " is given twice: one value per dimension");
            }
        }
        return scopes;
    }
}
