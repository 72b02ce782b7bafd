package io.ultrasignals.sniper.testkit;

import java.util.List;

/** The servers a test may use; see {@link RedisExtension}. */
public final class RedisFleet {
    private final RedisExtension.SharedServers shared;
    private final RedisExtension.PrivateServers own;

    RedisFleet(RedisExtension.SharedServers shared, RedisExtension.PrivateServers own) {
        this.shared = shared;
        this.own = own;
    }

    /** Every binary under test, newest first. */
    public List<RedisBinary> binaries() {
        return RedisBinaries.all();
    }

    /** The run-wide server of this binary. Not flushed: tests use their own namespaces or flush. */
    public RedisServer shared(RedisBinary binary) {
        return shared.get(binary);
    }

    /** A server this test class owns and may kill, pause or restart; stopped after the class. */
    public RedisServer startPrivate(RedisBinary binary, String... extraArgs) {
        return own.add(RedisServer.start(binary, extraArgs));
    }

    /** Registers any other closeable (a topology, a client) to be closed after the test class. */
    public <T extends AutoCloseable> T closeAfterClass(T resource) {
        return own.add(resource);
    }
}
