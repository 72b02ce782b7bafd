"""What this guard last heard of the fleet and, from it, its share of each cap while Redis is away.

Two rules, chosen by the installed heartbeat.lua (ScriptCatalog.heartbeat_records_shares):
- recovery rule (lua/README.md, "Recovery"): the heartbeat records this guard's share in Redis, which Redis
  holds back from its own decisions while the guard may be deciding locally. Locally the guard admits at
  most min(recorded share, floor(max(0, cap - latest count seen - held) / guards)) in the recorded bucket,
  the recorded next share in the next bucket, nothing later; with no heartbeat reply yet, nothing.
- the earlier v1 rule: floor(max(0, cap - count seen) / live guards); a guard that never heard of others
  counts itself alone.
The local engine enforces the share by starting each bucket at cap - share, seeded once per outage."""

import threading

HOUR_MS = 3_600_000
DAY_MS = 86_400_000
WINDOWS = {"hour": HOUR_MS, "day": DAY_MS}


class FleetView:
    """The reckoning (live guards, plus held ones under the recovery rule), the latest counts seen (from any
    reply: what a local share and a restore after lost data are computed from), and the shares the latest
    heartbeat recorded for this guard."""

    def __init__(self):
        self._lock = threading.Lock()
        self.live_guards = 0
        self._seen_at = None
        self._latest = {"hour": (-1, 0), "day": (-1, 0)}
        self._beat = None  # the latest heartbeat reply that carried shares (11 elements)

    def observe_counts(self, server_time_ms: int, hour_count: int, day_count: int) -> None:
        with self._lock:
            if self._seen_at is not None and server_time_ms < self._seen_at:
                return  # older news
            self._seen_at = server_time_ms
            self._latest = {w: (server_time_ms // WINDOWS[w], c) for w, c in (("hour", hour_count), ("day", day_count))}

    def observe_beat(self, reply) -> None:
        with self._lock:
            self.live_guards = reply[0]
            if len(reply) >= 11:
                self._beat = reply
        self.observe_counts(reply[3], reply[1], reply[2])

    @property
    def counts_seen_at(self) -> int:
        """Server time of the latest counts seen (0: none)."""
        return self._seen_at or 0

    def count(self, window: str, bucket: int) -> int:
        with self._lock:
            latest = self._latest[window]
            return latest[1] if latest[0] == bucket else 0

    def recorded_share(self, window: str, bucket: int) -> int:
        """The share Redis recorded for this guard: in its bucket, in the next one, else 0 (and 0 before any)."""
        with self._lock:
            if self._beat is None:
                return 0
            own = self._beat[3] // WINDOWS[window]
            share, next_share = (self._beat[5], self._beat[6]) if window == "hour" else (self._beat[7], self._beat[8])
            return share if bucket == own else next_share if bucket == own + 1 else 0

    def held(self, window: str, bucket: int) -> int:
        """What Redis held back for guards that may be deciding locally, at the latest heartbeat."""
        with self._lock:
            if self._beat is None or bucket != self._beat[3] // WINDOWS[window]:
                return 0
            return self._beat[9] if window == "hour" else self._beat[10]


class FallbackBudget:
    def __init__(self, fleet: FleetView, recovery_rule: bool):
        self._fleet = fleet
        self.recovery_rule = recovery_rule
        self._lock = threading.Lock()
        self._seeded = None

    def prepare(self, local, now_ms: int, hourly_cap: int, daily_cap: int) -> None:
        """Seeds the local engine's buckets at now_ms for these caps, unless this episode already did."""
        hour, day = now_ms // HOUR_MS, now_ms // DAY_MS
        with self._lock:
            if self._seeded == (hour, day, hourly_cap, daily_cap):
                return
            hour_floor = 0 if hourly_cap == 0 else hourly_cap - self.share("hour", now_ms, hourly_cap)
            day_floor = 0 if daily_cap == 0 else daily_cap - self.share("day", now_ms, daily_cap)
            local.seed(hour, hour_floor, day, day_floor)
            self._seeded = (hour, day, hourly_cap, daily_cap)

    def end_episode(self) -> None:
        with self._lock:
            self._seeded = None

    def share(self, window: str, now_ms: int, cap: int) -> int:
        """This guard's share of the window's cap were Redis to go away now; -1 when the window has no cap."""
        if cap == 0:
            return -1
        f = self._fleet
        bucket = now_ms // WINDOWS[window]
        guards = max(1, f.live_guards)
        if not self.recovery_rule:
            return max(0, cap - f.count(window, bucket)) // guards
        left = max(0, cap - f.count(window, bucket) - f.held(window, bucket)) // guards
        return max(0, min(f.recorded_share(window, bucket), left))
