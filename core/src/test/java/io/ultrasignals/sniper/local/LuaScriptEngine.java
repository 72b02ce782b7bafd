package io.ultrasignals.sniper.local;

import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.AcquireReply;
import io.ultrasignals.sniper.script.CountsReply;
import io.ultrasignals.sniper.script.LimitEngine;
import io.ultrasignals.sniper.script.ScriptCatalog;
import io.ultrasignals.sniper.script.ScriptException;
import io.ultrasignals.sniper.script.SniperScript;
import io.ultrasignals.sniper.script.StatusReply;
import io.ultrasignals.sniper.testkit.RespConnection;
import java.util.ArrayList;
import java.util.List;

/**
 * The reference side of the differential test: the v1 scripts run by EVALSHA on a real Redis over
 * the testkit's raw RESP connection, so the replies are exactly what the scripts return, with no
 * product client in between.
 */
final class LuaScriptEngine implements LimitEngine {
    private final RespConnection connection;
    private final String namespace;
    private final ScriptCatalog catalog;

    LuaScriptEngine(RespConnection connection, ScriptCatalog catalog, String namespace) {
        this.connection = connection;
        this.catalog = catalog;
        this.namespace = namespace;
    }

    /** Loads every catalog script on the server and checks Redis names it by the catalog's SHA-1. */
    static void loadScripts(RespConnection connection, ScriptCatalog catalog) {
        for (SniperScript script : catalog.all()) {
            Object sha = connection.call("SCRIPT", "LOAD", script.source());
            if (!script.sha1().equals(sha)) {
                throw new IllegalStateException("Redis loaded " + script + " as " + sha);
            }
        }
    }

    @Override
    public AcquireReply acquire(AcquireArgs args) {
        return AcquireReply.fromWire(eval(catalog.acquire(), args.argv()));
    }

    @Override
    public StatusReply status(Long nowMillis, List<String> scopes) {
        List<String> argv = new ArrayList<>();
        argv.add(nowMillis == null ? "" : Long.toString(nowMillis));
        argv.addAll(scopes);
        return StatusReply.fromWire(eval(catalog.status(), argv.toArray(String[]::new)), scopes);
    }

    @Override
    public CountsReply release(String signalId) {
        return CountsReply.fromWire(eval(catalog.release(), signalId == null ? "" : signalId));
    }

    @Override
    public CountsReply credit(long hourBucket, long dayBucket, long n, String batchId, List<String> scopes) {
        List<String> argv = new ArrayList<>(List.of(Long.toString(hourBucket), Long.toString(dayBucket),
                Long.toString(n), batchId == null ? "" : batchId));
        argv.addAll(scopes);
        return CountsReply.fromWire(eval(catalog.credit(), argv.toArray(String[]::new)));
    }

    /** Runs the named script with ARGV exactly as given; an error reply becomes a {@link ScriptException}. */
    List<?> evalRaw(String scriptName, List<String> argv) {
        return eval(catalog.get(scriptName, 1), argv.toArray(String[]::new));
    }

    private List<?> eval(SniperScript script, String... argv) {
        List<String> command = new ArrayList<>(List.of("EVALSHA", script.sha1(), "1", namespace));
        command.addAll(List.of(argv));
        try {
            return (List<?>) connection.call(command);
        } catch (RespConnection.RespError e) {
            throw new ScriptException(e.getMessage());
        }
    }
}
