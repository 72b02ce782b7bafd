package io.ultrasignals.sniper.bench;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.AcquireReply;
import io.ultrasignals.sniper.script.ScopeCap;
import io.ultrasignals.sniper.script.ScriptCatalog;
import io.ultrasignals.sniper.script.WindowMode;
import io.ultrasignals.sniper.testkit.RedisServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Server-side cost of acquire as Redis itself reports it ({@code INFO commandstats}: microseconds
 * spent inside EVALSHA, no network, no client), beside an empty script ({@code return 1}) on the same
 * server. Issue 2's target: acquire (fixed window, no signal id, Redis clock) at most 6x the empty script.
 *
 * <p>Each round runs every case once ({@code CONFIG RESETSTAT}, N pipelined calls, read the stats)
 * and divides by the empty script of the same round, so load from other processes hits both sides
 * of a ratio alike. Printed: medians over the rounds.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.ultrasignals.sniper.bench.ServerCost
 *     [--calls 200000] [--rounds 5] [--window 256] [--script label=path.lua]... [--target-only]
 *     [--scopes] [--control] [--no-redis-benchmark]</pre>
 *
 * {@code --script} adds a scratch script (an acquire variant) called with acquire's fixed-window
 * arguments: the way to try a change to lua/v1/acquire.lua before making it. {@code --target-only}
 * skips the informational cases (other windows, signal ids), for quick comparisons of variants.
 * {@code --scopes} adds acquire with 1, 3 and 8 scopes (layered caps), each beside the bare calls the same
 * keys need: TIME, one MGET of every bucket, an INCR per bucket and the 8-element reply, without and with the
 * audit's XADD that every admission makes (and each {@code --script} also with 3 scopes).
 * {@code --control} adds acquire with caps passed and with the same caps from a stored policy, with the caller's
 * identity (alone, with the audit's age bound, and with the room kept for runners not yet seen), and halted,
 * beside the bare calls plus the audit's XADD (docs/control.md).
 */
public final class ServerCost {
    private static final String NS = "bench";
    private static final String EMPTY_SCRIPT = "return 1";
    /** The calls a fixed-window admission cannot do without, and nothing else (issue 2's "bare calls"). */
    private static final String BARE_CALLS_SCRIPT = String.join("\n",
            "local ns = KEYS[1]",
            "redis.call('TIME')",
            "redis.call('MGET', ns .. ':hour:1', ns .. ':day:1')",
            "redis.call('INCR', ns .. ':hour:1')",
            "redis.call('INCR', ns .. ':day:1')",
            "return 1");
    /** The bare calls plus a reply shaped like acquire's: the floor for any script with the v1 ABI. */
    private static final String BARE_CALLS_AND_REPLY_SCRIPT = BARE_CALLS_SCRIPT.replace("return 1",
            "return {1, 'OK', 1, 1, 0, 1700000000000, 0}");
    private static final String TARGET = "acquire fixed, admitted (TARGET)";
    private static final String CONTROL_FLOOR = "bare calls + reply + audit XADD";
    /** The floor of a journaled admission with scopes (acquire XADDs every admission), before "n scopes". */
    private static final String SCOPE_FLOOR_XADD = "bare calls + reply + XADD, ";
    private static final String NO_POLICY = "acquire fixed, admitted, caps 1e9 passed, no policy";
    private static final String POLICY_STORED = "acquire fixed, admitted, caps 1e9 from a stored policy";
    private static final String IDENTITY = "acquire fixed, admitted, @who identity";
    private static final String IDENTITY_AGED = "acquire fixed, admitted, @who, age bound";
    private static final String IDENTITY_ROOM = "acquire fixed, admitted, @who and @room";
    private static final double TARGET_RATIO = 6.0;

    private static final String[] FIXED_ADMITTED = argv(0, 0, null, WindowMode.FIXED);
    /** Scope counts measured with --scopes. */
    private static final int[] SCOPE_COUNTS = {1, 3, 8};

    private final Options options;

    private ServerCost(Options options) {
        this.options = options;
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("ServerCost: " + e.getMessage());
            System.exit(2);
            return;
        }
        new ServerCost(options).run();
    }

    private void run() {
        try (BenchRedis bench = BenchRedis.start()) {
            RedisCommands<String, String> redis = bench.sync();
            String acquireSha = redis.scriptLoad(ScriptCatalog.load().acquire().body());
            List<ServerCostCase> cases = cases(redis, acquireSha);
            System.out.printf(Locale.ROOT, "%s; %d calls per case, %d rounds, %d in flight%n", bench.describe(),
                    options.calls, options.rounds, options.window);
            checkPaths(redis, acquireSha);
            Map<String, Samples> usec = measure(redis, new PipelinedCalls(bench.connection(), options.window), cases);
            print(cases, usec);
            if (options.redisBenchmark) {
                runRedisBenchmark(bench.server(), redis, acquireSha);
            }
        }
    }

    private List<ServerCostCase> cases(RedisCommands<String, String> redis, String acquireSha) {
        String emptySha = redis.scriptLoad(EMPTY_SCRIPT);
        String bareSha = redis.scriptLoad(BARE_CALLS_SCRIPT);
        String bareReplySha = redis.scriptLoad(BARE_CALLS_AND_REPLY_SCRIPT);
        String[] ns = {NS};
        List<ServerCostCase> cases = new ArrayList<>();
        cases.add(ServerCostCase.constant("empty script, no keys/args", emptySha, ScriptOutputType.INTEGER,
                new String[0], new String[0]));
        cases.add(ServerCostCase.constant("empty script, acquire's keys/args", emptySha, ScriptOutputType.INTEGER,
                ns, FIXED_ADMITTED));
        cases.add(ServerCostCase.constant("bare calls TIME+MGET+2 INCR", bareSha, ScriptOutputType.INTEGER,
                ns, FIXED_ADMITTED));
        cases.add(ServerCostCase.constant("bare calls + 7-element reply", bareReplySha, ScriptOutputType.MULTI,
                ns, FIXED_ADMITTED));
        cases.add(ServerCostCase.constant(TARGET, acquireSha, ScriptOutputType.MULTI, ns, FIXED_ADMITTED));
        if (options.scopes) {
            addScopeCases(redis, cases, acquireSha);
        }
        if (options.control) {
            addControlCases(redis, cases, acquireSha);
        }
        if (!options.allCases) {
            addScratchScripts(redis, cases);
            return cases;
        }
        cases.add(ServerCostCase.constant("acquire fixed, admitted, caps 1e9", acquireSha, ScriptOutputType.MULTI,
                ns, argv(AcquireArgs.MAX_CAP, AcquireArgs.MAX_CAP, null, WindowMode.FIXED)));
        cases.add(ServerCostCase.constant("acquire fixed, blocked (hourly 1)", acquireSha, ScriptOutputType.MULTI,
                ns, argv(1, 0, null, WindowMode.FIXED)));
        cases.add(ServerCostCase.constant("acquire sliding, admitted", acquireSha, ScriptOutputType.MULTI,
                ns, argv(0, 0, null, WindowMode.SLIDING)));
        cases.add(new ServerCostCase("acquire fixed, new signal id", acquireSha, ScriptOutputType.MULTI, ns,
                i -> argv(0, 0, "sig-" + i, WindowMode.FIXED), false));
        cases.add(ServerCostCase.constant("acquire fixed, replayed signal id", acquireSha, ScriptOutputType.MULTI,
                ns, argv(0, 0, "sig-replayed", WindowMode.FIXED)).primedFirst());
        addScratchScripts(redis, cases);
        return cases;
    }

    /**
     * The fleet's control (docs/control.md): acquire with and without a stored policy (caps 1e9 either way, passed
     * or stored, so every check runs and every signal is admitted), with the caller's identity, halted; beside
     * the bare calls plus the audit's XADD, the floor of an admission that is journaled.
     */
    private static void addControlCases(RedisCommands<String, String> redis, List<ServerCostCase> cases, String acquireSha) {
        String[] ns = {NS};
        String[] capped = argv(AcquireArgs.MAX_CAP, AcquireArgs.MAX_CAP, null, WindowMode.FIXED);
        String bareXadd = redis.scriptLoad(BARE_CALLS_AND_REPLY_SCRIPT.replace("return {",
                "redis.call('XADD', ns .. ':audit', 'MAXLEN', '~', 100000, '*', 'event', 'admit', 'time', '1700000000000',"
                        + " 'guard', '-', 'runner', '-', 'signal', '', 'layer', 'fleet', 'backend', 'redis', 'policy', '')\n"
                        + "return {"));
        cases.add(ServerCostCase.constant(CONTROL_FLOOR, bareXadd, ScriptOutputType.MULTI, ns, capped));
        cases.add(ServerCostCase.constant(NO_POLICY, acquireSha, ScriptOutputType.MULTI, ns, capped));
        cases.add(ServerCostCase.constant(POLICY_STORED, acquireSha, ScriptOutputType.MULTI, ns, FIXED_ADMITTED)
                .with(NS + ":policy", "7|1000000000|1000000000"));
        String[] who = new String[capped.length + 4];
        System.arraycopy(capped, 0, who, 0, capped.length);
        who[7] = "";
        who[8] = "@who=guard-1";
        who[9] = "host/1234-runner";
        who[10] = "100000";
        cases.add(ServerCostCase.constant(IDENTITY, acquireSha, ScriptOutputType.MULTI, ns, who));
        // The audit's age bound: XTRIM MINID ~ on the first entry of each millisecond (a tight loop: one call in many).
        String[] aged = who.clone();
        aged[10] = "100000:604800000";
        cases.add(ServerCostCase.constant(IDENTITY_AGED, acquireSha, ScriptOutputType.MULTI, ns, aged));
        // The room kept for runners not yet seen (fleet_size): one more triple, one more comparison.
        String[] room = java.util.Arrays.copyOf(who, who.length + 3);
        room[11] = "@room";
        room[12] = "20";
        room[13] = "0";
        cases.add(ServerCostCase.constant(IDENTITY_ROOM, acquireSha, ScriptOutputType.MULTI, ns, room));
        cases.add(ServerCostCase.constant("acquire fixed, halted", acquireSha, ScriptOutputType.MULTI, ns, capped)
                .with(NS + ":halt", "benchmark"));
    }

    /** Acquire with n scopes (caps 1e9: every check runs, every signal is admitted) beside its bare calls. */
    private static void addScopeCases(RedisCommands<String, String> redis, List<ServerCostCase> cases, String acquireSha) {
        for (int n : SCOPE_COUNTS) {
            List<ScopeCap> scopes = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                scopes.add(new ScopeCap("d" + i + "=v", AcquireArgs.MAX_CAP, AcquireArgs.MAX_CAP));
            }
            String[] argv = new AcquireArgs(0, 0, false, false, null, null, WindowMode.FIXED, scopes).argv();
            String bareSha = redis.scriptLoad(bareCallsWithScopes(scopes, false));
            cases.add(ServerCostCase.constant("bare calls + reply, " + n + " scope" + (n == 1 ? "" : "s"), bareSha,
                    ScriptOutputType.MULTI, new String[] {NS}, argv));
            String journaledSha = redis.scriptLoad(bareCallsWithScopes(scopes, true));
            cases.add(ServerCostCase.constant(SCOPE_FLOOR_XADD + n + " scope" + (n == 1 ? "" : "s"), journaledSha,
                    ScriptOutputType.MULTI, new String[] {NS}, argv));
            cases.add(ServerCostCase.constant("acquire fixed, admitted, " + n + " scope" + (n == 1 ? "" : "s"), acquireSha,
                    ScriptOutputType.MULTI, new String[] {NS}, argv));
        }
    }

    /**
     * TIME, one MGET of the fleet's buckets, the held record and every scope's, an INCR per bucket, acquire's reply;
     * with {@code journaled} also the audit's XADD every admission makes (its fields as acquire writes them).
     */
    private static String bareCallsWithScopes(List<ScopeCap> scopes, boolean journaled) {
        StringBuilder keys = new StringBuilder("ns .. ':hour:1', ns .. ':day:1', ns .. ':held'");
        StringBuilder incrs = new StringBuilder("redis.call('INCR', ns .. ':hour:1')\nredis.call('INCR', ns .. ':day:1')\n");
        for (ScopeCap scope : scopes) {
            for (String window : new String[] {"hour", "day"}) {
                String key = "ns .. ':scope:" + scope.scope() + ":" + window + ":1'";
                keys.append(", ").append(key);
                incrs.append("redis.call('INCR', ").append(key).append(")\n");
            }
        }
        StringBuilder layer = new StringBuilder("fleet");
        scopes.forEach(scope -> layer.append(' ').append(scope.scope()));
        String xadd = journaled ? "redis.pcall('XADD', ns .. ':audit', 'MAXLEN', '~', 100000, '*', 'event', 'admit', 'time',"
                + " '1700000000000', 'guard', '-', 'runner', '-', 'signal', '', 'layer', '" + layer + "', 'backend', 'redis',"
                + " 'policy', '')\n" : "";
        return "local ns = KEYS[1]\nredis.call('TIME')\nredis.call('MGET', " + keys + ")\n" + incrs + xadd
                + "return {1, 'OK', 1, 1, 0, 1700000000000, 0, ''}";
    }

    private void addScratchScripts(RedisCommands<String, String> redis, List<ServerCostCase> cases) {
        for (Map.Entry<String, Path> extra : options.scripts.entrySet()) {
            String sha = redis.scriptLoad(read(extra.getValue()));
            cases.add(ServerCostCase.constant(extra.getKey(), sha, ScriptOutputType.MULTI, new String[] {NS},
                    FIXED_ADMITTED));
            if (options.scopes) {
                // The scratch script with acquire's 3-scope arguments too, beside the same floor.
                List<ScopeCap> three = new ArrayList<>();
                for (int i = 1; i <= 3; i++) {
                    three.add(new ScopeCap("d" + i + "=v", AcquireArgs.MAX_CAP, AcquireArgs.MAX_CAP));
                }
                cases.add(ServerCostCase.constant(extra.getKey() + ", 3 scopes", sha, ScriptOutputType.MULTI,
                        new String[] {NS}, new AcquireArgs(0, 0, false, false, null, null, WindowMode.FIXED, three).argv()));
            }
        }
    }

    /** Makes sure each acquire case takes the path its label names before timing it. */
    private static void checkPaths(RedisCommands<String, String> redis, String acquireSha) {
        String[] ns = {NS};
        expect(redis.evalsha(acquireSha, ScriptOutputType.MULTI, ns, FIXED_ADMITTED), true, "OK", false);
        String[] blocked = argv(1, 0, null, WindowMode.FIXED);
        expect(redis.evalsha(acquireSha, ScriptOutputType.MULTI, ns, blocked), false, "SNIPER_HOURLY_CAP", false);
        String[] sliding = argv(0, 0, null, WindowMode.SLIDING);
        expect(redis.evalsha(acquireSha, ScriptOutputType.MULTI, ns, sliding), true, "OK", false);
        String[] replayed = argv(0, 0, "sig-replayed", WindowMode.FIXED);
        redis.evalsha(acquireSha, ScriptOutputType.MULTI, ns, replayed);
        expect(redis.evalsha(acquireSha, ScriptOutputType.MULTI, ns, replayed), true, "OK", true);
        List<ScopeCap> eight = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            eight.add(new ScopeCap("d" + i + "=v", AcquireArgs.MAX_CAP, AcquireArgs.MAX_CAP));
        }
        String[] scoped = new AcquireArgs(0, 0, false, false, null, null, WindowMode.FIXED, eight).argv();
        expect(redis.evalsha(acquireSha, ScriptOutputType.MULTI, ns, scoped), true, "OK", false);
        redis.flushall();
    }

    private Map<String, Samples> measure(RedisCommands<String, String> redis, PipelinedCalls calls,
                                         List<ServerCostCase> cases) {
        Map<String, Samples> usec = new LinkedHashMap<>();
        cases.forEach(c -> usec.put(c.label(), new Samples()));
        for (int round = 1; round <= options.rounds; round++) {
            for (ServerCostCase c : cases) {
                redis.flushall();
                c.planted().forEach(redis::set);
                if (c.primed()) {
                    redis.evalsha(c.sha(), c.type(), c.keys(), c.argvOf().apply(0));
                }
                redis.configResetstat();
                calls.run(c.sha(), c.type(), c.keys(), c.argvOf(), options.calls);
                CommandStats stats = CommandStats.of(redis.info("commandstats"), "evalsha");
                if (stats.calls() != options.calls || stats.failedCalls() != 0) {
                    throw new IllegalStateException(c.label() + ": Redis counted " + stats + ", expected "
                            + options.calls + " calls without failures");
                }
                usec.get(c.label()).add(stats.usecPerCall());
            }
            System.out.printf(Locale.ROOT, "round %d/%d done%n", round, options.rounds);
        }
        return usec;
    }

    private void print(List<ServerCostCase> cases, Map<String, Samples> usec) {
        Samples emptyNoArgs = usec.get(cases.get(0).label());
        Samples emptyArgs = usec.get(cases.get(1).label());
        System.out.println();
        System.out.println("Server time per EVALSHA (INFO commandstats), medians over rounds; ratio = median of per-round ratios");
        System.out.printf(Locale.ROOT, "%-38s %9s %9s %9s %14s %14s%n", "case", "median us", "min us", "max us",
                "x empty(args)", "x empty(none)");
        for (ServerCostCase c : cases) {
            Samples s = usec.get(c.label());
            System.out.printf(Locale.ROOT, "%-38s %9.3f %9.3f %9.3f %14.2f %14.2f%n", c.label(), s.median(), s.min(),
                    s.max(), ratio(s, emptyArgs).median(), ratio(s, emptyNoArgs).median());
        }
        if (options.control) {
            System.out.println();
            System.out.println("Fleet control: medians of per-round ratios");
            System.out.printf(Locale.ROOT, "  policy stored / no policy:          %.3fx%n",
                    ratio(usec.get(POLICY_STORED), usec.get(NO_POLICY)).median());
            System.out.printf(Locale.ROOT, "  no policy / bare calls + XADD:      %.2fx%n",
                    ratio(usec.get(NO_POLICY), usec.get(CONTROL_FLOOR)).median());
            System.out.printf(Locale.ROOT, "  policy stored / bare calls + XADD:  %.2fx%n",
                    ratio(usec.get(POLICY_STORED), usec.get(CONTROL_FLOOR)).median());
            System.out.printf(Locale.ROOT, "  identity with an age bound / identity: %.3fx%n",
                    ratio(usec.get(IDENTITY_AGED), usec.get(IDENTITY)).median());
            System.out.printf(Locale.ROOT, "  identity and @room / identity:         %.3fx%n",
                    ratio(usec.get(IDENTITY_ROOM), usec.get(IDENTITY)).median());
        }
        if (options.scopes) {
            System.out.println();
            System.out.println("Layered caps: acquire with n scopes / the bare calls + reply the same keys need (median of per-round ratios)");
            System.out.printf(Locale.ROOT, "  0 scopes: %.2fx%n", ratio(usec.get(TARGET), usec.get(cases.get(3).label())).median());
            for (int n : SCOPE_COUNTS) {
                String suffix = n + " scope" + (n == 1 ? "" : "s");
                System.out.printf(Locale.ROOT, "  %s: %.2fx (with the audit's XADD in the floor too: %.2fx)%n", suffix,
                        ratio(usec.get("acquire fixed, admitted, " + suffix), usec.get("bare calls + reply, " + suffix)).median(),
                        ratio(usec.get("acquire fixed, admitted, " + suffix), usec.get(SCOPE_FLOOR_XADD + suffix)).median());
            }
            for (String label : options.scripts.keySet()) {
                System.out.printf(Locale.ROOT, "  %s, 3 scopes: %.2fx (with the XADD in the floor: %.2fx)%n", label,
                        ratio(usec.get(label + ", 3 scopes"), usec.get("bare calls + reply, 3 scopes")).median(),
                        ratio(usec.get(label + ", 3 scopes"), usec.get(SCOPE_FLOOR_XADD + "3 scopes")).median());
            }
        }
        double target = ratio(usec.get(TARGET), emptyArgs).median();
        System.out.printf(Locale.ROOT, "%nacquire / empty script with the same keys and args: %.2fx (target <= %.0fx: %s)%n",
                target, TARGET_RATIO, target <= TARGET_RATIO ? "met" : "NOT met");
        System.out.printf(Locale.ROOT, "acquire / empty script without keys or args:      %.2fx%n",
                ratio(usec.get(TARGET), emptyNoArgs).median());
    }

    /** Per-round ratios: numerator and denominator measured seconds apart, under the same load. */
    private static Samples ratio(Samples numerator, Samples denominator) {
        List<Double> n = numerator.values();
        List<Double> d = denominator.values();
        Samples ratios = new Samples();
        for (int i = 0; i < n.size(); i++) {
            ratios.add(n.get(i) / d.get(i));
        }
        return ratios;
    }

    private void runRedisBenchmark(RedisServer server, RedisCommands<String, String> redis, String acquireSha) {
        var tool = RedisBenchmarkTool.find();
        if (tool.isEmpty()) {
            System.out.println("\nredis-benchmark not on PATH (package redis-tools): skipped");
            return;
        }
        String emptySha = redis.scriptLoad(EMPTY_SCRIPT);
        List<String> acquire = new ArrayList<>(List.of("EVALSHA", acquireSha, "1", NS));
        acquire.addAll(List.of(FIXED_ADMITTED));
        Map<String, List<String>> commands = new LinkedHashMap<>();
        commands.put("PING", List.of("PING"));
        commands.put("EVALSHA empty script, no args", List.of("EVALSHA", emptySha, "0"));
        commands.put("EVALSHA empty script, acquire's args", concat(List.of("EVALSHA", emptySha, "1", NS), FIXED_ADMITTED));
        commands.put("EVALSHA acquire fixed, admitted", acquire);
        System.out.printf(Locale.ROOT, "%nredis-benchmark -n %d -c 50 -P 16 (rps = requests/s; server us from INFO commandstats)%n",
                options.calls);
        System.out.printf(Locale.ROOT, "%-38s %12s %10s %10s %10s%n", "command", "rps", "p50 ms", "p99 ms", "server us");
        for (Map.Entry<String, List<String>> e : commands.entrySet()) {
            redis.flushall();
            redis.configResetstat();
            RedisBenchmarkTool.Result r = tool.get().run(server.host(), server.port(), options.calls, 50, 16, e.getValue());
            String command = e.getValue().get(0).toLowerCase(Locale.ROOT);
            double serverUsec = CommandStats.of(redis.info("commandstats"), command).usecPerCall();
            System.out.printf(Locale.ROOT, "%-38s %12.0f %10.3f %10.3f %10.3f%n", e.getKey(), r.rps(), r.p50Ms(),
                    r.p99Ms(), serverUsec);
        }
    }

    private static List<String> concat(List<String> head, String[] tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }

    private static String[] argv(long hourlyCap, long dailyCap, String signalId, WindowMode window) {
        return new AcquireArgs(hourlyCap, dailyCap, false, false, signalId, null, window).argv();
    }

    private static void expect(List<Object> raw, boolean allowed, String reason, boolean replayed) {
        AcquireReply reply = AcquireReply.fromWire(raw);
        if (reply.allowed() != allowed || !reply.reason().equals(reason) || reply.replayed() != replayed) {
            throw new IllegalStateException("set-up: expected allowed=" + allowed + " " + reason + " replayed="
                    + replayed + ", got " + raw);
        }
    }

    private static String read(Path script) {
        try {
            return Files.readString(script);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read --script " + script, e);
        }
    }

    /** Command-line options; every one has a default, so a bare run measures issue 2's case. */
    private static final class Options {
        int calls = 200_000;
        int rounds = 5;
        int window = 256;
        boolean redisBenchmark = true;
        boolean allCases = true;
        boolean scopes;
        boolean control;
        final Map<String, Path> scripts = new LinkedHashMap<>();

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--calls" -> o.calls = CliArgs.positive(arg, CliArgs.value(args, ++i, arg));
                    case "--rounds" -> o.rounds = CliArgs.positive(arg, CliArgs.value(args, ++i, arg));
                    case "--window" -> o.window = CliArgs.positive(arg, CliArgs.value(args, ++i, arg));
                    case "--no-redis-benchmark" -> o.redisBenchmark = false;
                    case "--target-only" -> o.allCases = false;
                    case "--scopes" -> o.scopes = true;
                    case "--control" -> o.control = true;
                    case "--script" -> {
                        String spec = CliArgs.value(args, ++i, arg);
                        int eq = spec.indexOf('=');
                        if (eq <= 0 || !Files.isReadable(Path.of(spec.substring(eq + 1)))) {
                            throw new IllegalArgumentException("--script expects label=path-to-readable.lua, got " + spec);
                        }
                        o.scripts.put(spec.substring(0, eq), Path.of(spec.substring(eq + 1)));
                    }
                    default -> throw new IllegalArgumentException("unknown option " + arg
                            + "; expected --calls N, --rounds N, --window N, --script label=path, --target-only, --scopes, --control, --no-redis-benchmark");
                }
            }
            return o;
        }
    }
}
