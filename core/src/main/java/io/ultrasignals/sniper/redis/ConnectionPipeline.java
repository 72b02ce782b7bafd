package io.ultrasignals.sniper.redis;

import io.lettuce.core.resource.NettyCustomizer;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.flush.FlushConsolidationHandler;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What Sniper adds to the shared connection's Netty pipeline (one per link):
 * <ul>
 *   <li><b>Several commands per socket write</b> (on by default, see {@link #FLUSH_BATCHING_SWITCH}). Lettuce flushes every command; with many threads
 *       deciding at once that is one write system call per decision on the client and one read per
 *       decision on Redis. Netty's {@link FlushConsolidationHandler} defers each flush to the event
 *       loop's next task, so the commands queued by then leave in one write; a lone command is flushed
 *       in that next task, without waiting for company.</li>
 *   <li><b>Unpooled buffers</b>, allocated per command: no arenas reserving MBs of direct memory, no
 *       thread-local caches. They cost (a direct buffer and its Cleaner per command: about 9% of the client's
 *       Java samples at 64 threads), but a small pool measured no faster within the noise (issue 11).</li>
 *   <li><b>Whether the event loop runs.</b> {@link #eventLoopRan()} tells a silent Redis from a client
 *       whose I/O thread did not get a core (a loaded machine, a GC): only in the first case is there
 *       no reply <em>to read</em>.</li>
 * </ul>
 */
final class ConnectionPipeline implements NettyCustomizer {
    /**
     * On unless {@code -Dsniper.flush_batching=false}: on this project's 2-core machine it raised decisions/s
     * by a median 26% from 256 threads and 13% from 64, and a lone caller's p50 moved a median +3%, inside the
     * ±10% between rounds (issue 11, benchmarks/README). The switch is there to rule it out when chasing a latency.
     */
    static final String FLUSH_BATCHING_SWITCH = "sniper.flush_batching";
    /** Flushes passed on at once after this many deferred ones (Netty's default), so a long burst still streams. */
    private static final int MAX_DEFERRED_FLUSHES = FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES;

    private final boolean batchFlushes;
    private volatile EventLoop eventLoop;
    private final AtomicBoolean probeRan = new AtomicBoolean(true);

    /** Batches under TLS too (TopologyGuardTest: 8 threads over TLS, every decision on Redis, exact). */
    ConnectionPipeline() {
        this.batchFlushes = !"false".equalsIgnoreCase(System.getProperty(FLUSH_BATCHING_SWITCH));
    }

    @Override
    public void afterBootstrapInitialized(Bootstrap bootstrap) {
        bootstrap.option(ChannelOption.ALLOCATOR, UnpooledByteBufAllocator.DEFAULT);
    }

    @Override
    public void afterChannelInitialized(Channel channel) {
        eventLoop = channel.eventLoop();
        if (batchFlushes) {
            channel.pipeline().addFirst("sniper-flush-batching", new FlushConsolidationHandler(MAX_DEFERRED_FLUSHES, true));
        }
    }

    /**
     * Runs {@code task} on the connection's event loop once it has next polled the socket and read what was
     * there: a scheduled task is taken in the loop's following iteration, after its I/O. At once without a
     * connection (or once the loop is shut down).
     */
    void afterNextRead(Runnable task) {
        EventLoop loop = eventLoop;
        if (loop == null) {
            task.run();
            return;
        }
        try {
            loop.schedule(task, 0, TimeUnit.NANOSECONDS);
        } catch (RuntimeException shutDown) {
            task.run();
        }
    }

    /**
     * True if the connection's event loop has run a task since the previous call (or there is no
     * connection yet): it had the chance to read what Redis sent. Sends the next probe. One caller.
     */
    boolean eventLoopRan() {
        EventLoop loop = eventLoop;
        if (loop == null || !probeRan.compareAndSet(true, false)) {
            return loop == null;
        }
        try {
            loop.execute(() -> probeRan.set(true));
        } catch (RuntimeException shutDown) {
            probeRan.set(true);
        }
        return true;
    }
}
