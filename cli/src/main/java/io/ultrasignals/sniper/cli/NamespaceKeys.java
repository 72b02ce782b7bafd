package io.ultrasignals.sniper.cli;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.Range;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisKeyCommands;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.util.List;
import java.util.TreeSet;

/** Plain reads and deletes of one namespace's keys, for the commands (never on a decision's path). */
final class NamespaceKeys {
    /** Keys a SCAN call looks at (its COUNT), and at most this many calls for one listing. */
    static final int SCAN_COUNT = 1000;
    static final int MAX_SCAN_CALLS = 1000;

    private final RedisClusterCommands<String, String> redis;
    /** SCAN of the namespace's keys: under Cluster on the node owning the namespace's slot (its hash tag), not all. */
    private final RedisKeyCommands<String, String> slotOwner;
    private final String namespace;

    /** {@code namespace} as the scripts get it: {@code redis.effectiveNamespace()}. */
    @SuppressWarnings("unchecked")
    NamespaceKeys(StatefulConnection<String, String> connection, String namespace) {
        if (connection instanceof StatefulRedisClusterConnection<?, ?> c) {
            StatefulRedisClusterConnection<String, String> cluster = (StatefulRedisClusterConnection<String, String>) c;
            this.redis = cluster.sync();
            RedisClusterNode owner = cluster.getPartitions().getPartitionBySlot(SlotHash.getSlot(namespace + ":scope"));
            this.slotOwner = owner == null ? redis : cluster.getConnection(owner.getNodeId()).sync();
        } else {
            this.redis = ((StatefulRedisConnection<String, String>) connection).sync();
            this.slotOwner = redis;
        }
        this.namespace = namespace;
    }

    /**
     * Scopes of one dimension counted in that day, found by SCAN.
     *
     * @param scopes {@code <dimension>=<value>}, sorted, at most the {@code max} asked for
     * @param cut    true when there were more (or the SCAN stopped at {@link #MAX_SCAN_CALLS} calls)
     */
    record ScopeValues(List<String> scopes, boolean cut) {}

    /**
     * The scopes of {@code dimension} with a count in day bucket {@code dayBucket} (a scope counted this hour is
     * counted this day too): SCAN MATCH {@code <ns>:scope:<dimension>=*:day:<bucket>} COUNT {@value #SCAN_COUNT},
     * stopping once more than {@code max} are found.
     */
    ScopeValues scopesOf(String dimension, long dayBucket, int max) {
        String prefix = namespace + ":scope:" + dimension + "=";
        String suffix = ":day:" + dayBucket;
        ScanArgs match = ScanArgs.Builder.matches(escapeGlob(prefix) + "*" + suffix).limit(SCAN_COUNT);
        TreeSet<String> found = new TreeSet<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        int calls = 0;
        do {
            KeyScanCursor<String> page = slotOwner.scan(cursor, match);
            for (String key : page.getKeys()) {
                if (key.startsWith(prefix) && key.endsWith(suffix) && key.length() > prefix.length() + suffix.length()) {
                    found.add(key.substring(namespace.length() + ":scope:".length(), key.length() - suffix.length()));
                }
            }
            cursor = page;
            calls++;
        } while (!cursor.isFinished() && found.size() <= max && calls < MAX_SCAN_CALLS);
        boolean cut = found.size() > max || !cursor.isFinished();
        return new ScopeValues(found.stream().limit(max).toList(), cut);
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
