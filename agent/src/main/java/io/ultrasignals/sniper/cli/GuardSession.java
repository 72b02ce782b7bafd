package io.ultrasignals.sniper.cli;

import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.guard.GuardListener;
import io.ultrasignals.sniper.guard.SniperRuntime;
import io.ultrasignals.sniper.redis.RedisLink;

/** A started runtime for one command; with {@code requireRedis}, exits 3 when Redis is configured but unreachable. */
final class GuardSession implements AutoCloseable {
    final SniperRuntime runtime;

    private GuardSession(SniperRuntime runtime) {
        this.runtime = runtime;
    }

    static GuardSession open(SniperSettings settings, boolean requireRedis, GuardListener listener) {
        SniperRuntime runtime = SniperRuntime.create(settings, listener).start();
        if (requireRedis && runtime.link().isPresent() && !runtime.link().get().isConnected()) {
            RedisLink link = runtime.link().get();
            String why = link.lastConnectError();
            runtime.close();
            throw new SniperCli.UnreachableException("cannot reach " + link.description()
                    + (why == null ? "" : ": " + why));
        }
        return new GuardSession(runtime);
    }

    boolean usesRedis() {
        return runtime.link().isPresent();
    }

    @Override
    public void close() {
        runtime.close();
    }
}
