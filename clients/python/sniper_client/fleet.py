"""What this guard last heard of the fleet and, from it, its share of each cap while Redis is away.

Two rules, chosen by the installed heartbeat.lua (ScriptCatalog.heartbeat_records_shares):
- recovery rule (lua/README.md, "Recovery"): the heartbeat records this guard's share in Redis, which Redis
  holds back from its own decisions while the guard may be deciding locally. Locally the guard admits at
  most min(recorded share, floor(max(0, cap - latest count seen - held) / guards)) in the recorded bucket,
  the recorded next share in the next bucket, nothing later; with no heartbeat reply yet, nothing.
- the earlier v1 rule: floor(max(0, cap - count seen) / live guards); a guard that never heard of others
  counts itself alone.
The local engine holds the real counts: each bucket starts at the latest count seen from Redis (seeded once per
outage), and the local limit is that count plus the share (Limits), so a local decision's counts are last seen
plus local admissions, and a block at the limit below the cap is the share's, not the cap's."""

import threading
from typing import NamedTuple, Tuple

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
    def has_recorded_shares(self) -> bool:
        """Whether a heartbeat ever recorded shares for this guard (False: it has not reached Redis since it started)."""
        return self._beat is not None

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


class Limits(NamedTuple):
    """The local limits of the seeded buckets, in the local engine's counts: seen + share per window (0: no cap)."""
    hour: int
    hour_share: int  # -1: no hourly cap
    day: int
    day_share: int  # -1: no daily cap
    has_record: bool  # whether Redis ever recorded a share for this guard (False: it has not reached Redis)

    def admits_nothing(self) -> bool:
        """A capped window whose limit is 0 (the engine reads a 0 cap as none)."""
        return (self.hour_share >= 0 and self.hour == 0) or (self.day_share >= 0 and self.day == 0)


class FallbackBudget:
    """Starting without Redis: with the fleet's size stated (fleet_size N >= 1), a guard that has not reached Redis
    since it started may admit floor(cap / N) per window and bucket locally, and every guard on Redis keeps that
    much room for each of the N runners it has not seen (room_kept), which acquire and the heartbeat take off the
    caps that apply, a stored policy's too: in its decisions and in the shares its heartbeat records. Not stated (0),
    such a guard has no share."""

    def __init__(self, fleet: FleetView, recovery_rule: bool, fleet_size: int = 0):
        self._fleet = fleet
        self.recovery_rule = recovery_rule
        self.fleet_size = fleet_size
        self._lock = threading.Lock()
        self._seeded = None
        self._limits = None

    def prepare(self, local, now_ms: int, hourly_cap: int, daily_cap: int, own_caps: Tuple[int, int]) -> Limits:
        """Seeds the local engine's buckets at now_ms for these caps (in force), unless this episode already did; their
        limits. own_caps: the caller's own caps, which the room kept for runners not yet seen is reckoned from."""
        hour, day = now_ms // HOUR_MS, now_ms // DAY_MS
        own = tuple(own_caps)
        with self._lock:
            if self._seeded == (hour, day, hourly_cap, daily_cap, own):
                return self._limits
            seen_hour, seen_day = self._fleet.count("hour", hour), self._fleet.count("day", day)
            hour_share = self.share("hour", now_ms, hourly_cap, own[0])
            day_share = self.share("day", now_ms, daily_cap, own[1])
            local.seed(hour, seen_hour, day, seen_day)
            self._limits = Limits(0 if hour_share < 0 else seen_hour + hour_share, hour_share,
                                  0 if day_share < 0 else seen_day + day_share, day_share,
                                  not self.recovery_rule or self._fleet.has_recorded_shares)
            self._seeded = (hour, day, hourly_cap, daily_cap, own)
            return self._limits

    def never_shared(self) -> bool:
        """Whether this guard can have no share at all: Redis never recorded one for it and no fleet size is stated."""
        return self._cold() and not self.fleet_size

    def _cold(self) -> bool:
        """Under the recovery rule, never reached Redis since start (no share recorded for this guard)."""
        return self.recovery_rule and not self._fleet.has_recorded_shares

    def unseen_runners(self) -> int:
        """The runners of the stated fleet not in Redis's reckoning at the latest heartbeat (this guard counts)."""
        return max(0, self.fleet_size - max(1, self._fleet.live_guards)) if self.fleet_size else 0

    def room(self, own_cap: int) -> int:
        """The room kept in one window for the runners of the stated fleet not yet seen: floor(cap / N) each of the
        caller's own cap (what such a runner, knowing only its settings, may admit before it reaches Redis)."""
        return self.unseen_runners() * (own_cap // self.fleet_size) if self.fleet_size else 0

    def room_kept(self, hourly_cap: int, daily_cap: int) -> list:
        """acquire's @room triple: the room kept in each window, for acquire to take off whichever caps apply on
        Redis (a stored policy's too); [] when it keeps none."""
        if not self.unseen_runners():
            return []
        return ["@room", str(self.room(hourly_cap)), str(self.room(daily_cap))]

    def heartbeat_room(self, hourly_cap: int, daily_cap: int) -> list:
        """The heartbeat's "@room|<hourly>|<daily>" entry (after the scopes): the same room, which the heartbeat
        takes off the caps that apply before it shares them out; [] when it keeps none."""
        triple = self.room_kept(hourly_cap, daily_cap)
        return ["|".join(triple)] if triple else []

    def real_counts(self, local, now_ms: int):
        """(hour, day) now: the latest seen from Redis, or the local engine's (seen plus local admissions)."""
        s = local.call("status", ["local"], [])
        return (max(s[0], self._fleet.count("hour", now_ms // HOUR_MS)),
                max(s[1], self._fleet.count("day", now_ms // DAY_MS)))

    def end_episode(self) -> None:
        with self._lock:
            self._seeded = None

    def share(self, window: str, now_ms: int, cap: int, own_cap: int) -> int:
        """This guard's share of the window's cap in force (a stored policy's, or the caller's own) were Redis to go
        away now; -1 when the window has no cap. The room kept for runners not yet seen, reckoned from the caller's
        own cap, comes off the cap in force."""
        if cap == 0:
            return -1
        if self._cold():
            return cap // self.fleet_size if self.fleet_size else 0
        cap = max(0, cap - self.room(own_cap))
        f = self._fleet
        bucket = now_ms // WINDOWS[window]
        guards = max(1, f.live_guards)
        if not self.recovery_rule:
            return max(0, cap - f.count(window, bucket)) // guards
        left = max(0, cap - f.count(window, bucket) - f.held(window, bucket)) // guards
        return max(0, min(f.recorded_share(window, bucket), left))
