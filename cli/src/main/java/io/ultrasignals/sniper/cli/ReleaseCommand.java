package io.ultrasignals.sniper.cli;

import io.ultrasignals.sniper.GuardStatus;
import io.ultrasignals.sniper.Release;
import io.ultrasignals.sniper.guard.GuardListener;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "release", mixinStandardHelpOptions = true,
        description = "Give back the slot of an admitted signal, once (an order the exchange refused, say). "
                + "Exit 0 released, 1 nothing was released (unknown id, blocked, or released before), 3 Redis unreachable.")
final class ReleaseCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--id", required = true, description = "The id the signal was checked with.")
    String id;

    @Override
    public Integer call() {
        try (GuardSession session = GuardSession.open(common.settings(), true, GuardListener.NONE)) {
            Release r = session.runtime.guard().release(id);
            boolean released = r.released() || r.queued();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("released", r.released());
            out.put("queued", r.queued());
            if (released) {
                // The counts of the buckets the signal was counted in, after giving its slot back.
                out.put("hour_count", r.hourCount());
                out.put("day_count", r.dayCount());
            } else {
                // Nothing changed, and a non-release names no bucket: the current counts instead.
                GuardStatus now = session.runtime.guard().status();
                out.put("hour_count", now.hourCount());
                out.put("day_count", now.dayCount());
            }
            out.put("backend", r.backend().label());
            if (common.json) {
                System.out.println(Json.of(out));
            } else if (r.queued()) {
                System.out.printf("QUEUED  Redis is away: the release of %s is kept and applied when it is back  (backend %s)%n",
                        id, r.backend().label());
            } else if (r.released()) {
                System.out.printf("RELEASED  hour=%d day=%d  (backend %s)%n", r.hourCount(), r.dayCount(), r.backend().label());
            } else {
                System.out.printf("NOT RELEASED  %s: unknown id, blocked, or released before; nothing changed. "
                        + "Current counts: hour=%d day=%d  (backend %s)%n", id, out.get("hour_count"), out.get("day_count"),
                        r.backend().label());
            }
            return released ? SniperCli.OK : SniperCli.BLOCKED;
        }
    }
}
