package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.Release;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.config.SettingsLoader;
import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.redis.ClockOffset;
import io.ultrasignals.sniper.redis.RedisLink;
import io.ultrasignals.sniper.script.Buckets;
import io.ultrasignals.sniper.script.ScriptCatalog;
import io.ultrasignals.sniper.testkit.RedisBinaries;
import io.ultrasignals.sniper.testkit.RedisServer;
import io.ultrasignals.sniper.testkit.RepoRoot;
import io.ultrasignals.sniper.testkit.RespConnection;
import io.ultrasignals.sniper.testkit.WithinOneHour;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/**
 * spec/guard-scenarios.yaml, the guard's rules while Redis is away and on its return, run by the Java guard (the
 * Python suite runs the same file: tests/test_guard_scenarios.py). A real redis-server (AOF, so a killed one comes
 * back with its data), the guard's heartbeat driven by hand ({@link DefaultSniperGuard#beatNow}), its clock moved by
 * hand; see the file's header for the steps.
 */
class GuardScenariosTest {
    private static final ScriptCatalog SCRIPTS = ScriptCatalog.load();

    @SuppressWarnings("unchecked")
    private static Map<String, Object> spec() {
        try {
            return new Yaml().load(Files.readString(RepoRoot.resolve("spec/guard-scenarios.yaml")));
        } catch (IOException e) {
            throw new IllegalStateException("spec/guard-scenarios.yaml: " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    static Stream<Arguments> scenarios() {
        return ((List<Map<String, Object>>) spec().get("scenarios")).stream()
                .filter(s -> !s.containsKey("clients") || ((List<?>) s.get("clients")).contains("java"))
                .map(s -> Arguments.of(s.get("name"), s));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    @SuppressWarnings("unchecked")
    @WithinOneHour(seconds = 90) // every count of a scenario in one hour bucket
    void theScenarioHolds(String name, Map<String, Object> scenario) throws Exception {
        try (Run run = new Run(scenario)) {
            List<Map<String, Object>> steps = (List<Map<String, Object>>) scenario.get("steps");
            for (int i = 0; i < steps.size(); i++) {
                run.step(steps.get(i), name + ", step " + (i + 1) + " " + steps.get(i));
            }
        }
    }

    /** One scenario: its server, its guard, the hand-moved skew, and the admissions the guard reported. */
    private static final class Run implements AutoCloseable {
        private final RedisServer server = RedisServer.start(RedisBinaries.newest(), "--appendonly", "yes",
                "--appendfsync", "always");
        private final String ns = "scn-" + System.nanoTime();
        private final AtomicLong skew = new AtomicLong();
        private final DefaultSniperGuard guard;
        private final long hourlyCap;
        private final long dailyCap;
        private String state = "up";
        private long tally;

        @SuppressWarnings("unchecked")
        Run(Map<String, Object> scenario) {
            if ("down".equals(scenario.getOrDefault("start", "up"))) {
                redis("down");
            }
            Map<String, Object> settingsTree = merged((Map<String, Object>) spec().get("base"),
                    (Map<String, Object>) scenario.get("settings"));
            SniperSettings settings = new SettingsLoader(Map.of("ULTRA_SIGNALS_REDIS__ENABLED", "true",
                    "ULTRA_SIGNALS_REDIS__HOST", server.host(), "ULTRA_SIGNALS_REDIS__PORT", Integer.toString(server.port()),
                    "ULTRA_SIGNALS_REDIS__NAMESPACE", ns)).loadYaml(new Yaml().dump(settingsTree), "scenario.yaml");
            hourlyCap = settings.sniperMode().maxSignalsPerHour();
            dailyCap = settings.sniperMode().dailySignalCap();
            SniperRuntime runtime = SniperRuntime.onClock(settings, GuardListener.NONE,
                    new ClockOffset(() -> System.currentTimeMillis() + skew.get()));
            guard = runtime.guard(); // the heartbeat is driven by hand, never started; closing it closes the link
            RedisLink link = runtime.link().orElseThrow();
            link.start();
            if (state.equals("up")) {
                assertThat(link.awaitConnected(Duration.ofSeconds(5))).as("connected").isTrue();
            }
        }

        @SuppressWarnings("unchecked")
        private static Map<String, Object> merged(Map<String, Object> base, Map<String, Object> over) {
            Map<String, Object> out = new LinkedHashMap<>(base);
            if (over != null) {
                over.forEach((k, v) -> out.put(k, v instanceof Map && base.get(k) instanceof Map
                        ? merged((Map<String, Object>) base.get(k), (Map<String, Object>) v) : v));
            }
            return out;
        }

        @SuppressWarnings("unchecked")
        void step(Map<String, Object> step, String where) throws InterruptedException {
            assertThat(step).as(where + ": one step").hasSize(1);
            Map.Entry<String, Object> only = step.entrySet().iterator().next();
            Object arg = only.getValue();
            switch (only.getKey()) {
                case "redis" -> redis((String) arg);
                case "advance" -> skew.addAndGet(millis(arg));
                case "beat" -> guard.beatNow();
                case "return" -> returned(where);
                case "peer" -> {
                    String peer = arg instanceof Map<?, ?> m ? m.get("id").toString() : arg.toString();
                    String peerState = arg instanceof Map<?, ?> m ? m.get("state").toString() : "redis";
                    script("heartbeat", peer, "60000", "", Long.toString(hourlyCap), Long.toString(dailyCap), peerState, "", "1");
                }
                case "control" -> {
                    List<String> argv = new ArrayList<>();
                    List<Object> given = (List<Object>) arg;
                    argv.add(given.get(0).toString());
                    argv.add("scenario");
                    given.subList(1, given.size()).forEach(a -> argv.add(a.toString()));
                    if (given.get(0).equals("halt")) {
                        argv.add("0");
                    }
                    script("control", argv.toArray(String[]::new));
                }
                case "write" -> {
                    Map<String, Object> w = (Map<String, Object>) arg;
                    try (RespConnection c = server.connect()) {
                        long now = redisTime(c);
                        long bucket = w.get("key").equals("hour") ? Buckets.hour(now) : Buckets.day(now);
                        c.call("SET", ns + ":" + w.get("key") + ":" + bucket, w.get("value").toString());
                    }
                }
                case "acquire" -> acquire((Map<String, Object>) arg, where);
                case "release" -> release((Map<String, Object>) arg, where);
                case "guard" -> view((Map<String, Object>) arg, where);
                case "books" -> books((Map<String, Object>) arg, where);
                default -> throw new AssertionError(where + ": unknown step " + only.getKey());
            }
        }

        private static long millis(Object value) {
            String text = value.toString();
            return text.endsWith("s") ? (long) (Double.parseDouble(text.substring(0, text.length() - 1)) * 1000) : Long.parseLong(text);
        }

        void redis(String to) {
            switch (to) {
                case "down" -> server.kill();
                case "lost" -> {
                    server.kill();
                    deleteContents(server.dir());
                    to = "down";
                }
                case "paused" -> server.pause();
                case "up" -> {
                    if (state.equals("paused")) {
                        server.resume();
                    } else if (state.equals("down")) {
                        server.restart();
                    }
                }
                default -> throw new AssertionError("redis: " + to + "? (up, down, paused or lost)");
            }
            state = to;
        }

        private static void deleteContents(java.nio.file.Path dir) {
            try (Stream<java.nio.file.Path> all = Files.walk(dir)) {
                all.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new IllegalStateException("cannot empty " + dir + ": " + e.getMessage(), e);
            }
        }

        /** Heartbeat rounds until the books are complete and the breaker lets decisions go to Redis. */
        void returned(String where) throws InterruptedException {
            long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < until) {
                guard.beatNow();
                if (guard.booksComplete() && guard.reconciled() && guard.breakerState().equals("CLOSED")) {
                    return;
                }
                Thread.sleep(50);
            }
            throw new AssertionError(where + ": the guard did not return to Redis within 20 s");
        }

        private Object script(String name, String... argv) {
            List<String> cmd = new ArrayList<>(List.of("EVALSHA", SCRIPTS.get(name, 1).sha1(), "1", ns));
            cmd.addAll(List.of(argv));
            try (RespConnection c = server.connect()) {
                try {
                    return c.call(cmd);
                } catch (RuntimeException noScript) {
                    c.call("SCRIPT", "LOAD", SCRIPTS.get(name, 1).source());
                    return c.call(cmd);
                }
            }
        }

        @SuppressWarnings("unchecked")
        void acquire(Map<String, Object> step, String where) {
            assertThat(List.of("id", "mtf", "scopes", "expect")).as(where + ": acquire takes").containsAll(step.keySet());
            boolean mtf = Boolean.TRUE.equals(step.get("mtf"));
            Signal signal = step.get("id") == null ? Signal.of(mtf) : Signal.withId(step.get("id").toString(), mtf);
            Map<String, Object> scopes = (Map<String, Object>) step.getOrDefault("scopes", Map.of());
            for (Map.Entry<String, Object> scope : scopes.entrySet()) {
                signal = signal.scope(scope.getKey(), scope.getValue().toString());
            }
            Decision d = guard.acquire(signal);
            Map<String, Object> got = new HashMap<>();
            got.put("admitted", d.allowed());
            got.put("reason", d.reason().name());
            got.put("backend", d.backend().label());
            got.put("layer", d.layer());
            got.put("hour_count", d.hourCount());
            got.put("replayed", d.replayed());
            got.put("detail", d.detail());
            ((Map<String, Object>) step.get("expect")).forEach((key, want) -> {
                if (key.equals("detail_starts")) {
                    assertThat(d.detail()).as(where + ": detail (" + d + ")").startsWith(want.toString());
                } else {
                    assertThat(got).as(where + ": " + key + " (" + d + ")").containsKey(key);
                    assertThat(written(got.get(key))).as(where + ": " + key + " (" + d + ")").isEqualTo(written(want));
                }
            });
            if (d.allowed() && d.reason() == Reason.OK && !d.replayed() && (d.backend() == Backend.REDIS || d.backend() == Backend.LOCAL)) {
                tally++;
            }
        }

        /** Numbers as longs, the rest as written: YAML's 3 and the decision's 3L compare equal. */
        private static Object written(Object value) {
            return value instanceof Number n ? (Object) n.longValue() : value;
        }

        @SuppressWarnings("unchecked")
        void release(Map<String, Object> step, String where) {
            Release r = guard.release(step.get("id").toString());
            Map<String, Object> got = Map.of("released", r.released(), "queued", r.queued(), "backend", r.backend().label());
            ((Map<String, Object>) step.getOrDefault("expect", Map.of())).forEach((key, want) ->
                    assertThat(got.get(key)).as(where + ": " + key + " (" + r + ")").isEqualTo(want));
            if (r.released() || r.queued()) {
                tally--;
            }
        }

        void view(Map<String, Object> expected, String where) {
            Map<String, Object> got = Map.of("hour_budget", guard.hourBudget(), "held_hour", guard.heldHour(),
                    "reconciled", guard.reconciled(),
                    "pending_credits", guard.pendingCredits(), "live_guards", guard.liveGuards());
            expected.forEach((key, want) -> {
                assertThat(got).as(where + ": guard " + key).containsKey(key);
                assertThat(written(got.get(key))).as(where + ": guard " + key).isEqualTo(written(want));
            });
        }

        @SuppressWarnings("unchecked")
        void books(Map<String, Object> expected, String where) {
            assertThat(List.of("hour", "scopes", "credited")).as(where + ": books takes").containsAll(expected.keySet());
            try (RespConnection c = server.connect()) {
                long bucket = Buckets.hour(redisTime(c));
                long hour = count(c, ns + ":hour:" + bucket);
                assertThat(hour).as(where + ": Redis's hour count").isEqualTo(((Number) expected.get("hour")).longValue());
                assertThat(hour).as(where + ": Redis's hour count against the admissions the guard reported").isEqualTo(tally);
                if (expected.containsKey("credited")) {
                    long credited = 0;
                    for (Object entry : (List<Object>) c.call("XRANGE", ns + ":audit", "-", "+")) {
                        List<Object> fields = (List<Object>) ((List<Object>) entry).get(1);
                        Map<String, String> m = new HashMap<>();
                        for (int i = 0; i + 1 < fields.size(); i += 2) {
                            m.put(fields.get(i).toString(), fields.get(i + 1).toString());
                        }
                        credited += "credit".equals(m.get("event")) ? Long.parseLong(m.get("n")) : 0;
                    }
                    assertThat(credited).as(where + ": credited").isEqualTo(((Number) expected.get("credited")).longValue());
                }
                ((Map<String, Object>) expected.getOrDefault("scopes", Map.of())).forEach((scope, want) ->
                        assertThat(count(c, ns + ":scope:" + scope + ":hour:" + bucket)).as(where + ": Redis's count of " + scope)
                                .isEqualTo(((Number) want).longValue()));
            }
        }

        @SuppressWarnings("unchecked")
        private static long redisTime(RespConnection c) {
            List<Object> time = (List<Object>) c.call("TIME");
            return Long.parseLong(time.get(0).toString()) * 1000 + Long.parseLong(time.get(1).toString()) / 1000;
        }

        private static long count(RespConnection c, String key) {
            Object v = c.call("GET", key);
            return v == null ? 0 : Long.parseLong(v.toString());
        }

        @Override
        public void close() {
            try {
                if (state.equals("paused")) {
                    server.resume();
                }
                if (guard != null) {
                    guard.close();
                }
            } finally {
                server.close();
            }
        }
    }
}
