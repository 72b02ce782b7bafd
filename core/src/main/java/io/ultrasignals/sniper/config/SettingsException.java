package io.ultrasignals.sniper.config;

/**
 * A setting that is missing, malformed, out of range, unknown or contradicts another. The message is one line:
 * {@code <source>: <key path>: <problem>}, for example
 * {@code settings.yaml line 12: runtime.sniper_mode.max_signals_per_hour: expected an integer 0..1000000000, got "two"}
 * or {@code env ULTRA_SIGNALS_REDIS__HOTS: redis.hots: unknown key, did you mean host?}.
 * The source is absent for settings built in code, the key path for a file that is not YAML at all.
 * A message never holds the value of a secret.
 */
public final class SettingsException extends RuntimeException {
    private final String source;
    private final String keyPath;
    private final String relatedKeyPath;
    private final String problem;

    private SettingsException(String source, String keyPath, String relatedKeyPath, String problem) {
        super(format(source, keyPath, problem), null, false, true);
        this.source = source;
        this.keyPath = keyPath;
        this.relatedKeyPath = relatedKeyPath;
        this.problem = problem;
    }

    /** The value at {@code keyPath} is wrong: {@code problem} says what was expected. */
    static SettingsException invalid(String keyPath, String problem) {
        return new SettingsException(null, keyPath, null, problem);
    }

    /** The value at {@code keyPath} contradicts the one at {@code relatedKeyPath}. */
    static SettingsException conflict(String keyPath, String relatedKeyPath, String problem) {
        return new SettingsException(null, keyPath, relatedKeyPath, problem);
    }

    /** The whole source is unusable (unreadable file, malformed YAML); {@code source} names it. */
    static SettingsException inSource(String source, String problem) {
        return new SettingsException(source, null, null, problem);
    }

    /** The same problem, said to come from {@code source} (a file line or an environment variable). */
    SettingsException from(String source) {
        return new SettingsException(source, keyPath, relatedKeyPath, problem);
    }

    /** The same problem at a key path whose leading {@code oldPrefix} is replaced by {@code newPrefix}. */
    SettingsException movedTo(String oldPrefix, String newPrefix) {
        if (keyPath == null || !keyPath.startsWith(oldPrefix)) {
            return this;
        }
        return new SettingsException(source, newPrefix + keyPath.substring(oldPrefix.length()), relatedKeyPath, problem);
    }

    /** Where the wrong value came from: {@code <file> line <n>} or {@code env <VARIABLE>}; null for settings built in code. */
    public String source() {
        return source;
    }

    /** The dotted key path of the wrong setting, e.g. {@code redis.port}; null when the file as a whole is unusable. */
    public String keyPath() {
        return keyPath;
    }

    /** The other setting of a contradiction, or null. */
    String relatedKeyPath() {
        return relatedKeyPath;
    }

    /** What was wrong and what was expected, without source and key path. */
    public String problem() {
        return problem;
    }

    private static String format(String source, String keyPath, String problem) {
        StringBuilder line = new StringBuilder();
        if (source != null) {
            line.append(source).append(": ");
        }
        if (keyPath != null) {
            line.append(keyPath).append(": ");
        }
        line.append(problem);
        // One line, always: a value quoted into the problem may have held a line break.
        return line.toString().replaceAll("[\\r\\n]+", " ");
    }
}
