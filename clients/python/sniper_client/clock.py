"""Local clock minus Redis clock, measured on heartbeat round trips: the local fallback decides on the local
clock corrected by it, so its buckets begin and end when Redis's do, and acquire's deadline_ms is in Redis
time. Of recent samples (heartbeats and decisions) the one with the shortest round trip wins: its midpoint is
the least uncertain, by half its round trip, which deadlines add as slack (a deadline too early would refuse
a call that ran in time)."""

import threading
import time
from collections import deque


def local_ms() -> int:
    return time.time_ns() // 1_000_000


class ClockOffset:
    def __init__(self, now_ms=local_ms):
        self._now_ms = now_ms
        self._samples = deque(maxlen=8)  # (round trip ms, offset ms)
        self._lock = threading.Lock()
        self.offset_ms = 0  # read without the lock on the decision path
        self.uncertainty_ms = 0
        self.known = False

    def observe(self, sent_ms: int, received_ms: int, server_ms: int) -> None:
        with self._lock:
            self._samples.append((max(0, received_ms - sent_ms), (sent_ms + received_ms) // 2 - server_ms))
            best = min(self._samples)
            self.offset_ms, self.uncertainty_ms = best[1], best[0] // 2 + 1
            self.known = True

    def redis_now(self) -> int:
        return self._now_ms() - self.offset_ms

    def deadline(self, timeout_ms: int) -> str:
        """A script's deadline_ms for a call that waits timeout_ms from now, or empty while the offset is unknown."""
        return str(self.redis_now() + timeout_ms + self.uncertainty_ms) if self.known else ""
