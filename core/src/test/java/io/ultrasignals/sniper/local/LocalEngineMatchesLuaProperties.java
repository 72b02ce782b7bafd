package io.ultrasignals.sniper.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.LimitEngine;
import io.ultrasignals.sniper.script.ScriptCatalog;
import io.ultrasignals.sniper.script.ScriptException;
import io.ultrasignals.sniper.script.WindowMode;
import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisBinary;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.RespConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Differential test: random sequences of acquire, release, credit and status, at explicit times
 * that move across hour and day boundaries, run on the v1 scripts in real Redis (every bundled
 * version) and on a {@link LocalEngine}; every reply, and every error message, must be the same.
 * Some calls go as raw ARGV strings (through {@link ArgvCalls} locally), so the scripts' checks of
 * values the typed API cannot hold are compared too.
 *
 * <p>Only status TTLs are compared as present or absent: Redis counts them down on its real
 * clock while the calls pass their own now_ms. Times stay below 1e14 ms, where the scripts store
 * decisions faithfully (see the report on lua/v1 number formatting).
 */
class LocalEngineMatchesLuaProperties {
    static final long HOUR = LocalEngine.HOUR_MS;
    static final long DAY = LocalEngine.DAY_MS;
    static final String LONGEST_ID = "é".repeat(128);

    private static final List<RedisServer> servers = new ArrayList<>();
    private static final List<RespConnection> connections = new ArrayList<>();
    private static final AtomicLong sessionsRun = new AtomicLong();
    /**
     * A blocked decision lives until its bucket ends in real time (Redis PX, the engine's clock),
     * whatever now_ms a session simulates, and the engines are asked one after the other: a block
     * shorter than this is waited out at once, so it never expires between two engines' turns...
     */
    private static final long SHORT_BLOCK_MS = 5_000;
    /** ...and a session stops after this much real time, so no longer block expires during it. */
    private static final long SESSION_REAL_TIME_NANOS = 2_000_000_000L;
    private static ScriptCatalog catalog;

    // jqwik runs outside JUnit Jupiter, so RedisExtension cannot inject servers here.
    @BeforeContainer
    static void startRedis() {
        catalog = ScriptCatalog.load();
        for (RedisBinary binary : RedisBinaries.all()) {
            RedisServer server = RedisServer.start(binary);
            servers.add(server);
            RespConnection connection = server.connect();
            connections.add(connection);
            LuaScriptEngine.loadScripts(connection, catalog);
        }
    }

    @AfterContainer
    static void stopRedis() {
        connections.forEach(RespConnection::close);
        servers.forEach(RedisServer::close);
    }

    @Property(tries = 200, edgeCases = EdgeCasesMode.NONE)
    void localEngineRepliesExactlyAsTheScripts(@ForAll("sessions") Session session) {
        String namespace = "prop-" + sessionsRun.incrementAndGet();
        LocalEngine local = new LocalEngine();
        List<LuaScriptEngine> scripts = new ArrayList<>();
        for (RespConnection connection : connections) {
            scripts.add(new LuaScriptEngine(connection, catalog, namespace));
        }

        long now = session.start();
        long startedNanos = System.nanoTime();
        for (int i = 0; i < session.steps().size() && System.nanoTime() - startedNanos < SESSION_REAL_TIME_NANOS; i++) {
            Step step = session.steps().get(i);
            if (step instanceof Advance advance) {
                now += advance.millis();
                continue;
            }
            long hourBucketBefore = local.status(now).hourCount();
            Outcome localOutcome = step.run(local, now);
            Statistics.label("outcome").collect(kind(step, localOutcome, hourBucketBefore));
            for (int s = 0; s < scripts.size(); s++) {
                Outcome scriptOutcome = step.runOnScripts(scripts.get(s), now);
                assertThat(localOutcome)
                        .as("step %d (%s at now_ms %d) on Redis %s", i, step, now, servers.get(s).binary())
                        .isEqualTo(scriptOutcome);
            }
            long block = shortBlockMillis(localOutcome);
            if (block > 0) {
                sleepMillis(block + 20);
            }
        }
        // The sequences must keep reaching every rule, or agreement would prove little.
        Statistics.label("outcome").coverage(coverage -> {
            for (String kind : List.of("acquire OK", "acquire SNIPER_HOURLY_CAP", "acquire SNIPER_DAILY_CAP",
                    "acquire SNIPER_MTF_REQUIRED", "acquire replayed", "acquire OK weighing the previous hour",
                    "release 1", "release 0", "credit 1", "credit 0", "status", "error", "raw acquire reply",
                    "raw credit reply")) {
                coverage.check(kind).count(n -> n >= 5);
            }
        });
    }

