package io.ultrasignals.sniper.bench;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.config.SettingsDefaults;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.redisson.Redisson;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RateType;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * Issue 11's table: the guard beside its floors and its peers, same redis-server, same run.
 * <ul>
 *   <li><b>PING</b>, plain Lettuce sync on its own connection (default Lettuce: one flush per command);</li>
 *   <li><b>acquire EVALSHA</b>, plain Lettuce sync on that same connection, with exactly the guard's arguments;</li>
 *   <li><b>guard</b>: {@code SniperGuard.acquire} with default settings (decision timeout 100 ms), write
 *       batching on, as the guard ships it; and guard-unbatched, a second guard started with
 *       {@code -Dsniper.flush_batching=false}, to measure that switch;</li>
 *   <li><b>Redisson RRateLimiter</b> {@code tryAcquire()} (default client: its connection pool), and
 *       <b>Bucket4j</b> Lettuce compare-and-swap {@code tryConsume(1)} on one Lettuce connection.</li>
 * </ul>
 * Every limiter has a limit no run reaches (every call admitted and counted). Each round: latency on one
 * thread, the limiters alternated call by call; then, for each thread count, each limiter for
 * {@code --seconds} from that many threads, in forward order on odd rounds and reverse on even. Printed per
 * round and as medians over rounds (ratios taken within each round), with the guard's decisions that the
 * fallback made, which must be 0.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar io.ultrasignals.sniper.bench.PeerLimiters
 *     [--rounds 3] [--calls 5000] [--seconds 3] [--threads 8,64,256] [--only ping,acquire,guard,...]
 *     [--guard name:property=value,...]   (repeatable; replaces guard-unbatched)</pre>
 */
public final class PeerLimiters {
    private static final Signal SIGNAL = Signal.of(true);

    private int rounds = 3;
    private int calls = 5_000;
    private double seconds = 3;
    private int[] threadCounts = {8, 64, 256};
    private List<String> only = List.of();
    /** Extra guards: name, then the system properties set while it starts (its connection reads them once). */
    private final Map<String, Map<String, String>> variants = new LinkedHashMap<>(Map.of(
            "guard-unbatched", Map.of("sniper.flush_batching", "false")));
    private boolean variantsGiven;

    private PeerLimiters() {}

