package io.ultrasignals.sniper.cli;

import io.ultrasignals.sniper.script.ScriptCatalog;
import io.ultrasignals.sniper.script.SniperScript;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "scripts", mixinStandardHelpOptions = true,
        description = "Name, ABI version and SHA-1 of each Lua script: what other languages pass to EVALSHA.")
final class ScriptsCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Override
    public Integer call() {
        // The scripts do not depend on the settings; a file given is still read, so a mistake in it shows here too.
        if (common.config != null) {
            common.settings();
        }
        boolean json = common.json;
        List<Map<String, Object>> rows = new ArrayList<>();
        for (SniperScript script : ScriptCatalog.load().all()) {
            if (json) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("name", script.name());
                row.put("abi", script.abi());
                row.put("sha1", script.sha1());
                rows.add(row);
            } else {
                System.out.printf("%-10s v%d  %s%n", script.name(), script.abi(), script.sha1());
            }
        }
        if (json) {
            System.out.println(Json.of(Map.of("scripts", rows)));
        }
        return SniperCli.OK;
    }
}
