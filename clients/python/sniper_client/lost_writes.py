"""What a guard tells every heartbeat it saw, so that heartbeat.lua can put back what a new server lost (a replica
promoted before it had the master's last admissions, a restart that lost writes; lua/README.md, "Lost writes"),
and the one log line per server that lost admissions. The same rule as the agent's LostCountRestore."""
import logging
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

    def notice(self, hb) -> None:
        if len(hb) not in (17, 20):  # 11, then the policy and halt (3) when asked for, then these six
            return
        run_id, since, lost_hour, lost_day, restored_hour, restored_day = hb[-6:]
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
