"""What this guard last heard of the fleet (live guards, current counts) and, from it, its share of each
cap while Redis is away: floor((cap - count seen) / live guards). The local engine enforces the share by
starting each bucket at cap - share, seeded once per outage ("episode"); a bucket that begins during the
outage gets floor(cap / live guards). A guard that never heard of others counts itself alone."""

import threading

HOUR_MS = 3_600_000
DAY_MS = 86_400_000


class FleetView:
    def __init__(self):
        self._lock = threading.Lock()
        self.live_guards = 0
        self._seen_at = None
        self._hour = (-1, 0)
        self._day = (-1, 0)

    def observe_counts(self, server_time_ms: int, hour_count: int, day_count: int) -> None:
        with self._lock:
            if self._seen_at is not None and server_time_ms < self._seen_at:
                return  # older news
            self._seen_at = server_time_ms
            self._hour = (server_time_ms // HOUR_MS, hour_count)
            self._day = (server_time_ms // DAY_MS, day_count)

    def observe_live_guards(self, n: int) -> None:
        with self._lock:
            self.live_guards = n

    def hour_count(self, bucket: int) -> int:
        with self._lock:
            return self._hour[1] if self._hour[0] == bucket else 0

    def day_count(self, bucket: int) -> int:
        with self._lock:
            return self._day[1] if self._day[0] == bucket else 0


def share(cap: int, seen: int, live_guards: int) -> int:
    return max(0, cap - seen) // max(1, live_guards)


class FallbackBudget:
    def __init__(self, fleet: FleetView):
        self._fleet = fleet
        self._lock = threading.Lock()
        self._seeded = None

    def prepare(self, local, now_ms: int, hourly_cap: int, daily_cap: int) -> None:
        """Seeds the local engine's buckets at now_ms for these caps, unless this episode already did."""
        hour, day = now_ms // HOUR_MS, now_ms // DAY_MS
        with self._lock:
            if self._seeded == (hour, day, hourly_cap, daily_cap):
                return
            live = self._fleet.live_guards
            hour_floor = 0 if hourly_cap == 0 else hourly_cap - share(hourly_cap, self._fleet.hour_count(hour), live)
            day_floor = 0 if daily_cap == 0 else daily_cap - share(daily_cap, self._fleet.day_count(day), live)
            local.seed(hour, hour_floor, day, day_floor)
            self._seeded = (hour, day, hourly_cap, daily_cap)

    def end_episode(self) -> None:
        with self._lock:
            self._seeded = None

    def hour_share(self, now_ms: int, hourly_cap: int) -> int:
        return -1 if hourly_cap == 0 else share(hourly_cap, self._fleet.hour_count(now_ms // HOUR_MS), self._fleet.live_guards)

    def day_share(self, now_ms: int, daily_cap: int) -> int:
        return -1 if daily_cap == 0 else share(daily_cap, self._fleet.day_count(now_ms // DAY_MS), self._fleet.live_guards)
