package io.ultrasignals.sniper.cli;

import io.ultrasignals.sniper.config.SniperSettings;
import io.ultrasignals.sniper.guard.GuardListener;
import io.ultrasignals.sniper.guard.SniperRuntime;
import io.ultrasignals.sniper.redis.RedisLink;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A started runtime for one command. With {@code requireRedis}, a configured Redis that does not answer ends the
 * command with one line (exit 3) as soon as the first connection attempt has failed (a refused connection at once,
 * a silent host within {@code redis.timeout}), before the guard starts and without the guard's "deciding with the
 * fallback" line: a command that needs Redis does not fall back.
 */
final class GuardSession implements AutoCloseable {
    final SniperRuntime runtime;

    private GuardSession(SniperRuntime runtime) {
        this.runtime = runtime;
    }

    static GuardSession open(SniperSettings settings, boolean requireRedis, GuardListener listener) {
        SniperRuntime runtime = SniperRuntime.create(settings, listener);
        if (requireRedis && runtime.link().isPresent()) {
            RedisLink link = runtime.link().get();
            // The link's first failure is logged as a fallback warning; here it becomes the command's one line.
            Logger linkLog = Logger.getLogger(RedisLink.class.getName());
            Level before = linkLog.getLevel();
            linkLog.setLevel(Level.SEVERE);
            boolean connected;
            try {
                connected = link.start().awaitFirstAttempt(settings.redis().connectTimeout());
            } finally {
                linkLog.setLevel(before);
            }
            if (!connected) {
                String why = link.lastConnectError();
                runtime.close();
                throw new SniperCli.UnreachableException("cannot reach " + link.description()
                        + (why == null ? " within redis.timeout (" + settings.redis().connectTimeout().toMillis() + " ms)"
                                : ": " + why));
            }
        }
        return new GuardSession(runtime.start());
    }

    boolean usesRedis() {
        return runtime.link().isPresent();
    }

    @Override
    public void close() {
        runtime.close();
    }
}
