package io.ultrasignals.sniper.cli;

import io.ultrasignals.sniper.Backend;
import io.ultrasignals.sniper.Decision;
import io.ultrasignals.sniper.Reason;
import io.ultrasignals.sniper.Signal;
import io.ultrasignals.sniper.guard.GuardListener;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Decide one signal (and count it if admitted). Exit 0 allowed, 1 blocked, 3 Redis unreachable.")
final class CheckCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--id", description = "Signal id: the same id is decided once, and can be released.")
    String id;

    @Option(names = "--mtf", description = "The signal is confirmed on multiple timeframes.")
    boolean mtf;

    @Option(names = "--scope", paramLabel = "DIMENSION=VALUE",
            description = "A scope of the signal, e.g. --scope symbol=BTCUSDT; repeat for more (at most 8).")
    List<String> scopes = new ArrayList<>();

    @Override
    public Integer call() {
        try (GuardSession session = GuardSession.open(common.settings(), true, GuardListener.NONE)) {
            Decision d = session.runtime.guard().acquire(new Signal(id, mtf, Scopes.parse(scopes)));
            if (common.json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("allowed", d.allowed());
                out.put("reason", d.reason().name());
                out.put("hour_count", d.hourCount());
                out.put("day_count", d.dayCount());
                out.put("retry_after_ms", d.retryAfterMillis());
                out.put("server_time_ms", d.serverTimeMillis());
                out.put("backend", d.backend().label());
                out.put("replayed", d.replayed());
                out.put("shadow", d.shadow());
                out.put("layer", d.layer());
                if (d.reason() == Reason.SNIPER_HALTED) {
                    out.put("halt_reason", d.detail());
                }
                System.out.println(Json.of(out));
            } else {
                System.out.printf("%s  %s%s  hour=%d day=%d%s  (backend %s%s)%n", d.allowed() ? "ALLOWED" : "BLOCKED",
                        d.reason(), d.layer() == null ? d.reason() == Reason.SNIPER_HALTED ? " \"" + d.detail() + "\"" : ""
                                : " [" + d.layer() + "]", d.hourCount(), d.dayCount(),
                        d.retryAfterMillis() > 0 ? "  retry in " + d.retryAfterMillis() / 1000 + " s" : "",
                        d.backend().label(), d.replayed() ? ", replayed" : "");
                if (d.replayed()) {
                    System.out.println("note: id " + id + " was decided before; this is that decision again, with the "
                            + "counts as they were then (nothing was counted now; `status` shows the current counts)");
                }
                if (d.backend() == Backend.OFF) {
                    System.out.println("note: sniper mode is off (runtime.sniper_mode.enabled: false); nothing was counted");
                }
            }
            return d.allowed() ? SniperCli.OK : SniperCli.BLOCKED;
        }
    }
}
