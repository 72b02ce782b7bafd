package io.ultrasignals.sniper.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.ultrasignals.sniper.script.ScriptException;
import io.ultrasignals.sniper.script.SniperScript;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs a script by SHA-1. On {@code NOSCRIPT} (after a restart, a failover, {@code SCRIPT FLUSH}, or on
 * a cluster node that never saw it) it sends the body once with {@code EVAL}, which runs it and caches
 * it on that node: NOSCRIPT proves the script did not run, so this retry cannot count twice.
 * Every call completes within the timeout, with the reply or with one of
 * {@link ScriptException} / {@link CorruptDataException} / {@link RedisUnavailableException}.
 */
public final class ScriptRunner {
    private final RedisLink link;
    private final Duration timeout;
    private final Runnable onReload;
    private final CallDeadlines deadlines;

    /**
     * @param timeout how long a call may wait while Redis is silent; while Redis keeps answering (busy),
     *                up to {@value CallDeadlines#BUSY_LIMIT_FACTOR} times as long (see {@link CallDeadlines})
     */
    public ScriptRunner(RedisLink link, Duration timeout, Runnable onReload) {
        this.link = link;
        this.timeout = timeout;
        this.onReload = onReload;
        this.deadlines = new CallDeadlines(timeout, link.pipeline()::eventLoopRan, link.pipeline()::afterNextRead, System::nanoTime)
                .startSweeping(link.scheduler());
        link.countRepliesFrom(deadlines::lastReplyNanos);
    }

    public Duration timeout() {
        return timeout;
    }

    /** The longest a call (with its retries) waits, while a busy Redis keeps answering the calls sent before it. */
    public Duration longestWait() {
        return timeout.multipliedBy(CallDeadlines.BUSY_LIMIT_FACTOR);
    }

    public CompletableFuture<List<Object>> run(SniperScript script, String[] keys, String... args) {
        return runSince(System.nanoTime(), script, keys, args);
    }

    /** {@link #run}, timed from {@code startedNanos} (a retry counts the time its first try took). */
    public CompletableFuture<List<Object>> runSince(long startedNanos, SniperScript script, String[] keys, String... args) {
        return runSince(startedNanos, null, script, keys, args);
    }

    /**
     * {@link #runSince(long, SniperScript, String[], String...)}, and {@code lateReply} is given the reply of a call
     * that had already failed with a timeout: the script ran on Redis after all (say, Redis ran it and was stopped
     * before writing the reply). Runs on the connection's I/O thread, before any later reply of this link is seen.
     */
    public CompletableFuture<List<Object>> runSince(long startedNanos, Consumer<List<Object>> lateReply,
                                                    SniperScript script, String[] keys, String... args) {
        CompletableFuture<List<Object>> answer = new CompletableFuture<>();
        try {
            RedisScriptingAsyncCommands<String, String> commands = link.commands();
            commands.<List<Object>>evalsha(script.sha1(), ScriptOutputType.MULTI, keys, args).whenComplete((reply, error) -> {
                if (error == null) {
                    deadlines.replied();
                    complete(answer, reply, lateReply);
                } else if (isNoScript(error)) {
                    deadlines.replied();
                    onReload.run();
                    commands.<List<Object>>eval(script.body(), ScriptOutputType.MULTI, keys, args)
                            .whenComplete((retried, retryError) -> settle(answer, retried, retryError, lateReply));
                } else {
                    settle(answer, null, error, lateReply);
                }
            });
        } catch (RuntimeException notSent) {
            return CompletableFuture.failedFuture(translate(notSent));
        }
        return deadlines.watch(answer, startedNanos);
    }

    private void settle(CompletableFuture<List<Object>> answer, List<Object> reply, Throwable error,
                        Consumer<List<Object>> lateReply) {
        if (error == null || RedisFailure.unwrap(error) instanceof RedisCommandExecutionException) {
            deadlines.replied(); // an error reply is a reply: Redis is alive
        }
        if (error == null) {
            complete(answer, reply, lateReply);
        } else {
            answer.completeExceptionally(translate(error));
        }
    }

    private static void complete(CompletableFuture<List<Object>> answer, List<Object> reply, Consumer<List<Object>> lateReply) {
        if (answer.complete(reply) || lateReply == null) {
            return;
        }
        try {
            lateReply.accept(reply);
        } catch (RuntimeException | Error bug) {
            Logger.getLogger(ScriptRunner.class.getName()).log(Level.WARNING, "sniper: handling a late Redis reply failed", bug);
        }
    }

    private static boolean isNoScript(Throwable error) {
        Throwable e = RedisFailure.unwrap(error);
        return e instanceof RedisNoScriptException || String.valueOf(e.getMessage()).startsWith("NOSCRIPT");
    }

    /**
     * True for acquire's {@code deadline_ms passed} reply: Redis ran the call too late and counted nothing.
     * Redis answered, so it is alive; the call was slow to reach it (a busy client or server).
     */
    public static boolean refusedAsLate(Throwable error) {
        Throwable e = RedisFailure.unwrap(error);
        return e instanceof RedisUnavailableException u && u.failure() == RedisFailure.TIMEOUT
                && u.getCause() instanceof RedisCommandExecutionException r
                && SniperErrorReply.of(r.getMessage()) == SniperErrorReply.DEADLINE_PASSED;
    }

    /** Maps Lettuce's exceptions onto the three the rest of Sniper handles. */
    static RuntimeException translate(Throwable error) {
        Throwable e = RedisFailure.unwrap(error);
        if (e instanceof ScriptException || e instanceof RedisUnavailableException) {
            return (RuntimeException) e;
        }
        SniperErrorReply scriptError = e instanceof RedisCommandExecutionException ? SniperErrorReply.of(e.getMessage()) : null;
        if (scriptError == SniperErrorReply.DEADLINE_PASSED) {
            // The reply came, but after the caller's deadline in Redis time (clock skew): a timeout.
            return new RedisUnavailableException(RedisFailure.TIMEOUT, e);
        }
        if (scriptError != null) {
            return scriptError == SniperErrorReply.CORRUPT_DATA
                    ? new CorruptDataException(e.getMessage())
                    : new ScriptException(e.getMessage());
        }
        return new RedisUnavailableException(RedisFailure.of(e), e);
    }
}
