package io.ultrasignals.sniper.bench;

/** Small helpers for the benchmark mains' options: one-line errors that say what was expected. */
final class CliArgs {
    private CliArgs() {}

    /** The value after option {@code args[i - 1]}. */
    static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " expects a value");
        }
        return args[i];
    }

    static int positive(String option, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(option + " expects a positive integer, got " + value);
    }
}
