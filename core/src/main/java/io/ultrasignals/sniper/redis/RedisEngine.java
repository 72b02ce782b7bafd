package io.ultrasignals.sniper.redis;

import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.AcquireReply;
import io.ultrasignals.sniper.script.AuditIdentity;
import io.ultrasignals.sniper.script.CountsReply;
import io.ultrasignals.sniper.script.GuardState;
import io.ultrasignals.sniper.script.HeartbeatReply;
import io.ultrasignals.sniper.script.LimitEngine;
import io.ultrasignals.sniper.script.RoomKept;
import io.ultrasignals.sniper.script.ScriptCatalog;
import io.ultrasignals.sniper.script.StatusReply;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The v1 calls against Redis, by EVALSHA of the catalog's scripts, for one namespace. Every acquire
 * reply carries Redis's time, which feeds the {@link ClockOffset}.
 */
public final class RedisEngine implements LimitEngine {
    private final ScriptRunner runner;
    private final ScriptCatalog scripts;
    private final String[] keys;
    private final ClockOffset clock;
    /** Passed with acquire, release and credit for the audit stream, or null (the scripts record "-"). */
    private final AuditIdentity identity;

    public RedisEngine(ScriptRunner runner, ScriptCatalog scripts, String namespace, ClockOffset clock) {
        this(runner, scripts, namespace, clock, null);
    }

    /**
     * @param identity who this engine's calls are from, for the audit stream (and the 10-element acquire reply
     *                 with the policy version and the halt); null: none
     */
    public RedisEngine(ScriptRunner runner, ScriptCatalog scripts, String namespace, ClockOffset clock,
                       AuditIdentity identity) {
        this.runner = runner;
        this.scripts = scripts;
        this.keys = new String[] {namespace};
        this.clock = clock;
        this.identity = identity;
    }

    public String namespace() {
        return keys[0];
    }

    public ClockOffset clock() {
        return clock;
    }

    public CompletableFuture<AcquireReply> acquireAsync(AcquireArgs args) {
        return acquireAsync(args, null);
    }

    /**
     * @param deadlineMillis Redis time after which the script must not count (the caller will have
     *                       given up), or null for none
     */
    public CompletableFuture<AcquireReply> acquireAsync(AcquireArgs args, Long deadlineMillis) {
        return acquireAsync(args, deadlineMillis, null, null);
    }

    /**
     * @param room                the room to keep for runners not yet seen (the reply then has 11 elements), or
     *                            null for none
     * @param countedAfterTimeout given the reply of a try that had failed with a timeout and then counted on Redis
     *                            after all (admitted, not a replay), or null. Runs on the connection's I/O thread,
     *                            before any later reply of this engine is seen; it must not block.
     */
    public CompletableFuture<AcquireReply> acquireAsync(AcquireArgs args, Long deadlineMillis, RoomKept room,
                                                        Consumer<AcquireReply> countedAfterTimeout) {
        long sentAt = System.currentTimeMillis();
        long windowMillis = deadlineMillis == null ? 0 : deadlineMillis - clock.redisNow(sentAt);
        Consumer<List<Object>> late = countedAfterTimeout == null ? null : raw -> {
            AcquireReply reply = AcquireReply.fromWire(raw);
            if (reply.allowed() && !reply.replayed()) {
                countedAfterTimeout.accept(reply);
            }
        };
        return attempt(args, room, deadlineMillis, windowMillis, System.nanoTime(), sentAt, late);
    }

