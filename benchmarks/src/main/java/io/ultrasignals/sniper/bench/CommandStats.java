package io.ultrasignals.sniper.bench;

/**
 * One command's line of {@code INFO commandstats}: how many calls Redis counted and the microseconds
 * it spent inside them (server time only: no network, no client).
 */
record CommandStats(long calls, long usec, long failedCalls) {
    /** The stats of {@code command} (e.g. {@code evalsha}) in an {@code INFO commandstats} reply; zero if absent. */
    static CommandStats of(String info, String command) {
        String prefix = "cmdstat_" + command + ":";
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(prefix)) {
                long calls = 0, usec = 0, failed = 0;
                // calls=N,usec=N,usec_per_call=F,rejected_calls=N,failed_calls=N (the last two since Redis 7)
                for (String field : line.substring(prefix.length()).strip().split(",")) {
                    int eq = field.indexOf('=');
                    String name = field.substring(0, eq);
                    switch (name) {
                        case "calls" -> calls = Long.parseLong(field.substring(eq + 1));
                        case "usec" -> usec = Long.parseLong(field.substring(eq + 1));
                        case "failed_calls" -> failed = Long.parseLong(field.substring(eq + 1));
                        default -> { } // usec_per_call is recomputed; rejected calls never ran
                    }
                }
                return new CommandStats(calls, usec, failed);
            }
        }
        return new CommandStats(0, 0, 0);
    }

    /** Mean server time per call, with more precision than Redis's own two-decimal usec_per_call. */
    double usecPerCall() {
        return calls == 0 ? Double.NaN : (double) usec / calls;
    }
}
