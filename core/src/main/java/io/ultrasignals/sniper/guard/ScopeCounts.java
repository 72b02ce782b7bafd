package io.ultrasignals.sniper.guard;

import io.ultrasignals.sniper.script.Buckets;
import io.ultrasignals.sniper.script.HeartbeatReply;
import io.ultrasignals.sniper.script.ScopeCap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scopes this guard decided today and the latest counts of each that a heartbeat read: what a heartbeat names
 * (heartbeat.lua's ARGV[10..]) so that a server that lost data gets each scope's count back, as the fleet's
 * ({@link LostCountRestore}). acquire does not reply a scope's counts, so they come from heartbeat replies only: what
 * a scope admitted after the latest heartbeat that read it is not restored (at most one heartbeat interval of it).
 * At most {@link #MAX} scopes, the most recently decided. Times are Redis times (no clock inside).
 */
final class ScopeCounts {
    /** heartbeat.lua takes at most this many scopes. */
    static final int MAX = 32;

    /** A scope: the day it was last decided in, and the counts the latest heartbeat naming it read (at MIN: none). */
    private static final class Seen {
        long decidedDay;
        long at = Long.MIN_VALUE;
        long hour;
        long day;
    }

    private final LinkedHashMap<String, Seen> scopes = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Seen> eldest) {
            return size() > MAX;
        }
    };

    /** A decision named these scopes (on Redis or not). */
    synchronized void decided(List<ScopeCap> decided, long nowMillis) {
        for (ScopeCap scope : decided) {
            scopes.computeIfAbsent(scope.scope(), s -> new Seen()).decidedDay = Buckets.day(nowMillis);
        }
    }

    /**
     * The heartbeat's scope arguments: each scope decided today, with the counts last read of it less this guard's
     * signals of unknown outcome in it that may be in them (settled by id, each counted once).
     */
    synchronized List<String> arguments(long nowMillis, Reconciler reconciler, long decisionTimeoutMillis) {
        List<String> args = new ArrayList<>(scopes.size());
        long today = Buckets.day(nowMillis);
        scopes.entrySet().removeIf(e -> e.getValue().decidedDay < today);
        for (Map.Entry<String, Seen> e : scopes.entrySet()) {
            Seen seen = e.getValue();
            if (seen.at == Long.MIN_VALUE) {
                args.add(e.getKey());
                continue;
            }
            long hourBucket = Buckets.hour(seen.at);
            long dayBucket = Buckets.day(seen.at);
            long until = seen.at + 2 * decisionTimeoutMillis;
            long hour = Math.max(0, seen.hour - reconciler.unsettledIn(e.getKey(), Buckets.HOUR_MS, hourBucket, until));
            long day = Math.max(0, seen.day - reconciler.unsettledIn(e.getKey(), Buckets.DAY_MS, dayBucket, until));
            args.add(e.getKey() + "|" + seen.at + "|" + hourBucket + "|" + hour + "|" + dayBucket + "|" + day);
        }
        return args;
    }

    /** Takes in the counts a heartbeat read (a reply older than what is kept is ignored). */
    synchronized void observe(HeartbeatReply reply) {
        for (HeartbeatReply.ScopeCount count : reply.scopes()) {
            Seen seen = scopes.get(count.scope());
            if (seen != null && reply.serverTimeMillis() >= seen.at) {
                seen.at = reply.serverTimeMillis();
                seen.hour = count.hourCount();
                seen.day = count.dayCount();
            }
        }
    }
}