    /** The retry_after_ms of a fresh acquire blocked by a cap for less than {@link #SHORT_BLOCK_MS}, else 0. */
    static long shortBlockMillis(Outcome outcome) {
        List<Object> reply = outcome.reply();
        if (reply == null || reply.size() != 7 || !Long.valueOf(0).equals(reply.get(0)) || !Long.valueOf(0).equals(reply.get(6))
                || !(reply.get(4) instanceof Long retry)) {
            return 0;
        }
        return retry > 0 && retry < SHORT_BLOCK_MS ? retry : 0;
    }

    private static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    static String kind(Step step, Outcome outcome, long hourBucketBefore) {
        if (outcome.error() != null) {
            return "error";
        }
        List<Object> reply = outcome.reply();
        if (step instanceof Acquire acquire) {
            boolean allowed = reply.get(0).equals(1L);
            if (reply.get(6).equals(1L)) {
                return "acquire replayed";
            }
            long hourCount = (Long) reply.get(2);
            if (allowed && acquire.window() == WindowMode.SLIDING && hourCount > hourBucketBefore + 1) {
                return "acquire OK weighing the previous hour";
            }
            return "acquire " + reply.get(1);
        }
        if (step instanceof Release) {
            return "release " + reply.get(0);
        }
        if (step instanceof Credit) {
            return "credit " + reply.get(0);
        }
        if (step instanceof RawCall raw) {
            return "raw " + raw.script() + " reply";
        }
        return "status";
    }

    /** A reply as its wire list with status TTLs reduced to present/absent, or the error message. */
    record Outcome(List<Object> reply, String error) {
        static Outcome of(Supplier<List<Object>> call) {
            try {
                return new Outcome(call.get(), null);
            } catch (ScriptException e) {
                return new Outcome(null, e.getMessage());
            }
        }
    }

    record Session(long start, List<Step> steps) {}

    interface Step {
        Outcome run(LimitEngine engine, long now);

        default Outcome runOnScripts(LuaScriptEngine scripts, long now) {
            return run(scripts, now);
        }
    }

    record Advance(long millis) implements Step {
        @Override
        public Outcome run(LimitEngine engine, long now) {
            throw new UnsupportedOperationException("time steps are applied by the property");
        }
    }

    /** {@code badNow}, when set, replaces the session's now with an invalid one. */
    record Acquire(long hourlyCap, long dailyCap, boolean mtfRequired, boolean mtfConfirmed, String signalId,
                   WindowMode window, Long badNow) implements Step {
        @Override
        public Outcome run(LimitEngine engine, long now) {
            AcquireArgs args = new AcquireArgs(hourlyCap, dailyCap, mtfRequired, mtfConfirmed, signalId,
                    badNow == null ? now : badNow, window);
            return Outcome.of(() -> engine.acquire(args).toWire());
        }
    }

    record Status(Long badNow) implements Step {
        @Override
        public Outcome run(LimitEngine engine, long now) {
            return Outcome.of(() -> withTtlPresence(engine.status(badNow == null ? now : badNow).toWire()));
        }
    }

    /** A status reply with its TTLs (the clocks of Redis and of the test differ) reduced to present or absent. */
    static List<Object> withTtlPresence(List<?> statusReply) {
        List<Object> wire = new ArrayList<>(statusReply);
        for (int i = 2; i <= 3; i++) {
            wire.set(i, Long.valueOf(-2).equals(wire.get(i)) ? "absent" : "present");
        }
        return wire;
    }

    record Release(String signalId) implements Step {
        @Override
        public Outcome run(LimitEngine engine, long now) {
            return Outcome.of(() -> engine.release(signalId).toWire());
        }
    }

    /** Credits the bucket {@code hourOffset} hours and {@code dayOffset} days from now's. */
    record Credit(int hourOffset, int dayOffset, long n, String batchId) implements Step {
        @Override
        public Outcome run(LimitEngine engine, long now) {
            return Outcome.of(() -> engine.credit(now / HOUR + hourOffset, now / DAY + dayOffset, n, batchId).toWire());
        }
    }

