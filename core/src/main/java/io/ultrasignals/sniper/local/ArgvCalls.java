package io.ultrasignals.sniper.local;

import io.ultrasignals.sniper.script.AcquireArgs;
import io.ultrasignals.sniper.script.LimitEngine;
import io.ultrasignals.sniper.script.RoomKept;
import io.ultrasignals.sniper.script.ScopeCap;
import io.ultrasignals.sniper.script.WindowMode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A {@link LimitEngine} called the way EVALSHA calls the scripts: ARGV as raw strings (omitted
 * trailing arguments allowed), the reply as the script's wire list, and the scripts' own
 * {@code ERR sniper:} errors, in the scripts' order, for strings the typed API cannot even hold
 * ({@code "1.5"}, {@code "rolling"}, {@code "2"} as a flag). For conformance runners of
 * {@code lua/test-vectors.json} against the local engine.
 */
public final class ArgvCalls {
    private ArgvCalls() {}

    /**
     * @param script {@code acquire}, {@code status}, {@code release} or {@code credit}
     * @throws io.ultrasignals.sniper.script.ScriptException as the script would reply with an error
     */
    public static List<Object> call(LimitEngine engine, String script, List<String> argv) {
        switch (script) {
            case "acquire": {
                AcquireArgs args = acquireArgs(argv);
                RoomKept room = room(argv);
                if (room == null) {
                    return engine.acquire(args).toWire();
                }
                if (!(engine instanceof LocalEngine local)) {
                    throw new IllegalArgumentException("the @room triple needs the local engine, got " + engine);
                }
                return local.acquire(args, room).toWire();
            }
            case "status": {
                Long now = time(arg(argv, 0, ""), ScriptArguments.STATUS_NOW);
                List<String> scopes = argv.size() > 1 ? argv.subList(1, argv.size()) : List.of();
                ScriptArguments.checkScopes(scopes, 2, false);
                return engine.status(now, scopes).toWire();
            }
            case "release":
                return engine.release(arg(argv, 0, "")).toWire();
            case "credit": {
                long hour = bucket(arg(argv, 0, ""), ScriptArguments.HOUR_BUCKET);
                long day = bucket(arg(argv, 1, ""), ScriptArguments.DAY_BUCKET);
                long n = creditN(arg(argv, 2, ""));
                String batchId = arg(argv, 3, "");
                List<String> scopes = argv.size() > 4 ? argv.subList(4, argv.size()) : List.of();
                ScriptArguments.checkCredit(hour, day, n, batchId, scopes);
                return engine.credit(hour, day, n, batchId, scopes).toWire();
            }
            default:
                throw new IllegalArgumentException("no v1 script \"" + script + "\"; expected acquire, status, release or credit");
        }
    }

    /** Parses acquire's ARGV[1..7] and its scopes (ARGV[9..]) with the script's checks, in its order. */
    static AcquireArgs acquireArgs(List<String> argv) {
        long hourlyCap = count(arg(argv, 0, "0"), ScriptArguments.HOURLY_CAP);
        long dailyCap = count(arg(argv, 1, "0"), ScriptArguments.DAILY_CAP);
        boolean mtfRequired = flag(arg(argv, 2, "0"), ScriptArguments.MTF_REQUIRED);
        boolean mtfConfirmed = flag(arg(argv, 3, "0"), ScriptArguments.MTF_CONFIRMED);
        String signalId = arg(argv, 4, "");
        ScriptArguments.checkAcquireSignalId(signalId);
        Long now = time(arg(argv, 5, ""), ScriptArguments.ACQUIRE_NOW);
        String window = arg(argv, 6, "");
        WindowMode mode;
        if (window.equals("sliding")) {
            mode = WindowMode.SLIDING;
        } else if (window.isEmpty() || window.equals("fixed")) {
            mode = WindowMode.FIXED;
        } else {
            throw ScriptArguments.notAWindow(window);
        }
        return new AcquireArgs(hourlyCap, dailyCap, mtfRequired, mtfConfirmed, signalId, now, mode, scopes(argv));
    }

