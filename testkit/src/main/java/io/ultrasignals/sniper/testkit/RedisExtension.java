package io.ultrasignals.sniper.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that hands tests real Redis servers.
 *
 * <p>A test parameter of type {@link RedisServer} gets the shared server of the newest binary,
 * flushed before the test. A parameter of type {@link RedisFleet} gets the fleet: shared servers of
 * every binary ({@link RedisFleet#shared}) and private ones a test may kill or pause
 * ({@link RedisFleet#startPrivate}, stopped after the test class). Shared servers live for the
 * whole test run and are stopped at its end.
 */
public final class RedisExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(RedisExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == RedisServer.class || type == RedisFleet.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        RedisFleet fleet = fleet(context);
        if (parameter.getParameter().getType() == RedisFleet.class) {
            return fleet;
        }
        RedisServer server = fleet.shared(RedisBinaries.newest());
        server.flushAll();
        return server;
    }

    private static RedisFleet fleet(ExtensionContext context) {
        SharedServers shared = context.getRoot().getStore(NS)
                .getOrComputeIfAbsent(SharedServers.class, k -> new SharedServers(), SharedServers.class);
        ExtensionContext classContext = context;
        while (classContext.getParent().isPresent() && classContext.getParent().get() != context.getRoot()) {
            classContext = classContext.getParent().get();
        }
        PrivateServers own = classContext.getStore(NS)
                .getOrComputeIfAbsent(PrivateServers.class, k -> new PrivateServers(), PrivateServers.class);
        return new RedisFleet(shared, own);
    }

    /** Servers shared by the whole run, one per binary. */
    static final class SharedServers implements ExtensionContext.Store.CloseableResource {
        private final Map<RedisBinary, RedisServer> servers = new ConcurrentHashMap<>();

        RedisServer get(RedisBinary binary) {
            return servers.computeIfAbsent(binary, b -> RedisServer.start(b));
        }

        @Override
        public void close() {
            servers.values().forEach(RedisServer::close);
        }
    }

    /** Servers owned by one test class, stopped after it. */
    static final class PrivateServers implements ExtensionContext.Store.CloseableResource {
        private final List<AutoCloseable> owned = new ArrayList<>();

        synchronized <T extends AutoCloseable> T add(T server) {
            owned.add(server);
            return server;
        }

        @Override
        public synchronized void close() throws Exception {
            for (AutoCloseable c : owned) {
                c.close();
            }
            owned.clear();
        }
    }
}
