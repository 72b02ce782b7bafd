"""What a guard tells every heartbeat it saw, so that heartbeat.lua can put back what a new server lost (a replica
promoted before it had the master's last admissions, a restart that lost writes; lua/README.md, "Lost writes"),
and the one log line per server that lost admissions. The same rule as the agent's LostCountRestore."""
import logging
import threading
from collections import OrderedDict
from datetime import datetime, timezone

from .fleet import DAY_MS, HOUR_MS

LOG = logging.getLogger("sniper_client")


def seen_argument(fleet, reconciler, decision_timeout_ms: int, last_beat=None) -> str:
    """heartbeat.lua's seen: the latest counts from any reply with that reply's server time, less the signals of
    unknown outcome that may be in them (settling them by id counts each once; a fallback decision is dated one
    decision timeout after it was sent); "" when nothing was seen. A sliding window's acquire replies carry
    estimates, not bucket contents: then pass last_beat, the latest heartbeat reply, whose counts are taken."""
    if last_beat is not None:
        at, counts = last_beat[3], {"hour": last_beat[1], "day": last_beat[2]}
    else:
        at = fleet.counts_seen_at
        counts = {w: fleet.count(w, at // (HOUR_MS if w == "hour" else DAY_MS)) for w in ("hour", "day")}
    if not at:
        return ""
    hour, day = at // HOUR_MS, at // DAY_MS
    until = at + 2 * decision_timeout_ms
    hour_count = max(0, counts["hour"] - reconciler.unsettled_in(HOUR_MS, hour, until))
    day_count = max(0, counts["day"] - reconciler.unsettled_in(DAY_MS, day, until))
    return f"{at}|{hour}|{hour_count}|{day}|{day_count}"


class ScopeCounts:
    """The scopes this guard decided today and the latest counts of each that a heartbeat read: what a heartbeat
    names (heartbeat.lua's ARGV[10..]) so that a server that lost data gets each scope's count back, by seen's rule
    (lua/README.md, "Lost writes per scope"). acquire does not reply a scope's counts, so they come from heartbeat
    replies only: what a scope admitted after the latest heartbeat that read it is not restored. At most 32 scopes,
    the most recently decided. The same rule as the agent's ScopeCounts."""

    MAX = 32

    def __init__(self):
        self._lock = threading.Lock()
        self._scopes = OrderedDict()  # scope -> [decided_day, seen_at or None, hour_count, day_count]

    def decided(self, scopes, now_ms: int) -> None:
        with self._lock:
            for scope in scopes:
                entry = self._scopes.pop(scope, None) or [0, None, 0, 0]
                entry[0] = now_ms // DAY_MS
                self._scopes[scope] = entry
            while len(self._scopes) > self.MAX:
                self._scopes.popitem(last=False)

    def arguments(self, now_ms: int, reconciler, decision_timeout_ms: int) -> list:
        """Each scope decided today, with the counts last read of it less this guard's signals of unknown outcome in
        it that may be in them (settled by id, each counted once)."""
        today, args = now_ms // DAY_MS, []
        with self._lock:
            for scope in [s for s, e in self._scopes.items() if e[0] < today]:
                del self._scopes[scope]
            entries = [(s, list(e)) for s, e in self._scopes.items()]
        for scope, (_, at, hour_count, day_count) in entries:
            if at is None:
                args.append(scope)
                continue
            hour, day, until = at // HOUR_MS, at // DAY_MS, at + 2 * decision_timeout_ms
            hour_count = max(0, hour_count - reconciler.unsettled_in(HOUR_MS, hour, until, scope))
            day_count = max(0, day_count - reconciler.unsettled_in(DAY_MS, day, until, scope))
            args.append(f"{scope}|{at}|{hour}|{hour_count}|{day}|{day_count}")
        return args

    def observe(self, hb, named) -> None:
        """Takes in the counts a heartbeat that named these scopes (its arguments) read."""
        at = hb[3]
        rest = hb[len(hb) - 6 * len(named):]
        with self._lock:
            for i, arg in enumerate(named):
                entry = self._scopes.get(arg.split("|", 1)[0])
                if entry is not None and (entry[1] is None or at >= entry[1]):
                    entry[1], entry[2], entry[3] = at, rest[6 * i], rest[6 * i + 1]
        for i, arg in enumerate(named):
            lost_hour, lost_day, restored_hour, restored_day = rest[6 * i + 2:6 * i + 6]
            if restored_hour or restored_day:
                LOG.warning("sniper: Redis lost admissions of scope %s it had acknowledged: this guard saw %d (hour) / "
                            "%d (day) more than the server held; restored +%d (hour) / +%d (day) now",
                            arg.split("|", 1)[0], lost_hour, lost_day, restored_hour, restored_day)


class ServerWatch:
    """The server (run_id, since) of the latest heartbeat; says once per server what it lost and what was put back."""

    def __init__(self, metrics):
        self._metrics = metrics
        self._server = None

    @property
    def replied(self) -> bool:
        """Whether a heartbeat with seen has answered: counts seen before that are not news of a loss (the first
        heartbeat of a fresh namespace also finds no epoch, and would take them for lost)."""
        return self._server is not None

    def notice(self, hb, scopes: int = 0) -> None:
        """scopes: how many scopes the heartbeat named (six elements each after these six)."""
        end = len(hb) - 6 * scopes
        if end not in (17, 20):  # 11, then the policy and halt (3) when asked for, then these six
            return
        run_id, since, lost_hour, lost_day, restored_hour, restored_day = hb[end - 6:end]
        run_id = run_id.decode() if isinstance(run_id, bytes) else str(run_id)
        before, self._server = self._server, (run_id, since)
        if restored_hour or restored_day:
            self._metrics.restored_admissions(restored_hour, restored_day)
        if before == self._server:
            return
        at = datetime.fromtimestamp(since / 1000, timezone.utc).isoformat(timespec="milliseconds")
        if lost_hour or lost_day:
            rest = ", the rest already by other guards" if restored_hour < lost_hour or restored_day < lost_day else ""
            LOG.warning("sniper: Redis lost admissions it had acknowledged (a replica promoted before it had them, "
                        "or a restart that lost writes): this guard saw %d (hour) / %d (day) more than server %s "
                        "held at its first heartbeat, %s; restored +%d (hour) / +%d (day) now%s",
                        lost_hour, lost_day, run_id[:12], at, restored_hour, restored_day, rest)
            self._metrics.data_loss()
        elif before is not None:
            LOG.info("sniper: Redis is now server %s (since %s, was %s); it holds every count this guard saw",
                     run_id[:12], at, before[0][:12])
