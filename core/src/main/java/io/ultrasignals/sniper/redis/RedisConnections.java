package io.ultrasignals.sniper.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.event.Event;
import io.lettuce.core.event.EventBus;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.ultrasignals.sniper.config.HostAndPort;
import io.ultrasignals.sniper.config.RedisSettings;
import io.ultrasignals.sniper.config.TlsSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Flux;

/**
 * Builds the Lettuce client for the configured topology. The options that keep a runner from stalling:
 * <ul>
 *   <li>script calls time out through {@link ScriptRunner} (one sweep per link, {@link CallDeadlines}), not
 *       through a Lettuce timer per command; the synchronous API, which tools use, times out after
 *       {@code redis.timeout} (the URI's timeout; Lettuce's own default is 60 s);</li>
 *   <li>while disconnected, commands are rejected at once instead of queued and re-sent after a
 *       reconnect (a re-sent acquire would count a signal twice);</li>
 *   <li>a bounded request queue, so a slow server cannot make memory grow without limit;</li>
 *   <li>RESP2 with AUTH, which Redis 6.2 and 7 both speak and an ACL user can be limited to.</li>
 * </ul>
 * Nothing here connects: {@link RedisLink#start()} does, in the background.
 */
public final class RedisConnections {
    /** Commands in flight or queued per connection before new ones are rejected. */
    static final int REQUEST_QUEUE_SIZE = 4096;

    /**
     * Netty threads for I/O and for Lettuce's own work: a guard has one connection (one per node in a cluster).
     * Lettuce's defaults are one of each per core; 2 is the least it accepts.
     */
    static final int IO_THREADS = 2;
    static final int COMPUTATION_THREADS = 2;

    static {
        // Lettuce records a JFR event per connection and command by default; starting JFR's classes costs every
        // runner about 100 classes and some MB for events nobody records. Only in the agent jar, where the name is
        // relocated with Lettuce: a Lettuce the application uses itself keeps its JFR events.
        boolean relocated = RedisClient.class.getName().startsWith("io.ultrasignals.");
        if (relocated && System.getProperty("io.lettuce.core.jfr") == null) {
            System.setProperty("io.lettuce.core.jfr", "false");
        }
    }

    private RedisConnections() {}

    /** A link for these settings (standalone, Sentinel or Cluster); call {@link RedisLink#start()} to connect. */
    public static RedisLink link(RedisSettings settings) {
        RedisLink link = switch (settings.topology()) {
            case CLUSTER -> cluster(settings);
            case SENTINEL, STANDALONE -> standalone(settings);
        };
        // A connection that stops answering without a reset is replaced (SilentConnectionWatchdog).
        return link.watchForSilence(SilentConnectionWatchdog.withDefaults());
    }

    private static RedisLink standalone(RedisSettings s) {
        RedisURI uri = dataNodeUri(s);
        ConnectionPipeline pipeline = new ConnectionPipeline();
        RedisClient client = RedisClient.create(resources(pipeline));
        client.setOptions(clientOptions(s));
        return RedisLink.standalone(client, uri, describe(s), pipeline);
    }

