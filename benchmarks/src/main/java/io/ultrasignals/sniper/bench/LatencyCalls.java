package io.ultrasignals.sniper.bench;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.AcquireReply;
import io.ultrasignals.sniper.script.ScriptCatalog;
import io.ultrasignals.sniper.script.WindowMode;
import java.util.List;

/**
 * The calls whose round trip the latency benchmarks time, on one synchronous connection: PING (the
 * floor) and acquire on the Redis clock without a signal id, in three variants, each on its own
 * namespace so they do not disturb one another.
 */
final class LatencyCalls {
    private static final String[] ADMITTED_NS = {"bench:admitted"};
    private static final String[] BLOCKED_NS = {"bench:blocked"};
    private static final String[] SLIDING_NS = {"bench:sliding"};

    /** Caps 0: no cap applies, so every call is admitted and increments both buckets. */
    private static final String[] ADMITTED = new AcquireArgs(0, 0, false, false, null, null, WindowMode.FIXED).argv();
    /** Hourly cap 1: the first call is admitted, every later one is blocked (reads, writes nothing). */
    private static final String[] BLOCKED = new AcquireArgs(1, 0, false, false, null, null, WindowMode.FIXED).argv();
    private static final String[] SLIDING = new AcquireArgs(0, 0, false, false, null, null, WindowMode.SLIDING).argv();

    private final RedisCommands<String, String> redis;
    private final String acquireSha;

    /** Loads acquire and makes each variant take the path its name says (the blocked one needs one admission first). */
    LatencyCalls(RedisCommands<String, String> redis) {
        this.redis = redis;
        this.acquireSha = redis.scriptLoad(ScriptCatalog.load().acquire().body());
        expect(fixedAdmitted(), true, "OK");
        expect(fixedBlocked(), true, "OK");
        expect(fixedBlocked(), false, "SNIPER_HOURLY_CAP");
        expect(slidingAdmitted(), true, "OK");
    }

    String ping() {
        return redis.ping();
    }

    List<Object> fixedAdmitted() {
        return acquire(ADMITTED_NS, ADMITTED);
    }

    List<Object> fixedBlocked() {
        return acquire(BLOCKED_NS, BLOCKED);
    }

    List<Object> slidingAdmitted() {
        return acquire(SLIDING_NS, SLIDING);
    }

    private List<Object> acquire(String[] namespace, String[] argv) {
        return redis.evalsha(acquireSha, ScriptOutputType.MULTI, namespace, argv);
    }

    private static void expect(List<Object> raw, boolean allowed, String reason) {
        AcquireReply reply = AcquireReply.fromWire(raw);
        if (reply.allowed() != allowed || !reply.reason().equals(reason)) {
            throw new IllegalStateException("benchmark set-up: expected allowed=" + allowed + " " + reason
                    + ", got " + raw);
        }
    }
}
