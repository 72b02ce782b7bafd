package io.ultrasignals.sniper.testkit;

import java.util.ArrayList;
import java.util.List;

/**
 * The least-privilege ACL user the agent runs as: only the commands it sends (and the commands its
 * scripts call, which Redis checks against the same user), only the keys of its namespace.
 *
 * <p>Found by experiment with Lettuce 6.8 against Redis 6.2 and 7.0 (testkit/README.md has the details):
 * <ul>
 *   <li>connect: {@code HELLO 3 AUTH user pass [SETNAME name]} needs no grant; Lettuce then sends
 *       {@code CLIENT SETINFO lib-name/lib-ver} and ignores its failure (7.2+ only anyway). With RESP2
 *       it sends {@code AUTH} and {@code CLIENT SETNAME}. {@code SELECT} only when {@code db} is not 0,
 *       and then a refusal fails the connect.</li>
 *   <li>calls: {@code EVALSHA} ({@code EVALSHA_RO} on 7+), {@code EVAL} of the body after NOSCRIPT,
 *       {@code SCRIPT EXISTS}, {@code PING}; on the invalidation connection {@code CLIENT TRACKING}.</li>
 *   <li>inside the v1 scripts: {@code TIME GET MGET EXISTS SET INCR INCRBY DECR PTTL}, and for
 *       heartbeat.lua {@code TYPE ZADD ZREMRANGEBYSCORE ZCARD PEXPIRE}; {@code XADD} for the audit stream ({@code XRANGE} to read it through control.lua).</li>
 *   <li>cluster clients: {@code CLUSTER NODES} and {@code INFO} for topology discovery and refresh
 *       (refused, the connect fails), {@code CLUSTER MYID} once per connection (refusal ignored),
 *       {@code READONLY} when reading from replicas.</li>
 * </ul>
 * ACL users are per node: neither replication nor the cluster bus copies them, and a restart
 * without an ACL file forgets them, so {@link #createAgentUser} has to run on every data node again.
 */
public final class RedisAcl {
    private static final List<String> CONNECT = List.of("+hello", "+auth", "+client|setname", "+select", "+ping",
            // the invalidation connection (RESP3): CLIENT TRACKING on BCAST PREFIX <ns>:...; refused, cached cap
            // blocks end at the next heartbeat instead of at once
            "+client|tracking");
    // EVAL: the agent re-sends a script's body on NOSCRIPT (one round trip instead of SCRIPT LOAD + EVALSHA).
    // It grants nothing SCRIPT LOAD does not: commands inside any script are checked against this user.
    private static final List<String> CALLS = List.of("+evalsha", "+eval", "+script|load", "+script|exists");
    private static final List<String> SCRIPT_BODIES =
            List.of("+time", "+get", "+mget", "+exists", "+set", "+incr", "+incrby", "+decr", "+pttl",
                    // heartbeat.lua
                    "+type", "+zadd", "+zremrangebyscore", "+zcard", "+pexpire",
                    // heartbeat.lua with caps: the reservations and what acquire holds back
                    "+zscore", "+zrem", "+hgetall", "+hset", "+hdel",
                    // the audit stream every admission, release and credit is appended to
                    "+xadd",
                    // control.lua audit: the CLI reads the stream through the script
                    "+xrange");
    private static final List<String> CLUSTER_CLIENT = List.of("+cluster|nodes", "+cluster|myid", "+info", "+readonly");

    private RedisAcl() {}

    /**
     * The {@code ACL SETUSER} rules (after the user name) for the agent's user on a server of the given
     * major version: commands as above, keys {@code <namespace>} and {@code <namespace>:*}, no channels.
     */
    public static List<String> agentUserRules(String password, String namespace, int serverMajor) {
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException("the agent user needs a non-empty password");
        }
        if (namespace == null || namespace.isEmpty()) {
            throw new IllegalArgumentException("namespace must not be empty (default: sniper_signals)");
        }
        List<String> rules = new ArrayList<>(List.of("reset", "on", ">" + password, "-@all"));
        rules.addAll(CONNECT);
        rules.addAll(CALLS);
        if (serverMajor >= 7) {
            rules.add("+evalsha_ro");
        }
        rules.addAll(SCRIPT_BODIES);
        rules.addAll(CLUSTER_CLIENT);
        String pattern = escapeGlob(namespace);
        rules.add("~" + pattern);
        rules.add("~" + pattern + ":*");
        return rules;
    }

    /** Creates (or resets) the agent's user on one server. */
    public static void createAgentUser(RedisServer server, String user, String password, String namespace) {
        List<String> command = new ArrayList<>(List.of("ACL", "SETUSER", user));
        command.addAll(agentUserRules(password, namespace, server.binary().major()));
        try (RespConnection c = server.connect()) {
            c.call(command);
        }
    }

    /** Key patterns are globs: a namespace must match itself literally, brackets and stars included. */
    static String escapeGlob(String literal) {
        StringBuilder escaped = new StringBuilder(literal.length() + 4);
        for (char ch : literal.toCharArray()) {
            if (ch == '*' || ch == '?' || ch == '[' || ch == ']' || ch == '\\') {
                escaped.append('\\');
            }
            escaped.append(ch);
        }
        return escaped.toString();
    }
}
