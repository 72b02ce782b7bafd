package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.SniperGuard;
import io.ultrasignals.sniper.redis.RedisFailure;
import io.ultrasignals.sniper.testkit.Poll;
import io.ultrasignals.sniper.testkit.RedisBinary;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.RespConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Redis answering but refusing writes, on real servers of every bundled version: OOM under
 * {@code noeviction} (a small maxmemory), READONLY from a demoted master (a real failover to a
 * replica), LOADING while a large AOF replays, BUSY behind a long script. For each: the failure is
 * classified as its own kind, the decisions fall back to the local engine (the runner gets an answer,
 * never an exception), the refused calls counted nothing in Redis (no op key, nothing to settle),
 * and once Redis takes writes again the guard returns to it with the local admissions credited, so
 * Redis's count equals every admission made.
 */
class RefusedWritesTest {
    /** Gives a refused kind of failure time to show up through breaker probes and reconnects. */
    private static final Duration SEEN_WITHIN = Duration.ofSeconds(20);

    @FunctionalInterface
    private interface ServerAction {
        void run() throws Exception;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ultrasignals.sniper.testkit.RedisBinaries#all")
    void outOfMemoryUnderNoeviction(RedisBinary binary) throws Exception {
        try (RedisServer redis = RedisServer.start(binary, "--maxmemory-policy", "noeviction")) {
            refusedThenBack(redis, RedisFailure.OUT_OF_MEMORY,
                    () -> redis.call("CONFIG", "SET", "maxmemory", "1"),
                    () -> redis.call("CONFIG", "SET", "maxmemory", "0"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ultrasignals.sniper.testkit.RedisBinaries#all")
    void noReplicasWhenFewerThanMinReplicasToWriteAreInSync(RedisBinary binary) throws Exception {
        try (RedisServer redis = RedisServer.start(binary)) {
            refusedThenBack(redis, RedisFailure.NO_REPLICAS,
                    () -> redis.call("CONFIG", "SET", "min-replicas-to-write", "1"),
                    () -> redis.call("CONFIG", "SET", "min-replicas-to-write", "0"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ultrasignals.sniper.testkit.RedisBinaries#all")
    void readOnlyAfterAFailoverDemotedTheMaster(RedisBinary binary) throws Exception {
        try (RedisServer master = RedisServer.start(binary);
                RedisServer replica = RedisServer.start(binary, "--replicaof", master.host(), Integer.toString(master.port()))) {
            replica.awaitReplicaOf(master, Duration.ofSeconds(20));
            refusedThenBack(master, RedisFailure.READ_ONLY, () -> {
                // The failover: the replica, holding every write, is promoted; the old master (the
                // guard's server) follows it.
                master.call("WAIT", "1", "5000");
                replica.call("REPLICAOF", "NO", "ONE");
                master.call("REPLICAOF", replica.host(), Integer.toString(replica.port()));
                master.awaitReplicaOf(replica, Duration.ofSeconds(20));
            }, () -> master.call("REPLICAOF", "NO", "ONE"));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ultrasignals.sniper.testkit.RedisBinaries#all")
    void loadingWhileALargeAofReplays(RedisBinary binary) throws Exception {
        // 400 uncompressed 100 kB values (a 40 MB AOF with its RDB preamble), 20 ms per key: about 8 s
        // of LOADING, with client events served every 2 MB read. DEBUG LOADAOF replays the AOF in place,
        // so the guard's connection stays open and its calls get LOADING replies. (A server restarted
        // onto a large AOF refuses Lettuce's connection handshake while it loads: a connection failure,
        // with the same fallback.)
        List<String> args = new ArrayList<>(List.of("--appendonly", "yes", "--appendfsync", "always",
                "--rdbcompression", "no", "--key-load-delay", "20000"));
        if (binary.major() >= 7) {
            args.addAll(List.of("--enable-debug-command", "yes"));
        }
        try (RedisServer redis = RedisServer.start(binary, args.toArray(String[]::new))) {
            for (int batch = 0; batch < 40; batch++) {
                redis.call("EVAL", "local v = string.rep('x', 100000) for i = 1, 10 do redis.call('SET', 'filler:' .. ARGV[1] .. ':' .. i, v) end",
                        "0", Integer.toString(batch));
            }
            redis.call("BGREWRITEAOF");
            Poll.until(Duration.ofSeconds(30), "the AOF rewrite of " + redis, () -> {
                String info = String.valueOf(redis.call("INFO", "persistence"));
                return info.contains("aof_rewrite_in_progress:0") && info.contains("aof_rewrite_scheduled:0");
            });
            Thread[] replay = new Thread[1];
            refusedThenBack(redis, RedisFailure.LOADING, () -> {
                replay[0] = new Thread(() -> {
                    try (RespConnection c = new RespConnection(redis.host(), redis.port(), 120_000)) {
                        c.call("DEBUG", "LOADAOF");
                    }
                }, "aof-replay");
                replay[0].setDaemon(true);
                replay[0].start();
                Poll.until(Duration.ofSeconds(20), redis + " replaying its AOF", redis::isLoading);
            }, () -> {
                replay[0].join(120_000);
                Poll.until(Duration.ofSeconds(60), redis + " loaded", () -> !redis.isLoading());
            });
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.ultrasignals.sniper.testkit.RedisBinaries#all")
    void busyBehindALongScript(RedisBinary binary) throws Exception {
        try (RedisServer redis = RedisServer.start(binary, "--lua-time-limit", "100")) {
            Thread[] busy = new Thread[1];
            refusedThenBack(redis, RedisFailure.BUSY, () -> {
                busy[0] = new Thread(() -> {
                    try (RespConnection c = redis.connect()) {
                        c.call("EVAL", "local i = 0 while true do i = i + 1 end", "0");
                    } catch (RuntimeException killed) {
                        // SCRIPT KILL ends it with an error reply; that is the point.
                    }
                }, "busy-script");
                busy[0].setDaemon(true);
                busy[0].start();
            }, () -> {
                Poll.until(Duration.ofSeconds(20), "SCRIPT KILL on " + redis, () -> {
                    try {
                        redis.call("SCRIPT", "KILL");
                        return true;
                    } catch (RespConnection.RespError notRunning) {
                        return String.valueOf(notRunning.getMessage()).startsWith("NOTBUSY");
                    }
                });
                busy[0].join(20_000);
            });
        }
    }

    /**
     * One admission on Redis, then {@code refuse}; decisions with ids until the guard met {@code kind}
     * (in a decision or its heartbeat), and a few more, all local (the guard stays on the fallback
     * until it has reconciled, which needs Redis to take writes); then {@code restore}, and the books
     * are checked.
     */
    private static void refusedThenBack(RedisServer redis, RedisFailure kind, ServerAction refuse, ServerAction restore)
            throws Exception {
        TestSettings settings = TestSettings.on(redis).caps(0, 0).mtf(true).heartbeat(Duration.ofMillis(100));
        Set<RedisFailure> seen = ConcurrentHashMap.newKeySet();
        GuardListener listener = new GuardListener() {
            @Override
            public void onRedisFailure(RedisFailure failure) {
                seen.add(failure);
            }
        };
        try (SniperGuard guard = io.ultrasignals.sniper.SniperGuards.start(settings.build(), listener)) {
            // The first heartbeat starts the namespace's epoch. Were that write still unreplicated at the failover
            // below, the promoted server would lack the epoch, and the guard would take the new one for lost data
            // and restore counts that were not lost (stricter, never looser: docs/design/recovery.md, "Books stay complete").
            Poll.until(Duration.ofSeconds(10), "the guard's first heartbeat", () ->
                    Long.valueOf(1).equals(redis.call("EXISTS", settings.namespace() + ":epoch")));
            Decision before = guard.acquire(Signal.withId("before", true));
            assertThat(before.backend()).isEqualTo(Backend.REDIS);
            assertThat(before.allowed()).isTrue();

            refuse.run();
            // Ids decided locally without a Redis call that may have run (not a timeout or a lost
            // connection, which are settled by replay): Redis must not hold them.
            List<String> notInRedis = new ArrayList<>();
            long admitted = 1;
            long deadline = System.nanoTime() + SEEN_WITHIN.toNanos();
            for (int i = 0; !seen.contains(kind); i++) {
                assertThat(System.nanoTime()).as("%s seen within %s; kinds seen: %s", kind, SEEN_WITHIN, seen).isLessThan(deadline);
                admitted += decide(guard, "during-" + i, notInRedis);
                Thread.sleep(20);
            }
            // Whichever call met the refusal first (a decision or the heartbeat), decisions are local now.
            for (int i = 0; i < 5; i++) {
                Decision d = guard.acquire(Signal.withId("after-" + i, true));
                assertThat(d.backend()).as("decision %d after %s (%s)", i, kind, d.detail()).isEqualTo(Backend.LOCAL);
                admitted += decide(d, "after-" + i, notInRedis);
            }

            restore.run();
            DefaultSniperGuard defaultGuard = (DefaultSniperGuard) guard;
            Poll.until(Duration.ofSeconds(30), "guard back on Redis with nothing left to reconcile", () -> {
                guard.acquire(Signal.of(false)); // MTF-blocked, counts nothing: nudges the decision path
                return defaultGuard.reconciled() && defaultGuard.currentBackend() == Backend.REDIS;
            });
            assertThat(notInRedis).as("ids decided locally while Redis refused (%s)", kind).isNotEmpty();
            for (String id : notInRedis) {
                assertThat(redis.call("EXISTS", settings.namespace() + ":op:" + id))
                        .as("a call refused with %s wrote nothing for %s", kind, id).isEqualTo(0L);
            }
            assertThat(FaultChecks.redisHourCount(redis, settings.namespace()))
                    .as("Redis's books hold every admission (%s)", kind).isEqualTo(admitted);
        }
    }

    private static long decide(SniperGuard guard, String id, List<String> notInRedis) {
        return decide(guard.acquire(Signal.withId(id, true)), id, notInRedis);
    }

    /** Notes a local decision that no possibly-run Redis call stands behind; returns 1 if admitted. */
    private static long decide(Decision d, String id, List<String> notInRedis) {
        boolean ambiguous = RedisFailure.TIMEOUT.label().equals(d.detail()) || RedisFailure.CONNECTION.label().equals(d.detail());
        if (d.backend() == Backend.LOCAL && !ambiguous) {
            notInRedis.add(id);
        }
        return d.allowed() ? 1 : 0;
    }
}