    /** Credit with absolute arguments, at least one of them invalid. */
    record BadCredit(long hourBucket, long dayBucket, long n, String batchId) implements Step {
        @Override
        public Outcome run(LimitEngine engine, long now) {
            return Outcome.of(() -> engine.credit(hourBucket, dayBucket, n, batchId).toWire());
        }
    }

    /**
     * A script called with raw ARGV strings: Redis gets them as they are, the local engine through
     * {@link ArgvCalls}. {@code $now}, {@code $hour} and {@code $day} stand for the session's time,
     * and a {@code 0} before them pads it with a leading zero.
     */
    record RawCall(String script, List<String> argv) implements Step {
        @Override
        public Outcome run(LimitEngine engine, long now) {
            return Outcome.of(() -> comparable(ArgvCalls.call(engine, script, resolve(now))));
        }

        @Override
        public Outcome runOnScripts(LuaScriptEngine scripts, long now) {
            return Outcome.of(() -> comparable(scripts.evalRaw(script, resolve(now))));
        }

        private List<Object> comparable(List<?> reply) {
            return script.equals("status") ? withTtlPresence(reply) : new ArrayList<>(reply);
        }

        private List<String> resolve(long now) {
            List<String> resolved = new ArrayList<>();
            for (String arg : argv) {
                resolved.add(arg.replace("$now", Long.toString(now)).replace("$hour", Long.toString(now / HOUR))
                        .replace("$day", Long.toString(now / DAY)));
            }
            return resolved;
        }
    }

    @Provide
    Arbitrary<Session> sessions() {
        // Start up to 3 hours before a UTC midnight, so day boundaries come soon.
        Arbitrary<Long> start = Combinators.combine(Arbitraries.longs().between(19_000, 20_500),
                Arbitraries.longs().between(0, 3 * HOUR)).as((day, before) -> day * DAY - before);
        Arbitrary<Step> step = Arbitraries.frequencyOf(
                Tuple.of(40, acquires()),
                Tuple.of(14, advances()),
                Tuple.of(10, releases()),
                Tuple.of(6, credits()),
                Tuple.of(6, Arbitraries.just(new Status(null))),
                Tuple.of(3, badArguments()),
                Tuple.of(6, rawCalls()));
        return Combinators.combine(start, step.list().ofMinSize(5).ofMaxSize(80).withSizeDistribution(RandomDistribution.uniform())).as(Session::new);
    }

    /** Signal ids from a small pool, so replays and releases of earlier decisions are common. */
    static Arbitrary<String> signalIds() {
        return Arbitraries.of("s0", "s1", "s2", "s3", "s4", "s5", LONGEST_ID);
    }

    static Arbitrary<Step> acquires() {
        return Combinators.combine(Arbitraries.longs().between(0, 5), Arbitraries.longs().between(0, 8),
                Arbitraries.of(false, false, false, true), Arbitraries.of(true, true, false),
                signalIds().injectNull(0.35), Arbitraries.of(WindowMode.class))
                .as((hourly, daily, mtfRequired, mtfConfirmed, id, window) ->
                        new Acquire(hourly, daily, mtfRequired, mtfConfirmed, id, window, null));
    }

