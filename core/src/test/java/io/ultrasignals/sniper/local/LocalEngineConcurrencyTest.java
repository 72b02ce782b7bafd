package io.ultrasignals.sniper.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.AcquireReply;
import io.ultrasignals.sniper.script.StatusReply;
import io.ultrasignals.sniper.script.WindowMode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Many threads on one engine: the cap holds exactly, as one Redis running scripts one at a time. */
@Tag("unit")
class LocalEngineConcurrencyTest {
    static final int THREADS = 8;
    static final int CALLS_PER_THREAD = 2_000;
    static final long HOUR = LocalEngine.HOUR_MS;
    static final long NOW = 19_700L * LocalEngine.DAY_MS + 10 * HOUR + 1_800_000L;

    final LocalEngine engine = new LocalEngine(() -> NOW);
    final ExecutorService pool = Executors.newFixedThreadPool(THREADS);

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    /** Runs {@code call(i)} for i in 0..THREADS*CALLS_PER_THREAD, spread over threads started at once; reply i at index i. */
    List<AcquireReply> race(IntFunction<AcquireReply> call) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<AcquireReply>>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            Callable<List<AcquireReply>> worker = () -> {
                start.await();
                List<AcquireReply> replies = new ArrayList<>(CALLS_PER_THREAD);
                for (int i = 0; i < CALLS_PER_THREAD; i++) {
                    replies.add(call.apply(thread * CALLS_PER_THREAD + i));
                }
                return replies;
            };
            futures.add(pool.submit(worker));
        }
        start.countDown();
        List<AcquireReply> all = new ArrayList<>();
        for (Future<List<AcquireReply>> f : futures) {
            all.addAll(f.get());
        }
        return all;
    }

    static long admitted(List<AcquireReply> replies) {
        return replies.stream().filter(r -> r.allowed() && !r.replayed()).count();
    }

    @Test
    void exactlyTheHourlyCapIsAdmitted() throws Exception {
        AcquireArgs args = new AcquireArgs(1_000, 0, false, false, null, null, WindowMode.FIXED);
        List<AcquireReply> replies = race(i -> engine.acquire(args));

        assertThat(admitted(replies)).isEqualTo(1_000);
        assertThat(replies).filteredOn(AcquireReply::allowed)
                .extracting(AcquireReply::hourCount).doesNotHaveDuplicates();
        assertThat(engine.status(null)).extracting(StatusReply::hourCount, StatusReply::dayCount).containsExactly(1_000L, 1_000L);
    }

    @Test
    void exactlyTheDailyCapIsAdmittedWithSignalIdsInTheSlidingWindow() throws Exception {
        // Yesterday's 800 weigh 800 * 13.5/24 = 450 now, leaving 300 of a daily cap of 750.
        engine.seed(0, 0, NOW / LocalEngine.DAY_MS - 1, 800);
        List<AcquireReply> replies = race(i -> engine.acquire(
                new AcquireArgs(0, 750, false, false, "sig-" + i, null, WindowMode.SLIDING)));

        assertThat(admitted(replies)).isEqualTo(300);
        assertThat(replies).filteredOn(r -> !r.allowed()).allMatch(r -> r.reason().equals("SNIPER_DAILY_CAP"));
        assertThat(engine.status(null).dayCount()).isEqualTo(300);
    }

    @Test
    void aSignalIdRacedByEveryThreadIsCountedOnce() throws Exception {
        List<AcquireReply> replies = race(i -> engine.acquire(
                new AcquireArgs(0, 0, false, false, "shared-" + (i % CALLS_PER_THREAD), null, WindowMode.FIXED)));

        assertThat(admitted(replies)).isEqualTo(CALLS_PER_THREAD);
        assertThat(replies).filteredOn(AcquireReply::replayed).hasSize((THREADS - 1) * CALLS_PER_THREAD);
        assertThat(engine.status(null).hourCount()).isEqualTo(CALLS_PER_THREAD);
    }

    @Test
    void releasesRacingAcquiresKeepTheBooksExact() throws Exception {
        // Every even-numbered admission is released at once by the thread that got it.
        long cap = 500;
        List<AcquireReply> replies = race(i -> {
            String id = "sig-" + i;
            AcquireReply reply = engine.acquire(new AcquireArgs(cap, 0, false, false, id, null, WindowMode.FIXED));
            if (reply.allowed() && i % 2 == 0) {
                engine.release(id);
            }
            return reply;
        });

        long admitted = admitted(replies);
        long released = IntStream.range(0, replies.size()).filter(i -> i % 2 == 0 && replies.get(i).allowed()).count();
        assertThat(admitted).isGreaterThan(cap);
        assertThat(engine.drainAdmissions()).containsExactly(
                new LocalAdmissions(NOW / HOUR, NOW / LocalEngine.DAY_MS, admitted, released));
        assertThat(engine.status(null).hourCount()).isEqualTo(admitted - released).isLessThanOrEqualTo(cap);
    }
}
