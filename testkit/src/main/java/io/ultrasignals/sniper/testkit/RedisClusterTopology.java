package io.ultrasignals.sniper.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A Redis Cluster on 127.0.0.1: N masters (default 3) sharing the 16384 slots evenly, optionally one
 * replica each, built the way {@code redis-cli --cluster create} does it (distinct config epochs,
 * ADDSLOTS, MEET, REPLICATE) but without needing redis-cli.
 *
 * <p>{@link Builder#start()} returns once every node reports {@code cluster_state:ok}, knows every
 * other node, and every replica is in sync, so a failover can start right away. The node timeout is
 * {@value #NODE_TIMEOUT_MILLIS} ms, so a replica takes over a dead master within seconds. A cluster
 * without replicas stays down after a master dies: {@link #awaitFailover} only makes sense with replicas.
 */
public final class RedisClusterTopology implements AutoCloseable {
    static final int NODE_TIMEOUT_MILLIS = 1000;
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
    private static final int ADDSLOTS_BATCH = 1000;
    /**
     * Nodes need port + 10000 free for the cluster bus (Redis 6.2 has no cluster-port option), so
     * ports come from below the kernel's usual ephemeral range, whose top would push the bus past 65535.
     */
    private static final int FIRST_PORT = 20000;
    private static final int PORT_SPAN = 10000;
    private static final int BUS_OFFSET = 10000;

    private final List<RedisServer> nodes = new ArrayList<>();
    private final Map<RedisServer, String> ids = new HashMap<>();
    private final Map<RedisServer, Integer> firstSlotAtKill = new HashMap<>();
    private RedisServer lastKilled;
    /** The data nodes' password (MIGRATE needs it), or null. */
    private String password;
    /** Masters announced at a {@link ReplicationDelayProxy}'s port, by that port. */
    private final Map<Integer, RedisServer> behindProxy = new HashMap<>();
    private final List<ReplicationDelayProxy> proxies = new ArrayList<>();

    private RedisClusterTopology() {}

    /** Three masters, no replicas. */
    public static RedisClusterTopology start(RedisBinary binary) {
        return builder(binary).start();
    }

    public static Builder builder(RedisBinary binary) {
        return new Builder(binary);
    }

    private void launch(RedisBinary binary, int masters, boolean replicas, String password) {
        this.password = password;
        int total = replicas ? masters * 2 : masters;
        for (int i = 0; i < total; i++) {
            RedisServer node = RedisServer.builder(binary).port(clusterPort()).password(password)
                    .args("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                            "--cluster-node-timeout", Integer.toString(NODE_TIMEOUT_MILLIS),
                            // A replica may take over however long it was cut off: tests kill at will.
                            "--cluster-replica-validity-factor", "0")
                    .start();
            nodes.add(node);
            ids.put(node, String.valueOf(node.call("CLUSTER", "MYID")));
        }
        List<RedisServer> masterNodes = nodes.subList(0, masters);
        for (int m = 0; m < masters; m++) {
            addSlots(masterNodes.get(m), m * ClusterSlots.SLOTS / masters, (m + 1) * ClusterSlots.SLOTS / masters - 1);
        }
        // Distinct epochs up front spare the cluster its epoch-collision rounds.
        for (int i = 0; i < total; i++) {
            nodes.get(i).call("CLUSTER", "SET-CONFIG-EPOCH", Integer.toString(i + 1));
        }
        RedisServer first = nodes.get(0);
        for (RedisServer other : nodes.subList(1, total)) {
            first.call("CLUSTER", "MEET", other.host(), Integer.toString(other.port()));
        }
        for (RedisServer node : nodes) {
            Poll.until(READY_TIMEOUT, node + " to know all " + total + " nodes",
                    () -> clusterNodes(node).stream().filter(l -> !l.contains("handshake")).count() == total);
        }
        if (replicas) {
            for (int m = 0; m < masters; m++) {
                nodes.get(masters + m).call("CLUSTER", "REPLICATE", ids.get(masterNodes.get(m)));
            }
        }
        for (RedisServer node : nodes) {
            Poll.until(READY_TIMEOUT, node + " to report cluster_state:ok with every replica attached",
                    () -> "ok".equals(Replies.info(node.call("CLUSTER", "INFO")).get("cluster_state"))
                            && clusterNodes(node).stream().filter(RedisClusterTopology::isReplicaLine).count()
                            == (replicas ? masters : 0));
        }
        for (int m = 0; replicas && m < masters; m++) {
            nodes.get(masters + m).awaitReplicaOf(masterNodes.get(m), READY_TIMEOUT);
        }
    }

    private static void addSlots(RedisServer master, int from, int to) {
        // ADDSLOTSRANGE is Redis 7 only; batches keep each command a reasonable size.
        for (int start = from; start <= to; start += ADDSLOTS_BATCH) {
            int end = Math.min(to, start + ADDSLOTS_BATCH - 1);
            List<String> command = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
            for (int slot = start; slot <= end; slot++) {
                command.add(Integer.toString(slot));
            }
            try (RespConnection c = master.connect()) {
                c.call(command);
            }
        }
    }

    private static List<String> clusterNodes(RedisServer node) {
        return String.valueOf(node.call("CLUSTER", "NODES")).lines().filter(l -> !l.isBlank()).toList();
    }

    /** A CLUSTER NODES line: {@code <id> <ip:port@bus> <flags,...> <master id or -> ...}. */
    private static boolean isReplicaLine(String line) {
        String[] fields = line.split(" ");
        return fields.length > 2 && List.of(fields[2].split(",")).contains("slave");
    }

    private static int clusterPort() {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = FIRST_PORT + ThreadLocalRandom.current().nextInt(PORT_SPAN);
            if (isFree(port) && isFree(port + BUS_OFFSET)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port pair (p, p+" + BUS_OFFSET + ") found in "
                + FIRST_PORT + ".." + (FIRST_PORT + PORT_SPAN - 1) + " for a cluster node");
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Every node's address; clients take any of them as seeds. */
    public List<HostPort> seedAddresses() {
        return nodes.stream().map(HostPort::of).toList();
    }

    /** Every node, masters first in the order they were started, then their replicas in the same order. */
    public List<RedisServer> nodes() {
        return List.copyOf(nodes);
    }

    /** The live nodes that currently report the master role. */
    public List<RedisServer> masters() {
        return nodes.stream().filter(RedisServer::isAlive)
                .filter(n -> "master".equals(((List<?>) n.call("ROLE")).get(0))).toList();
    }

    /** The cluster's node id of {@code node}. */
    public String nodeId(RedisServer node) {
        String id = ids.get(node);
        if (id == null) {
            throw new IllegalArgumentException(node + " is not a node of this cluster");
        }
        return id;
    }

    /** The master serving {@code slot}, as the first live node asked reports it. */
    public RedisServer nodeForSlot(int slot) {
        if (slot < 0 || slot >= ClusterSlots.SLOTS) {
            throw new IllegalArgumentException("slot must be within 0.." + (ClusterSlots.SLOTS - 1) + ", got " + slot);
        }
        RedisServer asked = nodes.stream().filter(RedisServer::isAlive).findFirst()
                .orElseThrow(() -> new IllegalStateException("no live node to ask"));
        return servingNode(asked, slot);
    }

    /** The slot of {@code key}, computed locally with the cluster's rule ({@link ClusterSlots}). */
    public int slotOf(String key) {
        return ClusterSlots.slotOf(key);
    }

    /**
     * Starts moving {@code slot} to {@code target} as {@code redis-cli --cluster reshard} does: the target
     * {@code IMPORTING}, then the owner {@code MIGRATING}. Until {@link #finishSlotMigration} the owner answers
     * a command whose declared keys it does not hold with {@code -ASK} to the target. Returns the owner.
     */
    public RedisServer beginSlotMigration(int slot, RedisServer target) {
        RedisServer owner = nodeForSlot(slot);
        if (owner == target) {
            throw new IllegalArgumentException(target + " already serves slot " + slot);
        }
        target.call("CLUSTER", "SETSLOT", Integer.toString(slot), "IMPORTING", nodeId(owner));
        owner.call("CLUSTER", "SETSLOT", Integer.toString(slot), "MIGRATING", nodeId(target));
        return owner;
    }

    /**
     * Moves every key of {@code slot} from {@code owner} to {@code target} ({@code MIGRATE}, 100 at a time) and
     * gives the slot to {@code target} on every master, target first (the order {@code redis-cli} uses); waits
     * until every master names the target. Returns the number of keys moved.
     */
    public int finishSlotMigration(int slot, RedisServer owner, RedisServer target) {
        int moved = 0;
        while (true) {
            List<?> keys = (List<?>) owner.call("CLUSTER", "GETKEYSINSLOT", Integer.toString(slot), "100");
            if (keys.isEmpty()) {
                break;
            }
            List<String> command = new ArrayList<>(List.of("MIGRATE", target.host(), Integer.toString(target.port()), "", "0",
                    "5000"));
            if (password != null) {
                command.addAll(List.of("AUTH", password));
            }
            command.add("KEYS");
            keys.forEach(k -> command.add(String.valueOf(k)));
            owner.call(command.toArray(String[]::new));
            moved += keys.size();
        }
        String targetId = nodeId(target);
        target.call("CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", targetId);
        owner.call("CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", targetId);
        for (RedisServer master : masters()) {
            if (master != target && master != owner) {
                master.call("CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", targetId);
            }
        }
        Poll.until(Duration.ofSeconds(15), "every master to name " + target + " for slot " + slot,
                () -> masters().stream().allMatch(m -> servingNode(m, slot) == target));
        return moved;
    }

    /**
     * Puts {@code master} behind a {@link ReplicationDelayProxy}: it announces the proxy's port
     * ({@code cluster-announce-port}, the bus port unchanged), so its replica (which follows the announced address)
     * and clients reach it through the proxy, and the replication stream can be held back while acknowledgements
     * flow. Returns once its replica replicates through the proxy, in sync.
     */
    public ReplicationDelayProxy replicateThroughProxy(RedisServer master) {
        String id = nodeId(master);
        ReplicationDelayProxy proxy = ReplicationDelayProxy.to(master.host(), master.port());
        proxies.add(proxy);
        behindProxy.put(proxy.port(), master);
        master.call("CONFIG", "SET", "cluster-announce-bus-port", Integer.toString(master.port() + BUS_OFFSET));
        master.call("CONFIG", "SET", "cluster-announce-port", Integer.toString(proxy.port()));
        RedisServer replica = nodes.stream().filter(n -> n != master && n.isAlive()
                        && clusterNodes(n).stream().anyMatch(l -> l.startsWith(nodeId(n) + " ") && l.contains(" " + id + " ")))
                .findFirst().orElseThrow(() -> new IllegalStateException(master + " has no replica"));
        Poll.until(READY_TIMEOUT, replica + " to replicate " + master + " through the proxy", () -> {
            Map<String, String> replication = Replies.info(replica.call("INFO", "replication"));
            return Integer.toString(proxy.port()).equals(replication.get("master_port"))
                    && "up".equals(replication.get("master_link_status"));
        });
        return proxy;
    }

    /** SIGKILLs {@code node} and remembers which slots it served, for {@link #awaitFailover}. */
    public void killNode(RedisServer node) {
        nodeId(node);
        firstSlotOwnedBy(node).ifPresent(slot -> firstSlotAtKill.put(node, slot));
        node.kill();
        lastKilled = node;
    }

    /** Waits for the failover away from the master {@link #killNode} killed last; returns the new master. */
    public RedisServer awaitFailover(Duration timeout) {
        if (lastKilled == null) {
            throw new IllegalStateException("awaitFailover(timeout) follows killNode(master)");
        }
        return awaitFailover(lastKilled, timeout);
    }

    /**
     * Waits until every live node reports {@code cluster_state:ok} and names one live master (another
     * node) for the slots {@code formerMaster} served when it was killed; returns that master.
     */
    public RedisServer awaitFailover(RedisServer formerMaster, Duration timeout) {
        Integer slot = firstSlotAtKill.get(formerMaster);
        if (slot == null) {
            throw new IllegalStateException(formerMaster + " was not a master killed through killNode");
        }
        RedisServer[] successor = new RedisServer[1];
        Poll.until(timeout, "a replica to take over slot " + slot + " from " + formerMaster, () -> {
            RedisServer agreed = null;
            for (RedisServer node : nodes) {
                if (!node.isAlive()) {
                    continue;
                }
                if (!"ok".equals(Replies.info(node.call("CLUSTER", "INFO")).get("cluster_state"))) {
                    return false;
                }
                RedisServer serving = servingNode(node, slot);
                if (serving == formerMaster || (agreed != null && serving != agreed)) {
                    return false;
                }
                agreed = serving;
            }
            successor[0] = agreed;
            return agreed != null && "master".equals(((List<?>) agreed.call("ROLE")).get(0));
        });
        return successor[0];
    }

    private Optional<Integer> firstSlotOwnedBy(RedisServer node) {
        for (Object entry : (List<?>) node.call("CLUSTER", "SLOTS")) {
            List<?> range = (List<?>) entry;
            List<?> master = (List<?>) range.get(2);
            if (nodeAtPort(((Long) master.get(1)).intValue()) == node) {
                return Optional.of(((Long) range.get(0)).intValue());
            }
        }
        return Optional.empty();
    }

    /** The node that port reaches (its own, or its proxy's); null for none. */
    private RedisServer nodeAtPort(int port) {
        RedisServer proxied = behindProxy.get(port);
        return proxied != null ? proxied : nodes.stream().filter(n -> n.port() == port).findFirst().orElse(null);
    }

    private RedisServer servingNode(RedisServer asked, int slot) {
        for (Object entry : (List<?>) asked.call("CLUSTER", "SLOTS")) {
            List<?> range = (List<?>) entry;
            if (slot >= (Long) range.get(0) && slot <= (Long) range.get(1)) {
                int port = ((Long) ((List<?>) range.get(2)).get(1)).intValue();
                RedisServer node = nodeAtPort(port);
                if (node == null) {
                    throw new IllegalStateException(asked + " names port " + port + " for slot " + slot
                            + ", not a node of this cluster");
                }
                return node;
            }
        }
        throw new IllegalStateException(asked + " reports no node for slot " + slot);
    }

    @Override
    public void close() {
        nodes.forEach(RedisServer::close);
        proxies.forEach(ReplicationDelayProxy::close);
    }

    @Override
    public String toString() {
        return "cluster " + nodes;
    }

    /** Shape of the cluster; defaults: 3 masters, no replicas, no password. */
    public static final class Builder {
        private final RedisBinary binary;
        private int masters = 3;
        private boolean replicas;
        private String password;

        private Builder(RedisBinary binary) {
            this.binary = binary;
        }

        public Builder masters(int masters) {
            if (masters < 1 || masters > 16) {
                throw new IllegalArgumentException("masters must be within 1..16, got " + masters);
            }
            this.masters = masters;
            return this;
        }

        /** One replica per master, so that killing a master fails over to its replica. */
        public Builder withReplicas() {
            this.replicas = true;
            return this;
        }

        /** {@code requirepass} and {@code masterauth} on every node (null for none). */
        public Builder password(String password) {
            this.password = password;
            return this;
        }

        public RedisClusterTopology start() {
            RedisClusterTopology topology = new RedisClusterTopology();
            try {
                topology.launch(binary, masters, replicas, password);
                return topology;
            } catch (RuntimeException e) {
                topology.close();
                throw e;
            }
        }
    }
}
