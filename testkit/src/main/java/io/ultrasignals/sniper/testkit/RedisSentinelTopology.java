package io.ultrasignals.sniper.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One master, one replica and three Sentinels (quorum 2) on 127.0.0.1, tuned so that a failover
 * finishes within seconds: a master is considered down after {@value #DOWN_AFTER_MILLIS} ms of
 * silence.
 *
 * <p>{@link #start} returns once the replica is in sync and every Sentinel knows the replica and the
 * two other Sentinels, so a failover can start right away. With a password, both data nodes require
 * it ({@code requirepass}, {@code masterauth}) and the Sentinels use it ({@code auth-pass}); the
 * Sentinels themselves stay open.
 */
public final class RedisSentinelTopology implements AutoCloseable {
    public static final String MASTER_NAME = "sniper-master";
    static final int DOWN_AFTER_MILLIS = 1000;
    /**
     * Bounds each failover step and sets the pause before a failed election is retried (twice this).
     * Short so that a lost election costs seconds, long enough for the promoted replica's next INFO.
     */
    static final int FAILOVER_TIMEOUT_MILLIS = 3000;
    private static final int SENTINELS = 3;
    private static final int QUORUM = 2;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(15);

    private final List<RedisServer> dataNodes = new ArrayList<>();
    private final List<RedisServer> sentinels = new ArrayList<>();
    private RedisServer lastKilledMaster;
    /** The proxy the replica replicates through and Sentinels reach the first master by (null: none). */
    private ReplicationDelayProxy replicationProxy;

    private RedisSentinelTopology() {}

    /** Starts the topology without passwords. */
    public static RedisSentinelTopology start(RedisBinary binary) {
        return start(binary, null);
    }

    /** Starts the topology; {@code password} protects both data nodes (null for none). */
    public static RedisSentinelTopology start(RedisBinary binary, String password) {
        return start(binary, password, false);
    }

    /**
     * Starts the topology with the first master behind a {@link ReplicationDelayProxy}: the replica replicates
     * through it and Sentinels (so clients too) reach the master by its address, so that the replication stream
     * can be held back ({@link #replicationProxy()}) while the replica's acknowledgements flow. (Sentinels must
     * know the master by the address the replica replicates from, or they would repoint the replica at it.)
     * After a failover the promoted replica is reached directly.
     */
    public static RedisSentinelTopology startWithReplicationProxy(RedisBinary binary) {
        return start(binary, null, true);
    }

    private static RedisSentinelTopology start(RedisBinary binary, String password, boolean proxied) {
        RedisSentinelTopology topology = new RedisSentinelTopology();
        try {
            topology.launch(binary, password, proxied);
            return topology;
        } catch (RuntimeException e) {
            topology.close();
            throw e;
        }
    }

    private void launch(RedisBinary binary, String password, boolean proxied) {
        RedisServer master = RedisServer.builder(binary).password(password).start();
        dataNodes.add(master);
        HostPort masterAddress = HostPort.of(master);
        if (proxied) {
            replicationProxy = ReplicationDelayProxy.to(master.host(), master.port());
            masterAddress = new HostPort(replicationProxy.host(), replicationProxy.port());
        }
        RedisServer replica = RedisServer.builder(binary).password(password)
                .args("--replicaof", masterAddress.host(), Integer.toString(masterAddress.port())).start();
        dataNodes.add(replica);
        HostPort upstream = masterAddress;
        Poll.until(READY_TIMEOUT, replica + " to replicate " + upstream + " in sync", () -> {
            Map<String, String> replication = Replies.info(replica.call("INFO", "replication"));
            return Integer.toString(upstream.port()).equals(replication.get("master_port"))
                    && "up".equals(replication.get("master_link_status"));
        });

        // Each Sentinel is told its peers and the replica up front (as a Sentinel's own rewritten
        // config would) instead of discovering them through hello messages every 2 s.
        List<Integer> ports = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < SENTINELS; i++) {
            ports.add(RedisServer.freePort());
            ids.add(randomSentinelId());
        }
        for (int i = 0; i < SENTINELS; i++) {
            List<String> config = sentinelConfig(masterAddress, replica, password);
            config.add(0, "sentinel myid " + ids.get(i));
            for (int peer = 0; peer < SENTINELS; peer++) {
                if (peer != i) {
                    config.add("sentinel known-sentinel " + MASTER_NAME + " 127.0.0.1 " + ports.get(peer) + " " + ids.get(peer));
                }
            }
            sentinels.add(RedisServer.builder(binary).port(ports.get(i)).sentinel(config).start());
        }
        for (RedisServer sentinel : sentinels) {
            Poll.until(READY_TIMEOUT, sentinel + " to know the replica and " + (SENTINELS - 1) + " other sentinels",
                    () -> {
                        Map<String, String> state = Replies.pairs(sentinel.call("SENTINEL", "MASTER", MASTER_NAME));
                        return "1".equals(state.get("num-slaves"))
                                && Integer.toString(SENTINELS - 1).equals(state.get("num-other-sentinels"));
                    });
        }
    }

    private static String randomSentinelId() {
        StringBuilder id = new StringBuilder(40);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < 40; i++) {
            id.append(Character.forDigit(random.nextInt(16), 16));
        }
        return id.toString();
    }

    private static List<String> sentinelConfig(HostPort master, RedisServer replica, String password) {
        List<String> lines = new ArrayList<>();
        // "monitor" must come first: the other lines refer to the master by its name.
        lines.add("sentinel monitor " + MASTER_NAME + " " + master.host() + " " + master.port() + " " + QUORUM);
        lines.add("sentinel down-after-milliseconds " + MASTER_NAME + " " + DOWN_AFTER_MILLIS);
        lines.add("sentinel failover-timeout " + MASTER_NAME + " " + FAILOVER_TIMEOUT_MILLIS);
        lines.add("sentinel parallel-syncs " + MASTER_NAME + " 1");
        if (password != null) {
            lines.add("sentinel auth-pass " + MASTER_NAME + " " + password);
        }
        lines.add("sentinel known-replica " + MASTER_NAME + " " + replica.host() + " " + replica.port());
        return lines;
    }

    /** The name Sentinels monitor the master under (what a client asks them for). */
    public String masterName() {
        return MASTER_NAME;
    }

    /** The three Sentinels' addresses. */
    public List<HostPort> sentinelAddresses() {
        return sentinels.stream().map(HostPort::of).toList();
    }

    public List<RedisServer> sentinels() {
        return List.copyOf(sentinels);
    }

    /** Master and replica, in the order they were started (the first started as master). */
    public List<RedisServer> dataNodes() {
        return List.copyOf(dataNodes);
    }

    /** The proxy of {@link #startWithReplicationProxy}; throws for a topology started without one. */
    public ReplicationDelayProxy replicationProxy() {
        if (replicationProxy == null) {
            throw new IllegalStateException("this topology has no replication proxy: use startWithReplicationProxy");
        }
        return replicationProxy;
    }

    /** The master's address as the first Sentinel that answers reports it. */
    public HostPort currentMaster() {
        RuntimeException last = null;
        for (RedisServer sentinel : sentinels) {
            try {
                return masterReportedBy(sentinel);
            } catch (RuntimeException e) {
                last = e;
            }
        }
        throw new IllegalStateException("no sentinel answered for " + MASTER_NAME, last);
    }

    /** The data node Sentinels currently name master (it may be dead if no failover has happened yet). */
    public RedisServer master() {
        HostPort address = currentMaster();
        if (replicationProxy != null && address.port() == replicationProxy.port()) {
            return dataNodes.get(0);
        }
        return dataNodes.stream().filter(n -> n.port() == address.port()).findFirst()
                .orElseThrow(() -> new IllegalStateException("sentinels name " + address + ", not a node of this topology"));
    }

    /** The data node that is not the current master. */
    public RedisServer replica() {
        RedisServer master = master();
        return dataNodes.stream().filter(n -> n != master).findFirst().orElseThrow();
    }

    /** SIGKILLs the current master and returns it (so a test may restart it later). */
    public RedisServer killMaster() {
        RedisServer master = master();
        master.kill();
        lastKilledMaster = master;
        return master;
    }

    /** Waits for the failover away from the master {@link #killMaster()} killed last; returns the new master. */
    public RedisServer awaitFailover(Duration timeout) {
        if (lastKilledMaster == null) {
            throw new IllegalStateException("awaitFailover(timeout) follows killMaster(); "
                    + "after another fault use awaitFailover(formerMaster, timeout)");
        }
        return awaitFailover(lastKilledMaster, timeout);
    }

    /**
     * Waits until every Sentinel names another data node than {@code formerMaster} as master and
     * that node itself reports the master role; returns it.
     */
    public RedisServer awaitFailover(RedisServer formerMaster, Duration timeout) {
        RedisServer successor = dataNodes.stream().filter(n -> n != formerMaster).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(formerMaster + " is not a data node of this topology"));
        HostPort expected = HostPort.of(successor);
        Poll.until(timeout, "sentinels to promote " + successor + " after " + formerMaster, () -> {
            for (RedisServer sentinel : sentinels) {
                if (!expected.equals(masterReportedBy(sentinel))) {
                    return false;
                }
            }
            return "master".equals(((List<?>) successor.call("ROLE")).get(0));
        });
        return successor;
    }

    /**
     * Restarts {@code node} (a killed former master, say) and makes it a replica of the current master
     * at once, then waits until it is in sync. Left alone, a restarted former master comes back as a
     * master (empty, unless it persisted) and Sentinels demote it only after 8 to 10 s.
     */
    public void restartAsReplica(RedisServer node, Duration timeout) {
        RedisServer master = master();
        if (node == master) {
            throw new IllegalArgumentException(node + " is the current master; kill it and await the failover first");
        }
        node.restart();
        node.call("REPLICAOF", master.host(), Integer.toString(master.port()));
        node.awaitReplicaOf(master, timeout);
    }

    private static HostPort masterReportedBy(RedisServer sentinel) {
        List<?> reply = (List<?>) sentinel.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
        return new HostPort(String.valueOf(reply.get(0)), Integer.parseInt(String.valueOf(reply.get(1))));
    }

    /** Stops the Sentinels first, so that they do not react to the data nodes going away. */
    @Override
    public void close() {
        sentinels.forEach(RedisServer::close);
        dataNodes.forEach(RedisServer::close);
        if (replicationProxy != null) {
            replicationProxy.close();
        }
    }

    @Override
    public String toString() {
        return "sentinel topology " + MASTER_NAME + " (data " + dataNodes + ", sentinels " + sentinels + ")";
    }
}
