package io.ultrasignals.sniper.script;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The scripts shipped in this jar (a copy of the repository's {@code lua/}), checked against
 * {@code lua/manifest.json}: a script whose bytes do not hash to the manifest's SHA-1 is refused,
 * so a runner never calls a script other teams do not know by that SHA.
 */
public final class ScriptCatalog {
    /** Classpath folder holding {@code manifest.json} and {@code v1/*.lua}. */
    public static final String RESOURCE_ROOT = "io/ultrasignals/sniper/lua/";

    private final Map<String, SniperScript> scripts;

    private ScriptCatalog(Map<String, SniperScript> scripts) {
        this.scripts = scripts;
    }

    /** Loads and verifies every script of the manifest from the classpath. */
    public static ScriptCatalog load() {
        ClassLoader loader = ScriptCatalog.class.getClassLoader();
        Map<String, SniperScript> byKey = new LinkedHashMap<>();
        for (Map<?, ?> entry : manifestEntries(loader)) {
            String name = String.valueOf(entry.get("name"));
            int abi = ((Number) entry.get("abi")).intValue();
            String path = String.valueOf(entry.get("path"));
            String expected = String.valueOf(entry.get("sha1"));
            byte[] body;
            try (InputStream in = open(loader, RESOURCE_ROOT + path)) {
                body = in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read script " + path, e);
            }
            String actual = sha1Hex(body);
            if (!actual.equals(expected)) {
                throw new IllegalStateException("script " + path + " has SHA-1 " + actual
                        + " but lua/manifest.json says " + expected + "; run lua/update-manifest.sh");
            }
            byKey.put(key(name, abi), new SniperScript(name, abi, body, actual));
        }
        if (byKey.isEmpty()) {
            throw new IllegalStateException(RESOURCE_ROOT + "manifest.json lists no scripts");
        }
        return new ScriptCatalog(byKey);
    }

    /**
     * The manifest's {@code scripts} list. JSON is YAML, so the settings' SnakeYAML reads it: a JSON library
     * would add some 400 classes to every runner's start for five lines of text.
     */
    private static List<Map<?, ?>> manifestEntries(ClassLoader loader) {
        Object manifest;
        try (InputStream in = open(loader, RESOURCE_ROOT + "manifest.json")) {
            manifest = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read " + RESOURCE_ROOT + "manifest.json: " + e.getMessage(), e);
        }
        List<Map<?, ?>> entries = new ArrayList<>();
        if (manifest instanceof Map<?, ?> root && root.get("scripts") instanceof List<?> scripts) {
            for (Object entry : scripts) {
                if (entry instanceof Map<?, ?> map) {
                    entries.add(map);
                }
            }
        }
        return entries;
    }

    /** The script of that name and ABI version, e.g. {@code get("acquire", 1)}. */
    public SniperScript get(String name, int abi) {
        SniperScript script = scripts.get(key(name, abi));
        if (script == null) {
            throw new IllegalArgumentException("no script " + name + " with ABI v" + abi + " in this jar; have " + scripts.keySet());
        }
        return script;
    }

    public SniperScript acquire() {
        return get("acquire", 1);
    }

    public SniperScript status() {
        return get("status", 1);
    }

    public SniperScript release() {
        return get("release", 1);
    }

    public SniperScript credit() {
        return get("credit", 1);
    }

    public SniperScript control() {
        return get("control", 1);
    }

    public SniperScript heartbeat() {
        return get("heartbeat", 1);
    }

    /** Every script, in manifest order. */
    public List<SniperScript> all() {
        return new ArrayList<>(scripts.values());
    }

    public static String sha1Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JVM without SHA-1", e);
        }
    }

    private static String key(String name, int abi) {
        return name + "@" + abi;
    }

    private static InputStream open(ClassLoader loader, String resource) {
        InputStream in = loader.getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException("resource " + resource + " missing from the agent jar");
        }
        return in;
    }
}