    /**
     * One try; when Redis answers that it ran the call after the deadline (and so counted nothing), tries
     * again with a fresh deadline as far ahead, while the first try's clock is within the runner's
     * longest wait: a slow path to a live Redis is not an outage, and the retry cannot count twice. A deadline
     * already past when sent (the guard's warm-up sends one on purpose) is answered once: a fresh one as far
     * ahead would be past again, and retrying it would loop on Redis for as long as the process lives.
     */
    private CompletableFuture<AcquireReply> attempt(AcquireArgs args, RoomKept room, Long deadlineMillis,
                                                    long windowMillis, long firstTryNanos, long sentAt,
                                                    Consumer<List<Object>> late) {
        String[] argv = args.argv(deadlineMillis);
        // The identity and the room kept are triples after the scopes (ARGV[8], the deadline, is then always present).
        argv = withTriple(argv, identity == null ? null : identity.argv());
        argv = withTriple(argv, room == null ? null : room.argv());
        CompletableFuture<AcquireReply> result = new CompletableFuture<>();
        runner.runSince(firstTryNanos, late, scripts.acquire(), keys, argv).whenComplete((raw, error) -> {
            if (error == null) {
                try {
                    AcquireReply reply = AcquireReply.fromWire(raw);
                    if (!reply.replayed() && args.nowMillis() == null) {
                        clock.observe(sentAt, System.currentTimeMillis(), reply.serverTimeMillis());
                    }
                    result.complete(reply);
                } catch (RuntimeException badReply) {
                    result.completeExceptionally(badReply);
                }
            } else if (deadlineMillis != null && windowMillis > 0 && ScriptRunner.refusedAsLate(error)
                    && System.nanoTime() - firstTryNanos + TimeUnit.MILLISECONDS.toNanos(windowMillis)
                    < runner.longestWait().toNanos()) {
                long now = System.currentTimeMillis();
                attempt(args, room, clock.redisNow(now) + windowMillis, windowMillis, firstTryNanos, now, late)
                        .whenComplete((reply, retryError) -> {
                            if (retryError == null) {
                                result.complete(reply);
                            } else {
                                result.completeExceptionally(retryError);
                            }
                        });
            } else {
                result.completeExceptionally(error);
            }
        });
        return result;
    }

    /** acquire's {@code argv} with one more triple after ARGV[8] (filled in when absent); {@code argv} when none. */
    private static String[] withTriple(String[] argv, String[] triple) {
        if (triple == null) {
            return argv;
        }
        String[] full = new String[Math.max(argv.length, 8) + 3];
        System.arraycopy(argv, 0, full, 0, argv.length);
        if (argv.length < 8) {
            full[7] = "";
        }
        System.arraycopy(triple, 0, full, full.length - 3, 3);
        return full;
    }

    public CompletableFuture<StatusReply> statusAsync(Long nowMillis) {
        return statusAsync(nowMillis, List.of());
    }

    /** The fleet's buckets and each scope's ({@code symbol=BTCUSDT}, at most 8), in one call. */
    public CompletableFuture<StatusReply> statusAsync(Long nowMillis, List<String> scopes) {
        String[] argv = new String[1 + scopes.size()];
        argv[0] = nowMillis == null ? "" : nowMillis.toString();
        for (int i = 0; i < scopes.size(); i++) {
            argv[1 + i] = scopes.get(i);
        }
        return runner.run(scripts.status(), keys, argv).thenApply(raw -> StatusReply.fromWire(raw, scopes));
    }

    public CompletableFuture<CountsReply> releaseAsync(String signalId) {
        String id = signalId == null ? "" : signalId;
        String[] argv = identity == null ? new String[] {id} : concat(new String[] {id}, identity.argv());
        return runner.run(scripts.release(), keys, argv).thenApply(CountsReply::fromWire);
    }

    /** control.lua with these arguments (show, policy_set, policy_clear, halt, resume, audit): its raw reply. */
    /** control.lua; a change carries this engine's audit bounds ({@code @audit <bound>}) when it has an identity. */
    public List<Object> control(String... argv) {
        boolean change = argv.length > 0 && !argv[0].equals("show") && !argv[0].equals("audit");
        String[] full = identity == null || !change ? argv : concat(argv, new String[] {"@audit", identity.bound()});
        return join(runner.run(scripts.control(), keys, full));
    }

    public CompletableFuture<CountsReply> creditAsync(long hourBucket, long dayBucket, long n, String batchId) {
        return creditAsync(hourBucket, dayBucket, n, batchId, List.of());
    }

    /** Credits {@code n} to the fleet's buckets and to each of {@code scopes}' (the scopes they were counted in). */
    public CompletableFuture<CountsReply> creditAsync(long hourBucket, long dayBucket, long n, String batchId,
                                                      List<String> scopes) {
        String[] head = {Long.toString(hourBucket), Long.toString(dayBucket), Long.toString(n), batchId};
        if (identity != null) {
            head = concat(head, identity.argv());
        }
        return runner.run(scripts.credit(), keys, concat(head, scopes.toArray(String[]::new)))
                .thenApply(CountsReply::fromWire);
    }

