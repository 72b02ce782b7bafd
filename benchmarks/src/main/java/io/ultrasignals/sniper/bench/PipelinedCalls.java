package io.ultrasignals.sniper.bench;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

/**
 * Sends many EVALSHA calls on one connection in flushed batches, so that the server, not the round
 * trip, is the bottleneck. Each batch is awaited before the next: at most {@code window} in flight.
 */
final class PipelinedCalls {
    private final StatefulRedisConnection<String, String> connection;
    private final int window;

    PipelinedCalls(StatefulRedisConnection<String, String> connection, int window) {
        this.connection = connection;
        this.window = window;
    }

    /** Runs {@code calls} EVALSHA of {@code sha}; {@code argvOf} gives the ARGV of call i. Throws on any error reply. */
    void run(String sha, ScriptOutputType type, String[] keys, IntFunction<String[]> argvOf, int calls) {
        RedisAsyncCommands<String, String> async = connection.async();
        List<RedisFuture<Object>> batch = new ArrayList<>(window);
        connection.setAutoFlushCommands(false);
        try {
            for (int i = 0; i < calls; i++) {
                batch.add(async.evalsha(sha, type, keys, argvOf.apply(i)));
                if (batch.size() == window || i == calls - 1) {
                    connection.flushCommands();
                    awaitAll(batch);
                    batch.clear();
                }
            }
        } finally {
            connection.setAutoFlushCommands(true);
        }
    }

    private static void awaitAll(List<RedisFuture<Object>> batch) {
        for (RedisFuture<Object> f : batch) {
            try {
                f.get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException("EVALSHA failed: " + e.getCause().getMessage(), e.getCause());
            } catch (TimeoutException e) {
                throw new IllegalStateException("EVALSHA got no reply within 60 s", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }
}