    public static void main(String[] args) {
        PeerLimiters p = new PeerLimiters();
        try {
            for (int i = 0; i < args.length; i++) {
                String o = args[i];
                String v = CliArgs.value(args, ++i, o);
                switch (o) {
                    case "--rounds" -> p.rounds = CliArgs.positive(o, v);
                    case "--calls" -> p.calls = CliArgs.positive(o, v);
                    case "--seconds" -> p.seconds = CliArgs.positive(o, v);
                    case "--threads" -> p.threadCounts = java.util.Arrays.stream(v.split(","))
                            .mapToInt(t -> CliArgs.positive(o, t)).toArray();
                    case "--only" -> p.only = List.of(v.split(","));
                    case "--guard" -> p.variant(o, v);
                    default -> throw new IllegalArgumentException("unknown option " + o
                            + "; expected --rounds N, --calls N, --seconds N, --threads N,N, --only name,name, --guard name:property=value,...");
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("PeerLimiters: " + e.getMessage());
            System.exit(2);
        }
        p.run();
    }

    /** {@code --guard name:property=value,...}: replaces the default extra guards with named ones. */
    private void variant(String option, String v) {
        int colon = v.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException(option + " expects name:property=value,..., got " + v);
        }
        if (!variantsGiven) {
            variants.clear();
            variantsGiven = true;
        }
        Map<String, String> props = new LinkedHashMap<>();
        for (String kv : v.substring(colon + 1).split(",")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(option + " expects name:property=value,..., got " + v);
            }
            props.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        variants.put(v.substring(0, colon), props);
    }

    private void run() {
        Map<String, BenchGuard> guards = new LinkedHashMap<>();
        try (BenchRedis redis = BenchRedis.start();
             Peers peers = Peers.start(redis)) {
            try {
                measure(redis, peers, guards);
            } finally {
                guards.values().forEach(BenchGuard::close); // before their Redis stops
            }
        }
    }

    private void measure(BenchRedis redis, Peers peers, Map<String, BenchGuard> guards) {
        BenchGuard guard = BenchGuard.start(redis.server(), "bench-guard", 0, SettingsDefaults.REDIS_DECISION_TIMEOUT);
        guards.put("guard", guard);
        variants.forEach((name, props) -> guards.put(name, startWith(redis, name, props)));
        RedisCommands<String, String> plain = redis.sync();
        List<String> evalsha = GuardTargets.evalshaLikeTheGuard(plain, "bench-plain");
        String sha = evalsha.get(1);
        String[] keys = {"bench-plain"};
        String[] argv = evalsha.subList(4, evalsha.size()).toArray(String[]::new);
        Map<String, Runnable> all = new LinkedHashMap<>();
        all.put("ping", plain::ping);
        all.put("acquire", () -> plain.evalsha(sha, ScriptOutputType.MULTI, keys, argv));
        guards.forEach((name, g) -> all.put(name, () -> g.record(g.guard().acquire(SIGNAL))));
        all.put("redisson", peers::redisson);
        all.put("bucket4j", peers::bucket4j);
        if (!only.isEmpty()) {
            all.keySet().retainAll(only);
        }
        List<String> names = new ArrayList<>(all.keySet());
        List<Runnable> callList = new ArrayList<>(all.values());
        System.out.printf(Locale.ROOT, "%s; %d rounds; limiters %s%n", redis.describe(), rounds, names);

        Map<String, Samples> figures = new LinkedHashMap<>();
        Phases.alternated(callList, calls); // warm-up: JIT, script caches, buffers
        for (int t : threadCounts) {
            for (Runnable c : callList) {
                Phases.concurrent(c, t, 1);
            }
        }
        for (int r = 1; r <= rounds; r++) {
            long guardFallback = notByRedis(guards);
            long[][] lat = Phases.alternated(callList, calls);
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "round %d, 1 thread p50/p99 us:", r));
            for (int i = 0; i < names.size(); i++) {
                double p50 = Quantiles.at(lat[i], 0.5) / 1000.0;
                double p99 = Quantiles.at(lat[i], 0.99) / 1000.0;
                add(figures, names.get(i) + " 1 p50", p50);
                add(figures, names.get(i) + " 1 p99", p99);
                line.append(String.format(Locale.ROOT, " %s %.1f/%.1f", names.get(i), p50, p99));
            }
            System.out.println(line + "; load " + LoadAverage.now());
            for (int t : threadCounts) {
                line = new StringBuilder(String.format(Locale.ROOT, "round %d, %d threads calls/s (p50/p99 us):", r, t));
                for (int k = 0; k < names.size(); k++) {
                    int i = r % 2 == 1 ? k : names.size() - 1 - k;
                    Phases.Load load = Phases.concurrent(callList.get(i), t, seconds);
                    add(figures, names.get(i) + " " + t + " rps", load.perSecond());
                    add(figures, names.get(i) + " " + t + " p50", load.p50Micros());
                    add(figures, names.get(i) + " " + t + " p99", load.p99Micros());
                    line.append(String.format(Locale.ROOT, " %s %.0f (%.0f/%.0f)", names.get(i), load.perSecond(),
                            load.p50Micros(), load.p99Micros()));
                }
                System.out.println(line + "; load " + LoadAverage.now());
            }
            System.out.printf(Locale.ROOT, "round %d: guard decisions not made by Redis in this round: %d%n", r,
                    notByRedis(guards) - guardFallback);
        }
        printMedians(figures, names);
        guards.forEach((name, g) -> System.out.printf(Locale.ROOT, "%s: %d decisions, not made by Redis (fallback): %d%n",
                name, g.decisions(), g.notByRedis()));
    }

    private static long notByRedis(Map<String, BenchGuard> guards) {
        return guards.values().stream().mapToLong(BenchGuard::notByRedis).sum();
    }

    /** A guard whose connection starts with these system properties set (each read once, at connect). */
    private static BenchGuard startWith(BenchRedis redis, String name, Map<String, String> props) {
        Map<String, String> before = new LinkedHashMap<>();
        props.forEach((k, v) -> before.put(k, System.setProperty(k, v)));
        try {
            return BenchGuard.start(redis.server(), "bench-" + name, 0, SettingsDefaults.REDIS_DECISION_TIMEOUT);
        } finally {
            before.forEach((k, v) -> {
                if (v == null) {
                    System.clearProperty(k);
                } else {
                    System.setProperty(k, v);
                }
            });
        }
    }

    /** Median over rounds, and each limiter's figure over PING's and over plain acquire's, per round then median. */
    private void printMedians(Map<String, Samples> figures, List<String> names) {
        System.out.printf(Locale.ROOT, "%nmedians over %d rounds (ratios: per round, then median; load now %s)%n", rounds,
                LoadAverage.now());
        System.out.println("| limiter | 1 thread p50 us | p50/PING | p50/acquire | p99 us | p99/PING |"
                + threadHeader());
        for (String n : names) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s | %.1f | %s | %s | %.1f | %s |", n,
                    figures.get(n + " 1 p50").median(), ratio(figures, n + " 1 p50", "ping 1 p50"),
                    ratio(figures, n + " 1 p50", "acquire 1 p50"), figures.get(n + " 1 p99").median(),
                    ratio(figures, n + " 1 p99", "ping 1 p99")));
            for (int t : threadCounts) {
                row.append(String.format(Locale.ROOT, " %.0f | %s | %s | %.0f / %.0f |", figures.get(n + " " + t + " rps").median(),
                        ratio(figures, n + " " + t + " rps", "ping " + t + " rps"),
                        ratio(figures, "guard " + t + " rps", n + " " + t + " rps"),
                        figures.get(n + " " + t + " p50").median(), figures.get(n + " " + t + " p99").median()));
            }
            System.out.println(row);
        }
    }

    private String threadHeader() {
        StringBuilder h = new StringBuilder();
        for (int t : threadCounts) {
            h.append(String.format(Locale.ROOT, " %d threads /s | x PING | guard / this | p50 / p99 us |", t));
        }
        return h.toString();
    }

    /** Median of the per-round ratios a/b, or "-" when either is not measured. */
    private static String ratio(Map<String, Samples> figures, String a, String b) {
        Samples x = figures.get(a);
        Samples y = figures.get(b);
        if (x == null || y == null) {
            return "-";
        }
        Samples r = new Samples();
        for (int i = 0; i < x.values().size(); i++) {
            r.add(x.values().get(i) / y.values().get(i));
        }
        return String.format(Locale.ROOT, "%.2f", r.median());
    }

    private static void add(Map<String, Samples> figures, String key, double value) {
        figures.computeIfAbsent(key, k -> new Samples()).add(value);
    }

    /** The peers, each with a limit no run reaches, on the benchmark's redis-server. */
    private static final class Peers implements AutoCloseable {
        private final RedissonClient redisson;
        private final RRateLimiter rateLimiter;
        private final RedisClient lettuce;
        private final StatefulRedisConnection<byte[], byte[]> bucketConnection;
        private final Bucket bucket;

        private Peers(RedissonClient redisson, RedisClient lettuce, StatefulRedisConnection<byte[], byte[]> bucketConnection) {
            this.redisson = redisson;
            this.lettuce = lettuce;
            this.bucketConnection = bucketConnection;
            // Rate per second, not per hour: RRateLimiter keeps one sorted-set entry per permit in the interval.
            this.rateLimiter = redisson.getRateLimiter("bench-redisson");
            rateLimiter.trySetRate(RateType.OVERALL, 1_000_000_000L, Duration.ofSeconds(1));
            BucketConfiguration config = BucketConfiguration.builder()
                    .addLimit(Bandwidth.builder().capacity(1_000_000_000_000L)
                            .refillGreedy(1_000_000_000_000L, Duration.ofHours(1)).build())
                    .build();
            this.bucket = Bucket4jLettuce.casBasedBuilder(bucketConnection).build()
                    .builder().build("bench-bucket4j".getBytes(StandardCharsets.UTF_8), () -> config);
            if (!rateLimiter.tryAcquire() || !bucket.tryConsume(1)) {
                throw new IllegalStateException("benchmark set-up: a peer refused its first call");
            }
        }

        static Peers start(BenchRedis redis) {
            Config config = new Config();
            config.useSingleServer().setAddress("redis://" + redis.server().host() + ":" + redis.server().port());
            RedissonClient redisson = Redisson.create(config);
            RedisClient lettuce = RedisClient.create(redis.server().uri());
            return new Peers(redisson, lettuce, lettuce.connect(ByteArrayCodec.INSTANCE));
        }

        void redisson() {
            if (!rateLimiter.tryAcquire()) {
                throw new IllegalStateException("Redisson refused a call under a limit no run reaches");
            }
        }

        void bucket4j() {
            if (!bucket.tryConsume(1)) {
                throw new IllegalStateException("Bucket4j refused a call under a limit no run reaches");
            }
        }

        @Override
        public void close() {
            redisson.shutdown();
            bucketConnection.close();
            lettuce.shutdown();
        }
    }
}
