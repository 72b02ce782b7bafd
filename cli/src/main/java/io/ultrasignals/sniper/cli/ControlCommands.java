package io.ultrasignals.sniper.cli;

import io.ultrasignals.sniper.guard.GuardListener;
import io.ultrasignals.sniper.redis.RedisEngine;
import io.ultrasignals.sniper.script.AcquireArgs;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The fleet's control from the command line: {@code policy show|set|clear}, {@code halt}, {@code resume},
 * {@code audit}. Each change is one control.lua call, which journals it in the audit stream in the same call
 * (docs/control.md).
 */
final class ControlCommands {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");
    private static final Pattern LAYER = Pattern.compile("([a-z][a-z0-9_]{0,31}(?:=[A-Za-z0-9._/:-]{1,64})?),(\\d+),(\\d+)");

    private ControlCommands() {}

    /** Runs {@code body} with the configured Redis's engine; exit 3 when Redis is not configured or unreachable. */
    static int withRedis(CommonOptions common, Function<RedisEngine, Integer> body) {
        try (GuardSession session = GuardSession.open(common.settings(), true, GuardListener.NONE)) {
            RedisEngine redis = session.runtime.guard().redisEngine().orElseThrow(() -> new SniperCli.UsageException(
                    "this command needs Redis: redis.enabled is false in these settings"));
            return body.apply(redis);
        }
    }

