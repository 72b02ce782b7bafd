package io.ultrasignals.sniper.script;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One versioned Lua script: its name, ABI version, exact bytes and SHA-1 (what {@code SCRIPT LOAD}
 * returns and {@code EVALSHA} takes).
 */
public final class SniperScript {
    private final String name;
    private final int abi;
    private final byte[] body;
    private final String sha1;

    SniperScript(String name, int abi, byte[] body, String sha1) {
        this.name = Objects.requireNonNull(name);
        this.abi = abi;
        this.body = body.clone();
        this.sha1 = Objects.requireNonNull(sha1);
    }

    /** {@code acquire}, {@code status}, {@code release} or {@code credit}. */
    public String name() {
        return name;
    }

    /** ABI version: the {@code vN} directory the script lives in. */
    public int abi() {
        return abi;
    }

    /** Lower-case hex SHA-1 of {@link #body()}. */
    public String sha1() {
        return sha1;
    }

    /** The exact file bytes. */
    public byte[] body() {
        return body.clone();
    }

    public String source() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return name + " v" + abi + " " + sha1;
    }
}