    /**
     * Registers this guard as live for {@code ttl}, records its local share under these caps (or says it
     * may be deciding locally, or leaves), and reads the fleet's reckoning, the counts and the shares.
     */
    public CompletableFuture<HeartbeatReply> heartbeatAsync(String guardId, Duration ttl, long hourlyCap,
                                                            long dailyCap, GuardState state) {
        return heartbeatAsync(guardId, ttl, hourlyCap, dailyCap, state, null);
    }

    /**
     * A heartbeat that also passes {@code seen} (heartbeat.lua's ARGV[9], "" for nothing seen; null: not passed),
     * so that the reply carries the server's lineage and the script restores what a new server lost.
     */
    public CompletableFuture<HeartbeatReply> heartbeatAsync(String guardId, Duration ttl, long hourlyCap,
                                                            long dailyCap, GuardState state, String seen) {
        return heartbeatAsync(guardId, ttl, hourlyCap, dailyCap, state, seen, List.of());
    }

    /**
     * As above, naming scopes after {@code seen} (heartbeat.lua's ARGV[10..], with {@code seen} not null): each
     * {@code <dimension>=<value>}, or with the counts this guard saw of it; the reply carries each one's counts and
     * what was restored of it.
     */
    public CompletableFuture<HeartbeatReply> heartbeatAsync(String guardId, Duration ttl, long hourlyCap, long dailyCap,
                                                            GuardState state, String seen, List<String> scopeArgs) {
        return heartbeatAsync(guardId, ttl, hourlyCap, dailyCap, state, seen, scopeArgs, null);
    }

    /**
     * As above, keeping {@code room} (null: none) for runners not yet seen: the script takes it off the caps that
     * apply, a stored policy's or the ones passed, before it shares them out. Needs {@code seen} not null.
     */
    public CompletableFuture<HeartbeatReply> heartbeatAsync(String guardId, Duration ttl, long hourlyCap, long dailyCap,
                                                            GuardState state, String seen, List<String> scopeArgs,
                                                            RoomKept room) {
        long sentAt = System.currentTimeMillis();
        // Like acquire's: the script refuses to run after this call stops waiting, in Redis time.
        String deadline = clock.known() ? Long.toString(clock.redisNow(sentAt) + runner.timeout().toMillis()) : "";
        // "1": the reply also carries the stored policy and the halt (a guard deciding locally obeys them).
        String[] args = seen == null
                ? new String[] {guardId, Long.toString(ttl.toMillis()), "", Long.toString(hourlyCap), Long.toString(dailyCap),
                        state.wire(), deadline, "1"}
                : new String[] {guardId, Long.toString(ttl.toMillis()), "", Long.toString(hourlyCap), Long.toString(dailyCap),
                        state.wire(), deadline, "1", seen};
        if (seen != null && !scopeArgs.isEmpty()) {
            args = concat(args, scopeArgs.toArray(String[]::new));
        }
        if (room != null) {
            if (seen == null) {
                throw new IllegalArgumentException("the room kept goes after seen: pass seen (\"\" for nothing seen)");
            }
            args = concat(args, new String[] {room.heartbeatArg()});
        }
        return runner.run(scripts.heartbeat(), keys, args).thenApply(raw -> {
                    HeartbeatReply reply = HeartbeatReply.fromWire(raw, true, seen != null,
                            seen == null ? List.of() : scopeArgs);
                    clock.observe(sentAt, System.currentTimeMillis(), reply.serverTimeMillis());
                    return reply;
                });
    }

    @Override
    public AcquireReply acquire(AcquireArgs args) {
        return join(acquireAsync(args));
    }

    @Override
    public StatusReply status(Long nowMillis, List<String> scopes) {
        return join(statusAsync(nowMillis, scopes));
    }

    @Override
    public CountsReply release(String signalId) {
        return join(releaseAsync(signalId));
    }

    @Override
    public CountsReply credit(long hourBucket, long dayBucket, long n, String batchId, List<String> scopes) {
        return join(creditAsync(hourBucket, dayBucket, n, batchId, scopes));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** Waits for a future that the runner already bounds by its timeout, unwrapping its exception. */
    static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            Throwable cause = RedisFailure.unwrap(e);
            throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
        }
    }
}
