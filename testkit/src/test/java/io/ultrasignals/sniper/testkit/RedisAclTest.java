package io.ultrasignals.sniper.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The agent's ACL user runs the real v1 scripts and the handshake Lettuce sends, and nothing else. */
class RedisAclTest {
    private static final String USER = "sniper";
    private static final String PASSWORD = "acl-secret";

    static Stream<RedisBinary> binaries() {
        return RedisBinaries.all().stream();
    }

    @ParameterizedTest
    @MethodSource("binaries")
    void theAgentUserRunsEveryV1ScriptInItsNamespace(RedisBinary binary) throws IOException {
        for (String namespace : List.of("sniper_signals", "{sniper_signals}")) {
            try (RedisServer server = RedisServer.start(binary); RespConnection agent = connectAsAgent(server, namespace)) {
                String acquire = load(agent, "acquire");
                String status = load(agent, "status");
                String release = load(agent, "release");
                String credit = load(agent, "credit");

                List<?> decision = (List<?>) agent.call("EVALSHA", acquire, "1", namespace,
                        "2", "6", "0", "0", "signal-1", "", "fixed");
                assertThat(decision.subList(0, 2)).as(namespace).isEqualTo(List.of(1L, "OK"));
                long now = (Long) decision.get(5);
                assertThat((List<?>) agent.call("EVALSHA", status, "1", namespace)).hasSize(5);
                String heartbeat = load(agent, "heartbeat");
                assertThat((List<?>) agent.call("EVALSHA", heartbeat, "1", namespace, "guard-1", "5000")).hasSize(5);
                assertThat(((List<?>) agent.call("EVALSHA", release, "1", namespace, "signal-1")).get(0)).isEqualTo(1L);
                assertThat(((List<?>) agent.call("EVALSHA", credit, "1", namespace,
                        Long.toString(now / 3_600_000), Long.toString(now / 86_400_000), "1", "batch-1")).get(0))
                        .isEqualTo(1L);
                assertThat(agent.call("SCRIPT", "EXISTS", acquire, status)).isEqualTo(List.of(1L, 1L));
                if (binary.major() >= 7) {
                    assertThat((List<?>) agent.call("EVALSHA_RO", status, "1", namespace)).hasSize(5);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("binaries")
    void theAgentUserMayConnectTheWayLettuceDoes(RedisBinary binary) {
        try (RedisServer server = RedisServer.start(binary); RespConnection agent = new RespConnection(server.host(), server.port(), 5000)) {
            RedisAcl.createAgentUser(server, USER, PASSWORD, "sniper_signals");
            // Lettuce's RESP3 handshake is HELLO 3 AUTH ... SETNAME; this client speaks RESP2, the grants are the same.
            assertThat(agent.call("HELLO", "2", "AUTH", USER, PASSWORD, "SETNAME", "sniper-agent")).isInstanceOf(List.class);
            assertThat(agent.call("AUTH", USER, PASSWORD)).isEqualTo("OK");
            assertThat(agent.call("CLIENT", "SETNAME", "sniper-agent")).isEqualTo("OK");
            assertThat(agent.call("SELECT", "0")).isEqualTo("OK");
            assertThat(agent.call("PING")).isEqualTo("PONG");
            assertThat(String.valueOf(agent.call("INFO", "server"))).contains("redis_version:");
            // Not a cluster node: the refusal is about cluster mode, not about permissions.
            assertThatThrownBy(() -> agent.call("CLUSTER", "NODES")).hasMessageNotContaining("NOPERM");
            assertThatThrownBy(() -> agent.call("CLUSTER", "MYID")).hasMessageNotContaining("NOPERM");
            assertThatThrownBy(() -> agent.call("READONLY")).hasMessageNotContaining("NOPERM");
        }
    }

    @Test
    void theAgentUserCanTouchNothingElse() throws IOException {
        try (RedisServer server = RedisServer.start(RedisBinaries.newest());
                RespConnection agent = connectAsAgent(server, "sniper_signals")) {
            String acquire = load(agent, "acquire");
            for (String otherNamespace : List.of("shadow", "sniper_signals_other", "{sniper_signals}")) {
                assertThatThrownBy(() -> agent.call("EVALSHA", acquire, "1", otherNamespace, "2", "6"))
                        .as(otherNamespace).hasMessageStartingWith("NOPERM");
            }
            List<List<String>> forbidden = List.of(List.of("FLUSHALL"), List.of("KEYS", "*"),
                    List.of("CONFIG", "GET", "requirepass"), List.of("SCRIPT", "FLUSH"),
                    List.of("DEL", "sniper_signals:hour:1"), List.of("GET", "other"), List.of("FLUSHDB"), List.of("ACL", "LIST"),
                    List.of("CLIENT", "KILL", "TYPE", "normal"), List.of("SHUTDOWN"));
            for (List<String> command : forbidden) {
                assertThatThrownBy(() -> agent.call(command)).as(command.toString()).hasMessageStartingWith("NOPERM");
            }
            String writesOtherKey = String.valueOf(agent.call("SCRIPT", "LOAD", "return redis.call('SET', 'other', 1)"));
            // Commands inside a script are checked against the caller's user (6.2 and 7.0 word the refusal differently).
            assertThatThrownBy(() -> agent.call("EVALSHA", writesOtherKey, "0"))
                    .isInstanceOf(RespConnection.RespError.class);
            assertThat(server.call("EXISTS", "other")).isEqualTo(0L);
        }
    }

    @Test
    void rulesNeedAPasswordAndANamespaceAndMatchTheNamespaceLiterally() {
        assertThatThrownBy(() -> RedisAcl.agentUserRules("", "sniper_signals", 7)).hasMessageContaining("password");
        assertThatThrownBy(() -> RedisAcl.agentUserRules("pw", "", 7)).hasMessageContaining("namespace");
        assertThat(RedisAcl.agentUserRules("pw", "ns*[x]", 7)).contains("~ns\\*\\[x\\]", "~ns\\*\\[x\\]:*");
        assertThat(RedisAcl.agentUserRules("pw", "ns", 7)).contains("+evalsha_ro");
        assertThat(RedisAcl.agentUserRules("pw", "ns", 6)).doesNotContain("+evalsha_ro");
    }

    private static RespConnection connectAsAgent(RedisServer server, String namespace) {
        RedisAcl.createAgentUser(server, USER, PASSWORD, namespace);
        RespConnection agent = new RespConnection(server.host(), server.port(), 5000);
        agent.call("AUTH", USER, PASSWORD);
        return agent;
    }

    /** The scripts' single source, lua/ at the repository root (tests run in the testkit directory). */
    private static String load(RespConnection connection, String script) throws IOException {
        Path file = Path.of("").toAbsolutePath().resolveSibling("lua").resolve("v1").resolve(script + ".lua");
        assertThat(file).as("the v1 scripts, expected in lua/v1 beside testkit/").exists();
        return String.valueOf(connection.call("SCRIPT", "LOAD", Files.readString(file)));
    }
}
