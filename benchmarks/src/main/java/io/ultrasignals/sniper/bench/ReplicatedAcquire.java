package io.ultrasignals.sniper.bench;

import static io.ultrasignals.sniper.bench.Quantiles.at;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.ScriptCatalog;
import io.ultrasignals.sniper.script.WindowMode;
import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisServer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * What {@code WAIT 1 <timeout>} after each admission would cost: a master with one replica on loopback, one
 * connection, one thread; acquire alone (EVALSHA, admitted) alternated with acquire and {@code WAIT 1 100}
 * pipelined behind it (the reply comes once the replica has acknowledged the admission), and PING as the floor.
 * A signal would go only once a replica has it, so a failover to that replica cannot lose it; the price is one
 * replica round trip per decision, and on a lagging link the whole lag.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.ultrasignals.sniper.bench.ReplicatedAcquire [--calls 20000] [--rounds 5]</pre>
 */
public final class ReplicatedAcquire {
    private static final String[] NS = {"bench:replicated"};
    private static final String[] ADMITTED = new AcquireArgs(0, 0, false, false, null, null, WindowMode.FIXED).argv();

    private ReplicatedAcquire() {}

    public static void main(String[] args) throws Exception {
        int calls = 20_000;
        int rounds = 5;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--calls" -> calls = CliArgs.positive("--calls", CliArgs.value(args, ++i, "--calls"));
                    case "--rounds" -> rounds = CliArgs.positive("--rounds", CliArgs.value(args, ++i, "--rounds"));
                    default -> throw new IllegalArgumentException("unknown option " + args[i] + "; expected --calls N, --rounds N");
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("ReplicatedAcquire: " + e.getMessage());
            System.exit(2);
        }
        try (RedisServer master = RedisServer.start(RedisBinaries.newest());
             RedisServer replica = RedisServer.builder(RedisBinaries.newest())
                     .args("--replicaof", master.host(), Integer.toString(master.port())).start()) {
            replica.awaitReplicaOf(master, Duration.ofSeconds(15));
            RedisClient client = RedisClient.create(master.uri());
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                run(connection.async(), calls, rounds, master);
            } finally {
                client.shutdown();
            }
        }
    }

    private static void run(RedisAsyncCommands<String, String> redis, int calls, int rounds, RedisServer master) throws Exception {
        String sha = redis.scriptLoad(ScriptCatalog.load().acquire().body()).get();
        System.out.printf(Locale.ROOT, "redis-server %s, master + 1 replica on loopback, %d cores, load %s; %d calls of each per "
                        + "round, alternated, %d rounds%n", master.binary().version(), Runtime.getRuntime().availableProcessors(),
                LoadAverage.now(), calls, rounds);
        System.out.printf(Locale.ROOT, "%-6s %12s %12s %12s %14s %14s%n", "round", "PING p50", "acquire p50",
                "+WAIT p50", "WAIT/acquire", "WAIT p99/acq");
        double[] ratios = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long[][] nanos = new long[3][calls];
            for (int i = -calls / 5; i < calls; i++) { // the first fifth is warm-up
                for (int k = 0; k < 3; k++) {
                    int j = (i + k + calls) % 3;
                    long start = System.nanoTime();
                    switch (j) {
                        case 0 -> redis.ping().get(1, TimeUnit.SECONDS);
                        case 1 -> redis.evalsha(sha, ScriptOutputType.MULTI, NS, ADMITTED).get(1, TimeUnit.SECONDS);
                        default -> {
                            RedisFuture<List<Object>> acquire = redis.evalsha(sha, ScriptOutputType.MULTI, NS, ADMITTED);
                            RedisFuture<Long> acked = redis.waitForReplication(1, 100);
                            acquire.get(1, TimeUnit.SECONDS);
                            if (acked.get(1, TimeUnit.SECONDS) < 1) {
                                throw new IllegalStateException("the replica did not acknowledge within 100 ms");
                            }
                        }
                    }
                    if (i >= 0) {
                        nanos[j][i] = System.nanoTime() - start;
                    }
                }
            }
            for (long[] n : nanos) {
                Arrays.sort(n);
            }
            ratios[r] = (double) at(nanos[2], 0.5) / at(nanos[1], 0.5);
            System.out.printf(Locale.ROOT, "%-6d %10.1f us %10.1f us %10.1f us %13.2fx %13.2fx%n", r + 1, at(nanos[0], 0.5) / 1e3,
                    at(nanos[1], 0.5) / 1e3, at(nanos[2], 0.5) / 1e3, ratios[r], (double) at(nanos[2], 0.99) / at(nanos[1], 0.99));
        }
        Arrays.sort(ratios);
        System.out.printf(Locale.ROOT, "median of the rounds: acquire + WAIT 1 = %.2fx acquire alone (p50); load %s%n",
                ratios[rounds / 2], LoadAverage.now());
    }
}
