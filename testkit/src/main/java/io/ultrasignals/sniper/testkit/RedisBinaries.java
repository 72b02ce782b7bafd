package io.ultrasignals.sniper.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the redis-server binaries the tests run against.
 *
 * <p>Order: {@code SNIPER_REDIS_SERVER} (a path; then only that binary is used); otherwise the
 * static servers that Maven Central ships inside {@code org.signal:embedded-redis} (7.0.15) and
 * {@code com.github.codemonstur:embedded-redis} (named 6.2.6; the binary reports 6.2.11), extracted once into
 * the temp directory.
 * So a fresh machine needs nothing but a JDK.
 */
public final class RedisBinaries {
    /** Resource names inside the embedded-redis jars, per OS/arch; the version is part of the name. */
    private static final List<String> BUNDLED_LINUX_AMD64 =
            List.of("redis-server-7.0.15-linux-amd64", "redis-server-6.2.6-v5-linux-amd64");
    private static final List<String> BUNDLED_LINUX_ARM64 =
            List.of("redis-server-7.0.15-linux-arm64", "redis-server-6.2.7-linux-arm64");
    private static final List<String> BUNDLED_DARWIN_AMD64 =
            List.of("redis-server-7.0.15-darwin-amd64", "redis-server-6.2.6-v5-darwin-amd64");
    private static final List<String> BUNDLED_DARWIN_ARM64 =
            List.of("redis-server-7.0.15-darwin-arm64", "redis-server-6.2.6-v5-darwin-arm64");

    private static final Pattern VERSION = Pattern.compile("v=(\\d+\\.\\d+\\.\\d+)");
    private static volatile List<RedisBinary> all;

    private RedisBinaries() {}

    /** Every binary to test against: newest first. */
    public static List<RedisBinary> all() {
        List<RedisBinary> result = all;
        if (result == null) {
            synchronized (RedisBinaries.class) {
                if (all == null) {
                    all = List.copyOf(discover());
                }
                result = all;
            }
        }
        return result;
    }

    /** The binary for tests that need just one server: the newest. */
    public static RedisBinary newest() {
        return all().get(0);
    }

    private static List<RedisBinary> discover() {
        String override = System.getenv("SNIPER_REDIS_SERVER");
        if (override != null && !override.isBlank()) {
            Path path = Path.of(override);
            if (!Files.isExecutable(path)) {
                throw new IllegalStateException("SNIPER_REDIS_SERVER=" + override + " is not an executable redis-server");
            }
            return List.of(new RedisBinary(versionOf(path), path));
        }
        List<RedisBinary> found = new ArrayList<>();
        for (String resource : bundledForThisPlatform()) {
            Path path = extract(resource);
            found.add(new RedisBinary(versionOf(path), path));
        }
        return found;
    }

    private static List<String> bundledForThisPlatform() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        boolean arm = arch.contains("aarch64") || arch.contains("arm64");
        if (os.contains("linux")) {
            return arm ? BUNDLED_LINUX_ARM64 : BUNDLED_LINUX_AMD64;
        }
        if (os.contains("mac")) {
            return arm ? BUNDLED_DARWIN_ARM64 : BUNDLED_DARWIN_AMD64;
        }
        throw new IllegalStateException("no bundled redis-server for " + os + "/" + arch
                + "; set SNIPER_REDIS_SERVER to the path of a redis-server binary");
    }

    private static Path extract(String resource) {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "sniper-redis-" + System.getProperty("user.name"));
        Path target = dir.resolve(resource);
        if (Files.isExecutable(target)) {
            return target;
        }
        try (InputStream in = RedisBinaries.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " not on the classpath (embedded-redis jars missing?)");
            }
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, resource, ".part");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            // Atomic so that parallel test JVMs never run a half-written binary.
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + resource, e);
        }
    }

    static String versionOf(Path binary) {
        try {
            Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            Matcher m = VERSION.matcher(out);
            if (!m.find()) {
                throw new IllegalStateException(binary + " --version printed no version: " + out.strip());
            }
            return m.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
