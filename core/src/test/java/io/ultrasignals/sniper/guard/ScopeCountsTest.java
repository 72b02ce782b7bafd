package io.ultrasignals.sniper.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.ultrasignals.sniper.local.LocalEngine;
import io.ultrasignals.sniper.script.Buckets;
import io.ultrasignals.sniper.script.HeartbeatReply;
import io.ultrasignals.sniper.script.ScopeCap;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What a heartbeat names of the scopes a guard decided, for heartbeat.lua to restore what a new server lost of each
 * (the restore itself, once per server and scope and raised to the highest figure, is held by lua/test-vectors.json
 * on real Redis).
 */
@Tag("unit")
class ScopeCountsTest {
    private static final long T0 = 1_700_000_000_000L; // 800 s into its hour bucket
    private static final long DECISION_TIMEOUT = 100;

    private final AtomicLong now = new AtomicLong(T0 + 1_000);
    private final Reconciler ledger = new Reconciler(new LocalEngine(now::get), "guard-1");

    private static List<ScopeCap> scopes(String... names) {
        List<ScopeCap> caps = new ArrayList<>();
        for (String name : names) {
            caps.add(new ScopeCap(name, 30, 0));
        }
        return caps;
    }

    /** A heartbeat reply at {@code at} that read these scopes' counts (hour, day pairs) and restored nothing. */
    private static HeartbeatReply beat(long at, List<String> named, long... counts) {
        List<Object> raw = new ArrayList<>(List.of(3L, 10L, 10L, at, T0, 1L, 1L, 0L, 0L, 0L, 0L, "", "", -1L,
                "0f0f", T0, 0L, 0L, 0L, 0L));
        for (int i = 0; i < named.size(); i++) {
            raw.addAll(List.of(counts[2 * i], counts[2 * i + 1], 0L, 0L, 0L, 0L));
        }
        return HeartbeatReply.fromWire(raw, true, true, named);
    }

    @Test
    void aScopeDecidedButNotYetReadIsNamedAloneThenWithTheCountsItsHeartbeatRead() {
        ScopeCounts counts = new ScopeCounts();
        counts.decided(scopes("strategy=alpha", "account=A1"), T0);
        List<String> named = counts.arguments(T0, ledger, DECISION_TIMEOUT);
        assertThat(named).containsExactly("strategy=alpha", "account=A1");

        counts.observe(beat(T0 + 50, named, 10, 12, 4, 4));
        assertThat(counts.arguments(T0 + 60, ledger, DECISION_TIMEOUT)).containsExactly(
                "strategy=alpha|" + (T0 + 50) + "|472222|10|19675|12", "account=A1|" + (T0 + 50) + "|472222|4|19675|4");
    }

    @Test
    void theReplyParsesEachScopeNamedWithOrWithoutItsCounts() {
        HeartbeatReply reply = beat(T0, List.of("strategy=alpha|" + T0 + "|472222|3|19675|4", "symbol=X"), 5, 6, 0, 0);
        assertThat(reply.scopes()).extracting(HeartbeatReply.ScopeCount::scope).containsExactly("strategy=alpha", "symbol=X");
        assertThat(reply.scopes().get(0).hourCount()).isEqualTo(5);
        assertThat(reply.scopes().get(0).dayCount()).isEqualTo(6);
        assertThat(reply.lineage().server()).isEqualTo("0f0f");
    }

    @Test
    void signalsOfUnknownOutcomeInTheScopeAreLeftToTheirSettle() {
        ScopeCounts counts = new ScopeCounts();
        counts.decided(scopes("strategy=alpha"), T0);
        counts.observe(beat(T0, counts.arguments(T0, ledger, DECISION_TIMEOUT), 10, 10));
        ledger.recordAmbiguous("maybe-counted", T0 - 10, true, scopes("strategy=alpha"));
        ledger.recordAmbiguous("another-scope", T0 - 10, true, scopes("strategy=beta"));
        ledger.recordAmbiguous("decided-later", T0 + 2 * DECISION_TIMEOUT + 1, true, scopes("strategy=alpha"));
        assertThat(counts.arguments(T0, ledger, DECISION_TIMEOUT)).containsExactly("strategy=alpha|" + T0 + "|472222|9|19675|9");
    }

    @Test
    void olderRepliesNeverReplaceTheLatestCounts() {
        ScopeCounts counts = new ScopeCounts();
        counts.decided(scopes("strategy=alpha"), T0);
        List<String> named = counts.arguments(T0, ledger, DECISION_TIMEOUT);
        counts.observe(beat(T0 + 100, named, 10, 10));
        counts.observe(beat(T0 + 50, named, 7, 7));
        assertThat(counts.arguments(T0, ledger, DECISION_TIMEOUT)).containsExactly("strategy=alpha|" + (T0 + 100) + "|472222|10|19675|10");
    }

    @Test
    void scopesDecidedOnAnEarlierDayAreDroppedAndAtMost32AreKeptTheMostRecentlyDecided() {
        ScopeCounts counts = new ScopeCounts();
        counts.decided(scopes("strategy=yesterday"), T0 - Buckets.DAY_MS);
        for (int i = 0; i < ScopeCounts.MAX + 5; i++) {
            counts.decided(scopes("symbol=S" + i), T0);
        }
        counts.decided(scopes("symbol=S0"), T0); // evicted already: decided again, it comes back as the newest
        List<String> named = counts.arguments(T0, ledger, DECISION_TIMEOUT);
        assertThat(named).hasSize(ScopeCounts.MAX).doesNotContain("strategy=yesterday", "symbol=S1", "symbol=S5")
                .contains("symbol=S6", "symbol=S36").endsWith("symbol=S0");
    }
}