    static Arbitrary<Step> advances() {
        return Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.longs().between(0, 2_000)),
                Tuple.of(4, Arbitraries.longs().between(0, 20 * 60_000L)),
                Tuple.of(3, Arbitraries.longs().between(0, 70 * 60_000L)),
                Tuple.of(1, Arbitraries.longs().between(0, 26 * HOUR)),
                Tuple.of(1, Arbitraries.longs().between(-10 * 60_000L, 0))).map(Advance::new);
    }

    static Arbitrary<Step> releases() {
        return signalIds().map(Release::new);
    }

    static Arbitrary<Step> credits() {
        return Combinators.combine(Arbitraries.integers().between(-2, 1), Arbitraries.integers().between(-1, 0),
                creditedCounts(), Arbitraries.of("b0", "b1", "b2")).as(Credit::new);
    }

    /** Mostly a few; sometimes up to the maximum, where the sliding weight's rounding shows in every millisecond. */
    static Arbitrary<Long> creditedCounts() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.longs().between(0, 3)),
                Tuple.of(1, Arbitraries.longs().between(0, AcquireArgs.MAX_CAP)));
    }

    /** Valid, odd (leading zeros, omitted) and invalid strings for each ARGV position; never an empty now. */
    static Arbitrary<Step> rawCalls() {
        Arbitrary<String> cap = mostly(Arbitraries.of("0", "1", "3", "0003", "1000000000"),
                Arbitraries.of("", "-1", "1.5", "abc", " 2", "1000000001", "00000000001", "99999999999"));
        Arbitrary<String> flag = mostly(Arbitraries.of("0", "1", "1"), Arbitraries.of("", "2", "true", "01"));
        Arbitrary<String> id = mostly(Arbitraries.of("", "s0", "s1", "s2", LONGEST_ID),
                Arbitraries.of("x".repeat(257), "é".repeat(129)));
        Arbitrary<String> now = mostly(Arbitraries.of("$now", "0$now"),
                Arbitraries.of("12ab", "-5", "1e12", "1000000000000000"));
        Arbitrary<String> window = mostly(Arbitraries.of("", "fixed", "sliding"), Arbitraries.of("rolling", "FIXED"));
        Arbitrary<String> bucketOf = mostly(Arbitraries.of("$hour", "0$hour", "$day"),
                Arbitraries.of("-1", "x", "1.5", "1000000000000", ""));
        Arbitrary<String> n = mostly(Arbitraries.of("0", "2", "01", "1000000000"),
                Arbitraries.of("-1", "1.5", "1000000001", ""));
        Arbitrary<String> batch = mostly(Arbitraries.of("b0", "b1"), Arbitraries.of("", "x".repeat(257)));

        Arbitrary<List<String>> acquire = Combinators.combine(List.of(cap, cap, flag, flag, id, now, window))
                .as(List::copyOf);
        Arbitrary<Step> acquires = Combinators.combine(acquire, Arbitraries.integers().between(6, 8))
                .as((argv, size) -> new RawCall("acquire", size <= 7 ? argv.subList(0, size) : withExtra(argv)));
        Arbitrary<Step> statuses = now.map(t -> new RawCall("status", List.of(t)));
        Arbitrary<Step> releases = id.map(i -> new RawCall("release", List.of(i)));
        Arbitrary<Integer> creditArgCount = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.just(4)), Tuple.of(1, Arbitraries.integers().between(0, 3)));
        Arbitrary<Step> credits = Combinators.combine(bucketOf, bucketOf, n, batch, creditArgCount)
                .as((hour, day, count, batchId, size) -> new RawCall("credit",
                        List.of(hour, day, count, batchId).subList(0, size)));
        return Arbitraries.oneOf(acquires, statuses, releases, credits);
    }

    /** Valid values nine times in ten, so that whole calls often get past validation. */
    private static Arbitrary<String> mostly(Arbitrary<String> valid, Arbitrary<String> invalid) {
        return Arbitraries.frequencyOf(Tuple.of(9, valid), Tuple.of(1, invalid));
    }

    private static List<String> withExtra(List<String> argv) {
        // ARGV[8] is deadline_ms, which the local engine is never given: an empty one, then an
        // argument beyond the ABI that both must ignore.
        List<String> longer = new ArrayList<>(argv);
        longer.add("");
        longer.add("ignored");
        return longer;
    }

    static Arbitrary<Step> badArguments() {
        String tooLong = "x".repeat(257);
        String tooManyBytes = "é".repeat(129);
        return Arbitraries.of(
                new Acquire(1, 1, false, false, tooLong, WindowMode.FIXED, null),
                new Acquire(1, 1, false, false, tooManyBytes, WindowMode.SLIDING, null),
                new Acquire(1, 1, false, false, "s0", WindowMode.FIXED, -1L),
                new Acquire(1, 1, false, false, null, WindowMode.FIXED, 1_000_000_000_000_000L),
                new Acquire(0, 0, true, true, "s1", WindowMode.SLIDING, Long.MAX_VALUE),
                new Status(-1L),
                new Status(1_000_000_000_000_000L),
                new Release(""),
                new Release(null),
                new Release(tooManyBytes),
                new BadCredit(-1, 0, 1, "b0"),
                new BadCredit(1_000_000_000_000L, 0, 1, "b0"),
                new BadCredit(0, -3, 1, "b0"),
                new BadCredit(0, 0, -1, "b0"),
                new BadCredit(0, 0, 1_000_000_001L, "b0"),
                new BadCredit(0, 0, 1, ""),
                new BadCredit(0, 0, 1, null),
                new BadCredit(0, 0, 1, tooLong));
    }
}
