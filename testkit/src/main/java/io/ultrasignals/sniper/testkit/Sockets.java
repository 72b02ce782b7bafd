package io.ultrasignals.sniper.testkit;

import java.io.Closeable;
import java.io.IOException;

/** What the test proxies share. */
final class Sockets {
    private Sockets() {}

    /** Closes a socket (or server socket) that may already be closed or was never opened (null). */
    static void closeQuietly(Closeable socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
