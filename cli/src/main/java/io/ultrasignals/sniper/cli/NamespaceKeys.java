package io.ultrasignals.sniper.cli;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.Range;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.List;

/** Plain reads and deletes of one namespace's keys, for the commands (never on a decision's path). */
final class NamespaceKeys {
    private final RedisClusterCommands<String, String> redis;
    private final String namespace;

    /** {@code namespace} as the scripts get it: {@code redis.effectiveNamespace()}. */
    @SuppressWarnings("unchecked")
    NamespaceKeys(StatefulConnection<String, String> connection, String namespace) {
        this.redis = connection instanceof StatefulRedisClusterConnection<?, ?> c
                ? ((StatefulRedisClusterConnection<String, String>) c).sync()
                : ((StatefulRedisConnection<String, String>) connection).sync();
        this.namespace = namespace;
    }

    /** Guards registered in the namespace and live at {@code redisNowMillis}, other than {@code exceptGuardId}. */
    long liveGuards(long redisNowMillis, String exceptGuardId) {
        List<String> live = redis.zrangebyscore(namespace + ":guards",
                Range.create((double) redisNowMillis, Double.POSITIVE_INFINITY));
        return live.stream().filter(id -> !id.equals(exceptGuardId)).count();
    }

    /** Deletes every key of the namespace ({@code <ns>:*}); returns how many. */
    long deleteAll() {
        long deleted = 0;
        ScanArgs match = ScanArgs.Builder.matches(escapeGlob(namespace) + ":*").limit(500);
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = redis.scan(cursor, match);
            if (!page.getKeys().isEmpty()) {
                // One DEL per key: in a cluster a multi-key DEL must stay in one slot, and these do, but per key
                // keeps a namespace without a hash tag working too.
                for (String key : page.getKeys()) {
                    deleted += redis.del(key);
                }
            }
            cursor = page;
        } while (!cursor.isFinished());
        return deleted;
    }

    /** SCAN's MATCH is a glob: a namespace's own {@code * ? [ ] \} match literally. */
    static String escapeGlob(String s) {
        return s.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
    }
}
