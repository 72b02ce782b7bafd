package io.ultrasignals.sniper.local;

import java.util.ArrayList;
import java.util.List;

/**
 * Tallies local admissions and releases per (hour bucket, day bucket) until drained. An outage
 * touches few pairs (one per hour), so a list with the last-used pair cached beats a map and
 * allocates only when a new pair appears.
 *
 * <p>Not thread-safe: the engine's lock guards it.
 */
final class AdmissionLedger {
    private static final class Tally {
        final long hourBucket;
        final long dayBucket;
        long admitted;
        long released;

        Tally(long hourBucket, long dayBucket) {
            this.hourBucket = hourBucket;
            this.dayBucket = dayBucket;
        }
    }

    private final List<Tally> tallies = new ArrayList<>();
    private Tally last;

    void admitted(long hourBucket, long dayBucket) {
        tally(hourBucket, dayBucket).admitted++;
    }

    void released(long hourBucket, long dayBucket) {
        tally(hourBucket, dayBucket).released++;
    }

    /** Everything tallied since the previous drain, in the order the pairs first appeared; starts a new period. */
    List<LocalAdmissions> drain() {
        List<LocalAdmissions> drained = new ArrayList<>(tallies.size());
        for (Tally t : tallies) {
            drained.add(new LocalAdmissions(t.hourBucket, t.dayBucket, t.admitted, t.released));
        }
        tallies.clear();
        last = null;
        return List.copyOf(drained);
    }

    private Tally tally(long hourBucket, long dayBucket) {
        if (last != null && last.hourBucket == hourBucket && last.dayBucket == dayBucket) {
            return last;
        }
        for (int i = tallies.size() - 1; i >= 0; i--) {
            Tally t = tallies.get(i);
            if (t.hourBucket == hourBucket && t.dayBucket == dayBucket) {
                last = t;
                return t;
            }
        }
        last = new Tally(hourBucket, dayBucket);
        tallies.add(last);
        return last;
    }
}
