package io.ultrasignals.sniper.cli;

import io.ultrasignals.sniper.Release;
import io.ultrasignals.sniper.guard.GuardListener;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "release", mixinStandardHelpOptions = true,
        description = "Give back the slot of an admitted signal, once (an order the exchange refused, say).")
final class ReleaseCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--id", required = true, description = "The id the signal was checked with.")
    String id;

    @Override
    public Integer call() {
        try (GuardSession session = GuardSession.open(common.settings(), true, GuardListener.NONE)) {
            Release r = session.runtime.guard().release(id);
            if (common.json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("released", r.released());
                out.put("hour_count", r.hourCount());
                out.put("day_count", r.dayCount());
                out.put("backend", r.backend().label());
                System.out.println(Json.of(out));
            } else {
                System.out.printf("%s  hour=%d day=%d  (backend %s)%n", r.released() ? "RELEASED" : "NOT RELEASED (unknown id, "
                        + "blocked, or released before)", r.hourCount(), r.dayCount(), r.backend().label());
            }
            return SniperCli.OK;
        }
    }
}
