package io.ultrasignals.sniper.cli;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.guard.GuardListener;
import io.ultrasignals.sniper.script.ScriptCatalog;
import io.ultrasignals.sniper.script.SniperScript;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "load-scripts", mixinStandardHelpOptions = true,
        description = "SCRIPT LOAD every script into the configured Redis (every master of a cluster), "
                + "checking that each returns the manifest's SHA-1.")
final class LoadScriptsCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Override
    @SuppressWarnings("unchecked")
    public Integer call() {
        SniperSettings settings = common.settings();
        if (!settings.redis().enabled()) {
            throw new SniperCli.UsageException("load-scripts needs redis.enabled: true (and where it is)");
        }
        ScriptCatalog catalog = ScriptCatalog.load();
        List<Map<String, Object>> loaded = new ArrayList<>();
        try (GuardSession session = GuardSession.open(settings, true, GuardListener.NONE)) {
            StatefulConnection<String, String> connection = session.runtime.link().orElseThrow().connection();
            if (connection instanceof StatefulRedisClusterConnection<?, ?> c) {
                StatefulRedisClusterConnection<String, String> cluster = (StatefulRedisClusterConnection<String, String>) c;
                // Node by node, so that one node down fails only its own line (a cluster-wide load would fail whole).
                for (RedisClusterNode node : cluster.getPartitions()) {
                    if (!node.is(RedisClusterNode.NodeFlag.UPSTREAM)) {
                        continue;
                    }
                    String where = node.getUri().getHost() + ":" + node.getUri().getPort();
                    for (SniperScript s : catalog.all()) {
                        loaded.add(row(where, s, cluster.getConnection(node.getNodeId()).sync().scriptLoad(s.body())));
                    }
                }
            } else {
                StatefulRedisConnection<String, String> single = (StatefulRedisConnection<String, String>) connection;
                for (SniperScript s : catalog.all()) {
                    loaded.add(row(session.runtime.link().get().description(), s, single.sync().scriptLoad(s.body())));
                }
            }
        }
        boolean allMatch = loaded.stream().allMatch(r -> Boolean.TRUE.equals(r.get("matches_manifest")));
        if (common.json) {
            System.out.println(Json.of(Map.of("loaded", loaded, "ok", allMatch)));
        } else {
            for (Map<String, Object> r : loaded) {
                System.out.printf("%-24s %-10s %s%s%n", r.get("node"), r.get("name"), r.get("sha1"),
                        Boolean.TRUE.equals(r.get("matches_manifest")) ? "" : "  (DIFFERS FROM MANIFEST)");
            }
        }
        return allMatch ? SniperCli.OK : SniperCli.USAGE;
    }

    private static Map<String, Object> row(String node, SniperScript script, String sha) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("node", node);
        r.put("name", script.name());
        r.put("sha1", sha);
        r.put("matches_manifest", script.sha1().equals(sha));
        return r;
    }
}
