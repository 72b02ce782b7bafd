package io.ultrasignals.sniper.local;

import java.util.ArrayList;
import java.util.List;

/**
 * Tallies local admissions and releases per (hour bucket, day bucket, scopes) until drained. An outage
 * touches few pairs (one per hour), so a list with the last-used pair cached beats a map and
 * allocates only when a new pair appears.
 *
 * <p>Not thread-safe: the engine's lock guards it.
 */
final class AdmissionLedger {
    private static final class Tally {
        final long hourBucket;
        final long dayBucket;
        final List<String> scopes;
        long admitted;
        long released;

        Tally(long hourBucket, long dayBucket, List<String> scopes) {
            this.hourBucket = hourBucket;
            this.dayBucket = dayBucket;
            this.scopes = scopes;
        }

        boolean is(long hour, long day, List<String> layers) {
            return hourBucket == hour && dayBucket == day && scopes.equals(layers);
        }
    }

    private final List<Tally> tallies = new ArrayList<>();
    private Tally last;

    /** @param scopes the scopes the admission was counted in besides the fleet (immutable), empty for none */
    void admitted(long hourBucket, long dayBucket, List<String> scopes) {
        tally(hourBucket, dayBucket, scopes).admitted++;
    }

    void released(long hourBucket, long dayBucket, List<String> scopes) {
        tally(hourBucket, dayBucket, scopes).released++;
    }

    /** Everything tallied since the previous drain, in the order the pairs first appeared; starts a new period. */
    List<LocalAdmissions> drain() {
        List<LocalAdmissions> drained = new ArrayList<>(tallies.size());
        for (Tally t : tallies) {
            drained.add(new LocalAdmissions(t.hourBucket, t.dayBucket, t.admitted, t.released, t.scopes));
        }
        tallies.clear();
        last = null;
        return List.copyOf(drained);
    }

    private Tally tally(long hourBucket, long dayBucket, List<String> scopes) {
        if (last != null && last.is(hourBucket, dayBucket, scopes)) {
            return last;
        }
        for (int i = tallies.size() - 1; i >= 0; i--) {
            Tally t = tallies.get(i);
            if (t.is(hourBucket, dayBucket, scopes)) {
                last = t;
                return t;
            }
        }
        last = new Tally(hourBucket, dayBucket, scopes);
        tallies.add(last);
        return last;
    }
}
