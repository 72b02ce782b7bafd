package io.ultrasignals.sniper.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ultrasignals.sniper.script.ScriptCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * lua/test-vectors.json, read from the agent jar's copy (the build copies lua/ verbatim), and the
 * rules for comparing a reply with an expected one. Any engine runs them through {@link #run}.
 */
public final class TestVectors {
    private TestVectors() {}

    /** One case: a name, whether it needs raw Redis commands, and its steps. */
    public record Case(String name, boolean redisOnly, List<JsonNode> steps) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** What the vectors run against. */
    public interface Target {
        /** Runs a script; returns its reply as Long/String/List/null, or throws with the error message. */
        Object call(String script, List<String> keys, List<String> argv);

        /** Runs a raw Redis command (only asked of targets that run redis_only cases). */
        Object redis(List<String> command);
    }

    public static List<Case> all() {
        try (InputStream in = TestVectors.class.getClassLoader()
                .getResourceAsStream(ScriptCatalog.RESOURCE_ROOT + "test-vectors.json")) {
            JsonNode root = new ObjectMapper().readTree(in);
            List<Case> cases = new ArrayList<>();
            for (JsonNode c : root.path("cases")) {
                List<JsonNode> steps = new ArrayList<>();
                c.path("steps").forEach(steps::add);
                cases.add(new Case(c.path("name").asText(), c.path("redis_only").asBoolean(false), steps));
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs every step of one case; the first mismatch fails with the case, step and both values. */
    public static void run(Case testCase, Target target) {
        int index = 0;
        for (JsonNode step : testCase.steps()) {
            index++;
            String where = "case \"" + testCase.name() + "\", step " + index + " " + step;
            if (step.has("wait_ms")) {
                // Real time: Redis TTLs and the local engine's expiry run on the clock, not on now_ms.
                sleep(step.get("wait_ms").asLong());
                continue;
            }
            Object actual;
            String error = null;
            try {
                if (step.has("call")) {
                    actual = target.call(step.get("call").asText(), strings(step.get("keys")), strings(step.get("argv")));
                } else {
                    actual = target.redis(strings(step.get("redis")));
                }
            } catch (RuntimeException e) {
                actual = null;
                error = e.getMessage();
            }
            if (step.has("error")) {
                String expected = step.get("error").asText();
                if (error == null || !error.startsWith(expected)) {
                    throw new AssertionError(where + ": expected an error starting with \"" + expected + "\" but got "
                            + (error == null ? "reply " + actual : "error \"" + error + "\""));
                }
            } else {
                if (error != null) {
                    throw new AssertionError(where + ": unexpected error \"" + error + "\"");
                }
                if (step.has("reply") && !matches(step.get("reply"), actual)) {
                    throw new AssertionError(where + ": expected " + step.get("reply") + " but got " + actual);
                }
            }
        }
    }

    /** Exact match, with the placeholders $now, $ttl:N, $retry:N, $run_id and $any described in the file. */
    static boolean matches(JsonNode expected, Object actual) {
        if (expected.isArray()) {
            if (!(actual instanceof List<?> list) || list.size() != expected.size()) {
                return false;
            }
            for (int i = 0; i < list.size(); i++) {
                if (!matches(expected.get(i), list.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (expected.isIntegralNumber()) {
            return actual instanceof Long l && l == expected.asLong();
        }
        String text = expected.asText();
        if (text.equals("$run_id")) {
            return actual instanceof String id && id.matches("[0-9a-f]{40}");
        }
        if (text.equals("$any")) {
            return true;
        }
        if (text.startsWith("$")) {
            if (!(actual instanceof Long value)) {
                return false;
            }
            if (text.equals("$now")) {
                return Math.abs(value - System.currentTimeMillis()) < 60_000;
            }
            long bound = Long.parseLong(text.substring(text.indexOf(':') + 1));
            if (text.startsWith("$ttl:")) {
                return value > bound - 60_000 && value <= bound;
            }
            if (text.startsWith("$retry:")) {
                return value > 0 && value <= bound;
            }
            throw new IllegalArgumentException("unknown placeholder " + text);
        }
        return text.equals(actual);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted during a wait_ms step", e);
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array != null) {
            array.forEach(n -> out.add(n.asText()));
        }
        return out;
    }
}