    /** ARGV[9..] in threes: scope, hourly cap, daily cap; at most 8, one value per dimension. */
    private static List<ScopeCap> scopes(List<String> argv) {
        int extra = argv.size() - 8;
        if (extra <= 0) {
            return List.of();
        }
        if (extra % 3 != 0) {
            throw ScriptArguments.error("scopes (ARGV[9..]) come in threes: scope, hourly_cap, daily_cap; got " + extra + " arguments");
        }
        int rooms = roomAt(argv) > 0 ? 1 : 0;
        if (extra / 3 - rooms > ScopeCap.MAX_SCOPES) {
            throw ScriptArguments.error("at most 8 scopes per signal, got " + (extra / 3 - rooms));
        }
        List<ScopeCap> scopes = new ArrayList<>();
        Set<String> dimensions = new HashSet<>();
        for (int at = 9; at <= argv.size(); at += 3) {
            String scope = argv.get(at - 1);
            if (ROOM.equals(scope)) {
                continue;
            }
            ScriptArguments.checkScope(scope, at);
            String dimension = scope.substring(0, scope.indexOf('='));
            if (!dimensions.add(dimension)) {
                throw ScriptArguments.repeatsDimension(at, dimension);
            }
            long hourlyCap = count(argv.get(at), "hourly_cap (ARGV[" + (at + 1) + "]) of scope " + scope);
            long dailyCap = count(argv.get(at + 1), "daily_cap (ARGV[" + (at + 2) + "]) of scope " + scope);
            scopes.add(new ScopeCap(scope, hourlyCap, dailyCap));
        }
        return scopes;
    }

    private static final String ROOM = "@room";

    /** The ARGV index (1-based) of the {@code @room} triple among ARGV[9..], or 0 when there is none. */
    private static int roomAt(List<String> argv) {
        return roomAt(argv, 9);
    }

    /** As above, among the triples from ARGV[{@code from}]. */
    private static int roomAt(List<String> argv, int from) {
        for (int at = from; at <= argv.size(); at += 3) {
            if (ROOM.equals(argv.get(at - 1))) {
                return at;
            }
        }
        return 0;
    }

    /** The {@code @room <hourly_room> <daily_room>} triple, checked as acquire.lua does; null when there is none. */
    static RoomKept room(List<String> argv) {
        int at = roomAt(argv);
        if (at == 0) {
            return null;
        }
        int again = roomAt(argv, at + 3);
        if (again > 0) {
            at = again; // the script names the second one
        }
        String hourly = argv.get(at);
        String daily = argv.get(at + 1);
        if (again > 0 || !isRoom(hourly) || !isRoom(daily)) {
            throw ScriptArguments.error("room (ARGV[" + at + ".." + (at + 2) + "]) must be @room and the hourly and"
                    + " daily room, integers 0..1000000000, once; got \"" + cut(hourly) + "\", \"" + cut(daily) + "\"");
        }
        return new RoomKept(Long.parseLong(hourly), Long.parseLong(daily));
    }

    private static boolean isRoom(String s) {
        return s.length() <= ScriptArguments.MAX_COUNT_DIGITS && isDigits(s) && Long.parseLong(s) <= AcquireArgs.MAX_CAP;
    }

    private static String cut(String s) {
        return s.length() > 32 ? s.substring(0, 32) : s;
    }

    private static String arg(List<String> argv, int index, String omitted) {
        return index < argv.size() && argv.get(index) != null ? argv.get(index) : omitted;
    }

    /** 0..1e9 in at most 10 digits, as {@code #s > 10 or not '^%d+$' or tonumber(s) > 1e9} rejects. */
    private static long count(String raw, String argument) {
        if (raw.length() > ScriptArguments.MAX_COUNT_DIGITS || !isDigits(raw) || Long.parseLong(raw) > AcquireArgs.MAX_CAP) {
            throw ScriptArguments.notACount(argument, raw);
        }
        return Long.parseLong(raw);
    }

    /** credit's n: an optional minus, then as a count (credit.lua's check). */
    private static long creditN(String raw) {
        String digits = raw.startsWith("-") ? raw.substring(1) : raw;
        if (digits.length() > ScriptArguments.MAX_COUNT_DIGITS || !isDigits(digits) || Long.parseLong(digits) > AcquireArgs.MAX_CAP) {
            throw ScriptArguments.notACreditN(cut(raw));
        }
        return Long.parseLong(raw);
    }

    private static boolean flag(String raw, String argument) {
        if (!raw.equals("0") && !raw.equals("1")) {
            throw ScriptArguments.notAFlag(argument, raw);
        }
        return raw.equals("1");
    }

    /** Empty for the engine's clock, else at most 15 digits. */
    private static Long time(String raw, String argument) {
        if (raw.isEmpty()) {
            return null;
        }
        if (raw.length() > ScriptArguments.MAX_NOW_DIGITS || !isDigits(raw)) {
            throw ScriptArguments.notATime(argument, raw);
        }
        return Long.parseLong(raw);
    }

    private static long bucket(String raw, String argument) {
        if (raw.length() > ScriptArguments.MAX_BUCKET_DIGITS || !isDigits(raw)) {
            throw ScriptArguments.notABucket(argument, raw);
        }
        return Long.parseLong(raw);
    }

    /** Lua's {@code '^%d+$'}: one or more ASCII digits. */
    private static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
