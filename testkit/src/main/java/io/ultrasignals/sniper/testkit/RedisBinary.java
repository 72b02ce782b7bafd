package io.ultrasignals.sniper.testkit;

import java.nio.file.Path;

/** A redis-server executable and the version it reports, e.g. {@code 7.0.15}. */
public record RedisBinary(String version, Path path) {
    public int major() {
        return Integer.parseInt(version.substring(0, version.indexOf('.')));
    }

    @Override
    public String toString() {
        return "redis-" + version;
    }
}
