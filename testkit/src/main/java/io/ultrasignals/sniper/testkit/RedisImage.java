package io.ultrasignals.sniper.testkit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * A container image holding nothing but a statically linked redis-server: {@code FROM scratch}, the binary the
 * process tests run ({@link RedisBinaries}), built locally (no registry is needed or reachable). Built once per
 * binary and kept, so later runs start at once; about 6 MB.
 */
public final class RedisImage {
    private static final Map<String, String> BUILT = new ConcurrentHashMap<>();

    private RedisImage() {}

    /** The image's name ({@code sniper-redis:<version>}), built if this JVM has not built it yet. */
    public static String of(RedisBinary binary) {
        return BUILT.computeIfAbsent(binary.path().toString(), path -> build(binary));
    }

    private static String build(RedisBinary binary) {
        String name = "sniper-redis:" + binary.version();
        // A dockerfile from the builder is sent as part of the context, so nothing tries to pull "scratch".
        return new ImageFromDockerfile(name, false)
                .withFileFromPath("redis-server", binary.path())
                .withDockerfileFromBuilder(file -> file.from("scratch")
                        .copy("redis-server", "/redis-server")
                        .entryPoint(new String[] {"/redis-server"}) // exec form: scratch has no /bin/sh
                        .build())
                .get();
    }
}