    private static RedisLink cluster(RedisSettings s) {
        List<RedisURI> seeds = new ArrayList<>();
        for (HostAndPort node : s.cluster().nodes()) {
            RedisURI.Builder b = RedisURI.builder().withHost(node.host()).withPort(node.port())
                    .withTimeout(s.connectTimeout());
            auth(b, s);
            tls(b, s.tls());
            seeds.add(b.build());
        }
        ConnectionPipeline pipeline = new ConnectionPipeline();
        RedisClusterClient client = RedisClusterClient.create(resources(pipeline), seeds);
        client.setOptions(ClusterClientOptions.builder(clientOptions(s))
                .validateClusterNodeMembership(false)
                // Follow a failover or resharding soon after the first MOVED/ASK or failed reconnect; the
                // periodic refresh catches a promotion nobody has been redirected to yet.
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enableAllAdaptiveRefreshTriggers()
                        .refreshTriggersReconnectAttempts(1)
                        .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
                        .enablePeriodicRefresh(Duration.ofSeconds(2))
                        .build())
                .build());
        return RedisLink.cluster(client, describe(s), pipeline);
    }

    /** The data node's URI: a plain host/port, or the Sentinel set that names the master. */
    static RedisURI dataNodeUri(RedisSettings s) {
        RedisURI.Builder b;
        if (s.sentinel() != null) {
            b = RedisURI.builder().withSentinelMasterId(s.sentinel().master());
            for (HostAndPort node : s.sentinel().nodes()) {
                b.withSentinel(sentinelUri(node, s));
            }
        } else {
            b = RedisURI.builder().withHost(s.host()).withPort(s.port());
        }
        b.withDatabase(s.db()).withTimeout(s.connectTimeout());
        auth(b, s);
        tls(b, s.tls());
        return b.build();
    }

    private static RedisURI sentinelUri(HostAndPort node, RedisSettings s) {
        RedisURI.Builder b = RedisURI.builder().withHost(node.host()).withPort(node.port()).withTimeout(s.connectTimeout());
        if (s.sentinel().password() != null) {
            b.withPassword(s.sentinel().password().reveal().toCharArray());
        }
        tls(b, s.tls());
        return b.build();
    }

    private static void auth(RedisURI.Builder b, RedisSettings s) {
        if (s.password() == null) {
            return;
        }
        char[] password = s.password().reveal().toCharArray();
        if (s.username() != null) {
            b.withAuthentication(s.username(), password);
        } else {
            b.withPassword(password);
        }
    }

    private static void tls(RedisURI.Builder b, TlsSettings tls) {
        if (tls.enabled()) {
            b.withSsl(true).withVerifyPeer(tls.verifyPeer());
        }
    }

    /**
     * Reconnect attempts back off from 10 ms to at most 1 s (Lettuce's default grows to 30 s): after a
     * failover the guard is back on Redis within a second of the new master answering.
     *
     * <p>Sized for a guard, not for Lettuce's defaults (pools per core, a command-latency histogram per
     * command type, an event bus with its scheduler, Netty's pooled allocator reserving MBs of direct memory per
     * arena): nothing here reads Lettuce's latencies or events (the guard times its own calls), and a guard's
     * few small commands need no buffer pool.
     */
    private static ClientResources resources(ConnectionPipeline pipeline) {
        return DefaultClientResources.builder()
                .ioThreadPoolSize(IO_THREADS)
                .computationThreadPoolSize(COMPUTATION_THREADS)
                .commandLatencyRecorder(CommandLatencyRecorder.disabled())
                .eventBus(DiscardingEventBus.INSTANCE)
                .nettyCustomizer(pipeline)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .build();
    }

    /** Lettuce's events (connected, reconnecting, ...) go nowhere: the link reports what it sees itself. */
    private enum DiscardingEventBus implements EventBus {
        INSTANCE;

        @Override
        public Flux<Event> get() {
            return Flux.empty();
        }

        @Override
        public void publish(Event event) {
            // nobody listens
        }
    }

    /** The options listed in the class comment, for every topology. */
    private static ClientOptions clientOptions(RedisSettings s) {
        return ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(REQUEST_QUEUE_SIZE)
                .autoReconnect(true)
                .protocolVersion(ProtocolVersion.RESP2)
                .socketOptions(socketOptions(s))
                .timeoutOptions(TimeoutOptions.builder().timeoutCommands(false).build())
                .sslOptions(sslOptions(s.tls()))
                .build();
    }

    private static SocketOptions socketOptions(RedisSettings s) {
        return SocketOptions.builder().connectTimeout(s.connectTimeout()).keepAlive(true).build();
    }

    private static SslOptions sslOptions(TlsSettings tls) {
        SslOptions.Builder b = SslOptions.builder().jdkSslProvider();
        if (tls.enabled() && tls.caFile() != null) {
            b.trustManager(tls.caFile().toFile());
        }
        return b.build();
    }

    /** For logs and errors: where, never who or with what password. */
    static String describe(RedisSettings s) {
        return switch (s.topology()) {
            case CLUSTER -> "redis cluster " + s.cluster().nodes();
            case SENTINEL -> "redis sentinel master '" + s.sentinel().master() + "' via " + s.sentinel().nodes();
            case STANDALONE -> "redis " + s.host() + ":" + s.port() + "/" + s.db();
        } + (s.tls().enabled() ? " (tls)" : "");
    }
}