    /** {@code 30m}, {@code 1h}, {@code 45s}, {@code 2d}, {@code 500ms}: milliseconds. */
    static long millis(String option, String text) {
        Matcher m = DURATION.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw new SniperCli.UsageException(option + " must be a duration such as 90s, 30m, 1h or 2d, got \"" + text + "\"");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> n;
            case "s" -> n * 1000;
            case "m" -> n * 60_000;
            case "h" -> n * 3_600_000;
            default -> n * 86_400_000;
        };
    }

    /** A cap as strictly as the settings take one: an integer 0..1000000000, 0 = none. */
    static long cap(String option, String text) {
        if (text == null || !text.strip().matches("\\d{1,10}") || Long.parseLong(text.strip()) > AcquireArgs.MAX_CAP) {
            throw new SniperCli.UsageException(option + " must be an integer 0..1000000000 (0 = no cap), got \"" + text + "\"");
        }
        return Long.parseLong(text.strip());
    }

    /** The operator, for the audit: {@code user@host}. */
    static String operator(String who) {
        if (who != null && !who.isBlank()) {
            return who.strip();
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown-host";
        }
        return System.getProperty("user.name", "unknown") + "@" + host + " (cli)";
    }

    static String text(Object o) {
        return o == null ? "" : o.toString();
    }

    static long num(Object o) {
        return o instanceof Number n ? n.longValue() : Long.parseLong(text(o));
    }

    /** Options of every command that changes something: who did it. */
    static final class Operator {
        @Option(names = "--who", paramLabel = "NAME",
                description = "Who makes the change, for the audit (default: user@host (cli)).")
        String who;
    }

    @Command(name = "policy", mixinStandardHelpOptions = true,
            description = "The fleet policy stored in Redis: caps every runner obeys from its next decision on, "
                    + "whatever its settings say.",
            subcommands = {Show.class, Set.class, Clear.class})
    static final class Policy implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @Override
        public Integer call() {
            throw new SniperCli.UsageException("policy needs a subcommand: show, set or clear (see policy --help)");
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "The stored policy, its version, and the halt.")
    static final class Show implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @Override
        public Integer call() {
            return withRedis(common, redis -> {
                List<Object> r = redis.control("show");
                Map<String, Object> out = new LinkedHashMap<>();
                String record = text(r.get(1));
                out.put("namespace", redis.namespace());
                out.put("source", record.isEmpty() ? "settings" : "redis");
                out.put("version", num(r.get(0)));
                out.putAll(policyFields(record));
                out.put("halted", !text(r.get(2)).isEmpty());
                out.put("halt_reason", text(r.get(2)));
                out.put("halt_ttl_ms", num(r.get(3)) < 0 ? -1 : num(r.get(3)));
                if (common.json) {
                    System.out.println(Json.of(out));
                } else if (record.isEmpty()) {
                    System.out.println("no policy stored (version " + out.get("version") + "): each runner's settings give its caps");
                    printHalt(out);
                } else {
                    System.out.printf("policy version %s: %s per hour, %s per day (0 = no cap)%n", out.get("version"),
                            out.get("max_signals_per_hour"), out.get("daily_signal_cap"));
                    @SuppressWarnings("unchecked")
                    List<Map<String, Object>> layers = (List<Map<String, Object>>) out.get("scopes");
                    for (Map<String, Object> l : layers) {
                        System.out.printf("  %-24s %s per hour, %s per day%n", l.get("scope"), l.get("max_signals_per_hour"),
                                l.get("daily_signal_cap"));
                    }
                    printHalt(out);
                }
                return SniperCli.OK;
            });
        }

        private static void printHalt(Map<String, Object> out) {
            if ((Boolean) out.get("halted")) {
                long ttl = (Long) out.get("halt_ttl_ms");
                System.out.println("HALTED: " + out.get("halt_reason") + (ttl < 0 ? " (until resume)" : " (ends in " + ttl / 1000 + " s)"));
            }
        }
    }

    /** {@code <version>|<hourly>|<daily>[|<name>|<hourly>|<daily>]...} as JSON fields. */
    static Map<String, Object> policyFields(String record) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Map<String, Object>> layers = new ArrayList<>();
        if (!record.isEmpty()) {
            String[] f = record.split("\\|", -1);
            out.put("max_signals_per_hour", Long.parseLong(f[1]));
            out.put("daily_signal_cap", Long.parseLong(f[2]));
            for (int i = 3; i + 2 < f.length; i += 3) {
                Map<String, Object> l = new LinkedHashMap<>();
                l.put("scope", f[i]);
                l.put("max_signals_per_hour", Long.parseLong(f[i + 1]));
                l.put("daily_signal_cap", Long.parseLong(f[i + 2]));
                layers.add(l);
            }
        }
        out.put("scopes", layers);
        return out;
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Store a new policy (replaces the whole policy; its version goes up by one). Every "
                    + "decision on Redis uses it from the next call on.")
    static final class Set implements Callable<Integer> {
        @Mixin
        CommonOptions common;
        @Mixin
        Operator operator;

        @Option(names = "--max-signals-per-hour", required = true, paramLabel = "N",
                description = "The fleet's hourly cap, 0..1000000000, 0 = none.")
        String hourly;

        @Option(names = "--daily-signal-cap", required = true, paramLabel = "M",
                description = "The fleet's daily cap, 0..1000000000, 0 = none.")
        String daily;

        @Option(names = "--scope-cap", paramLabel = "NAME,HOURLY,DAILY",
                description = "Caps of a scope dimension (symbol,1,0) or of one value (symbol=BTCUSDT,2,0); repeatable. "
                        + "A scope takes its value's caps, else its dimension's, else none.")
        List<String> scopeCaps = new ArrayList<>();

        @Override
        public Integer call() {
            List<String> argv = new ArrayList<>(List.of("policy_set", operator(operator.who),
                    Long.toString(cap("--max-signals-per-hour", hourly)), Long.toString(cap("--daily-signal-cap", daily))));
            List<String> names = new ArrayList<>();
            for (String layer : scopeCaps) {
                Matcher m = LAYER.matcher(layer.strip());
                if (!m.matches()) {
                    throw new SniperCli.UsageException("--scope-cap must be NAME,HOURLY,DAILY with NAME a dimension (symbol) "
                            + "or one value (symbol=BTCUSDT), e.g. symbol,1,0; got \"" + layer + "\"");
                }
                if (names.contains(m.group(1))) {
                    throw new SniperCli.UsageException("--scope-cap names " + m.group(1) + " twice");
                }
                names.add(m.group(1));
                argv.add(m.group(1));
                argv.add(Long.toString(cap("--scope-cap " + m.group(1) + " hourly", m.group(2))));
                argv.add(Long.toString(cap("--scope-cap " + m.group(1) + " daily", m.group(3))));
            }
            if (names.size() > 64) {
                throw new SniperCli.UsageException("--scope-cap: at most 64, got " + names.size());
            }
            return withRedis(common, redis -> {
                long version = num(redis.control(argv.toArray(String[]::new)).get(0));
                print(common, "policy_set", version, "policy version " + version + " stored: " + argv.get(2)
                        + " per hour, " + argv.get(3) + " per day" + (names.isEmpty() ? "" : ", scopes " + names));
                return SniperCli.OK;
            });
        }
    }

    @Command(name = "clear", mixinStandardHelpOptions = true,
            description = "Remove the stored policy: each runner's settings give its caps again.")
    static final class Clear implements Callable<Integer> {
        @Mixin
        CommonOptions common;
        @Mixin
        Operator operator;

        @Override
        public Integer call() {
            return withRedis(common, redis -> {
                long version = num(redis.control("policy_clear", operator(operator.who)).get(0));
                print(common, "policy_clear", version, "policy cleared (version " + version + "): settings give the caps");
                return SniperCli.OK;
            });
        }
    }

    static void print(CommonOptions common, String done, long version, String line) {
        if (common.json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("done", done);
            out.put("version", version);
            System.out.println(Json.of(out));
        } else {
            System.out.println(line);
        }
    }

    @Command(name = "halt", mixinStandardHelpOptions = true,
            description = "Stop the whole fleet: from the next call on every decision on Redis is SNIPER_HALTED, "
                    + "counting nothing, until resume (or the TTL ends).")
    static final class Halt implements Callable<Integer> {
        @Mixin
        CommonOptions common;
        @Mixin
        Operator operator;

        @Option(names = "--reason", required = true, paramLabel = "TEXT",
                description = "Why, 1..256 bytes: every blocked runner is told it.")
        String reason;

        @Option(names = "--ttl", paramLabel = "DURATION",
                description = "End the halt by itself after this long (90s, 30m, 1h, 2d; at most 30d). Default: until resume.")
        String ttl;

        @Override
        public Integer call() {
            String text = reason == null ? "" : reason.strip();
            if (text.isEmpty() || text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 256) {
                throw new SniperCli.UsageException("--reason must be 1..256 bytes saying why, got "
                        + text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
            }
            long ttlMillis = ttl == null ? 0 : millis("--ttl", ttl);
            if (ttl != null && (ttlMillis < 1 || ttlMillis > 2_592_000_000L)) {
                throw new SniperCli.UsageException("--ttl must be between 1ms and 30d, got \"" + ttl + "\"");
            }
            return withRedis(common, redis -> {
                redis.control("halt", operator(operator.who), text, Long.toString(ttlMillis));
                if (common.json) {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("done", "halt");
                    out.put("reason", text);
                    out.put("ttl_ms", ttl == null ? -1 : ttlMillis);
                    System.out.println(Json.of(out));
                } else {
                    System.out.println("HALTED " + redis.namespace() + ": " + text
                            + (ttl == null ? " (until resume)" : " (for " + ttl + ")"));
                }
                return SniperCli.OK;
            });
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Lift the halt: decisions resume from the next call.")
    static final class Resume implements Callable<Integer> {
        @Mixin
        CommonOptions common;
        @Mixin
        Operator operator;

        @Override
        public Integer call() {
            return withRedis(common, redis -> {
                boolean lifted = num(redis.control("resume", operator(operator.who)).get(0)) == 1;
                if (common.json) {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("done", "resume");
                    out.put("was_halted", lifted);
                    System.out.println(Json.of(out));
                } else {
                    System.out.println(lifted ? "resumed " + redis.namespace() : "not halted: nothing to resume");
                }
                return SniperCli.OK;
            });
        }
    }

    @Command(name = "audit", mixinStandardHelpOptions = true,
            description = "The audit stream: admissions, releases, credits and restores, policy changes, halts and resumes, "
                    + "oldest first, each with its Redis time, guard, runner, signal, layer and backend.")
    static final class Audit implements Callable<Integer> {
        @Mixin
        CommonOptions common;

        @Option(names = "--since", paramLabel = "DURATION", defaultValue = "1h",
                description = "How far back (90s, 30m, 1h, 2d; default ${DEFAULT-VALUE}).")
        String since;

        @Option(names = "--follow", description = "Keep printing new entries (Ctrl-C stops).")
        boolean follow;

        @Override
        public Integer call() {
            long back = millis("--since", since);
            return withRedis(common, redis -> {
                String start = Long.toString(Math.max(0, redis.clock().redisNow() - back));
                do {
                    List<Object> entries = redis.control("audit", start, "1000");
                    for (Object e : entries) {
                        List<?> entry = (List<?>) e;
                        start = "(" + entry.get(0);
                        print(text(entry.get(0)), (List<?>) entry.get(1));
                    }
                    if (entries.size() < 1000 && follow) {
                        sleep();
                    }
                } while (follow && !Thread.currentThread().isInterrupted());
                return SniperCli.OK;
            });
        }

        private void print(String id, List<?> fields) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("id", id);
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                String k = text(fields.get(i));
                String v = text(fields.get(i + 1));
                out.put(k, k.equals("time") || k.equals("n") ? (Object) Long.parseLong(v) : v);
            }
            if (common.json) {
                System.out.println(Json.of(out));
            } else {
                Object t = out.get("time");
                System.out.printf("%s  %-12s %-10s %s %s%s%n", t instanceof Long l ? Instant.ofEpochMilli(l) : id,
                        out.get("event"), out.getOrDefault("backend", ""), out.getOrDefault("runner", ""),
                        text(out.get("signal")).isEmpty() ? "" : "signal " + out.get("signal") + " ",
                        summary(out));
            }
        }

        private static String summary(Map<String, Object> e) {
            StringBuilder s = new StringBuilder();
            if (!text(e.get("layer")).isEmpty()) {
                s.append("layer ").append(e.get("layer")).append(' ');
            }
            if (e.containsKey("n")) {
                s.append("n=").append(e.get("n")).append(' ');
            }
            if (!text(e.get("text")).isEmpty()) {
                s.append('"').append(e.get("text")).append("\" ");
            }
            if (!text(e.get("policy")).isEmpty()) {
                s.append("policy v").append(e.get("policy"));
            }
            return s.toString().strip();
        }

        private static void sleep() {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
