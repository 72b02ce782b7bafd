package io.ultrasignals.sniper.script;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

/**
 * Who makes a call, as the audit stream records it: acquire, release and credit take it as the optional
 * {@code @who=<guard_id> <runner> <audit_max_entries>[:<max_age_ms>]} triple (lua/README.md, "Fleet policy, halt,
 * audit").
 *
 * @param guardId    the guard's id (as in heartbeats), 1..256 bytes
 * @param runner     a readable name of the runner process, up to 256 bytes: by default
 *                   {@code <host>/<pid>-<main class or jar>}; the setting {@code runtime.sniper_mode.audit.runner},
 *                   else the system property {@code sniper.runner} or the environment variable {@code SNIPER_RUNNER}
 *                   names it instead
 * @param maxEntries the stream's bound, {@code XADD MAXLEN ~ maxEntries}, 1..100000000
 * @param maxAgeMillis the stream's age bound, {@code XTRIM MINID ~ <newest id − maxAgeMillis>}, 0..31622400000; 0: none
 */
public record AuditIdentity(String guardId, String runner, long maxEntries, long maxAgeMillis) {
    /** The audit stream's default bound: about a day of a busy fleet's admissions, a few MB in Redis. */
    public static final long DEFAULT_MAX_ENTRIES = 100_000;
    /** The audit stream's default age bound: a week, so Monday still reads the weekend. */
    public static final long DEFAULT_MAX_AGE_HOURS = 168;
    static final long MAX_AGE_MILLIS = 31_622_400_000L;

    public AuditIdentity {
        if (guardId == null || guardId.isEmpty() || bytes(guardId) > 256) {
            throw new IllegalArgumentException("guard id must be 1..256 bytes, got " + guardId);
        }
        runner = runner == null ? "" : runner;
        while (bytes(runner) > 256) {
            runner = runner.substring(0, runner.length() - 1);
        }
        if (maxEntries < 1 || maxEntries > 100_000_000) {
            throw new IllegalArgumentException("audit max entries must be 1..100000000, got " + maxEntries);
        }
        if (maxAgeMillis < 0 || maxAgeMillis > MAX_AGE_MILLIS) {
            throw new IllegalArgumentException("audit max age must be 0..31622400000 ms, got " + maxAgeMillis);
        }
    }

    /** Without an age bound. */
    public AuditIdentity(String guardId, String runner, long maxEntries) {
        this(guardId, runner, maxEntries, 0);
    }

    /** This process with the default bounds: see {@link #ofThisProcess(String, String, long, long)}. */
    public static AuditIdentity ofThisProcess(String guardId) {
        return ofThisProcess(guardId, null, DEFAULT_MAX_ENTRIES, DEFAULT_MAX_AGE_HOURS * 3_600_000L);
    }

    /** Without an age bound: see {@link #ofThisProcess(String, String, long, long)}. */
    public static AuditIdentity ofThisProcess(String guardId, String runner, long maxEntries) {
        return ofThisProcess(guardId, runner, maxEntries, 0);
    }

    /**
     * This process, named {@code runner} (the setting {@code runtime.sniper_mode.audit.runner}); when that is null,
     * {@code sniper.runner}, else {@code SNIPER_RUNNER}, else host, pid and main class.
     */
    public static AuditIdentity ofThisProcess(String guardId, String runner, long maxEntries, long maxAgeMillis) {
        String named = runner;
        if (named == null || named.isBlank()) {
            named = System.getProperty("sniper.runner");
        }
        if (named == null || named.isBlank()) {
            named = System.getenv("SNIPER_RUNNER");
        }
        return new AuditIdentity(guardId, named == null || named.isBlank() ? defaultRunner() : named.strip(),
                maxEntries, maxAgeMillis);
    }

    static String defaultRunner() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception | Error unknown) {
            host = "unknown-host";
        }
        String command = System.getProperty("sun.java.command", "");
        String main = command.isBlank() ? "java" : command.strip().split("\\s+")[0];
        int slash = main.lastIndexOf('/');
        return host + "/" + ProcessHandle.current().pid() + "-" + (slash >= 0 ? main.substring(slash + 1) : main);
    }

    /** The three arguments as the scripts take them. */
    public String[] argv() {
        return new String[] {"@who=" + guardId, runner, bound()};
    }

    /** The audit's bounds as the scripts take them: {@code <max_entries>}, or {@code <max_entries>:<max_age_ms>}. */
    public String bound() {
        return maxAgeMillis == 0 ? Long.toString(maxEntries) : maxEntries + ":" + maxAgeMillis;
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
