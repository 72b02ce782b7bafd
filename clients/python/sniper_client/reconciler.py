"""Puts what happened during an outage into Redis's books once it is back, as the Java guard's Reconciler:
local admissions are credited with credit.lua per (hour bucket, day bucket) under a batch id fixed before
the first try, so a credit that timed out (and may have run) and is retried applies once; releases asked
for during the outage are replayed with release.lua (once-only per id); a signal whose Redis call may or
may not have run is settled by replaying its id at its original time. Until a return to Redis has put the
outage's admissions into Redis (books_completed), decisions stay local, so Redis never decides on books that
miss them. flush() runs on the heartbeat thread only, within a return, once no fallback decision is under way."""

import logging

import threading
from collections import deque
from typing import Sequence, Callable, Dict, Optional, Tuple

HOUR_MS = 3_600_000
DAY_MS = 86_400_000

LOG = logging.getLogger("sniper_client")


class Reconciler:
    def __init__(self, local, guard_id: str, identity: Sequence[str] = ()):
        self._local = local
        self._guard_id = guard_id
        # The @who triple credit and release pass for the audit stream (lua/README.md).
        self.identity = list(identity)
        self._sequence = 0
        self._batches = deque()  # (hour, day, n, batch_id, scopes), the id fixed when the batch is made
        self._releases = deque()
        self._ambiguous = deque()  # (signal_id, decided_at_ms, admitted_locally, scopes)
        self._owed: Dict[Tuple[int, int, Tuple[str, ...]], int] = {}  # (hour, day, scopes) -> admissions owed
        self._lock = threading.Lock()
        self._dirty = False
        self.caught_up = True
        # Redis calls failed as in an outage, ever: a return completes the books only if none failed since it began.
        self.outages = 0

    def mark_dirty(self) -> None:
        self._dirty = True

    def queue_release(self, signal_id: str) -> None:
        self._releases.append(signal_id)
        self._dirty = True

    def record_ambiguous(self, signal_id: str, decided_at_ms: int, admitted_locally: bool,
                         scopes: Tuple[str, ...] = ()) -> None:
        """``scopes``: the signal's scope names; settling counts it in the same layers (with no caps)."""
        self._ambiguous.append((signal_id, decided_at_ms, admitted_locally, tuple(scopes)))
        self._dirty = True

    def outage_began(self) -> None:
        self.outages += 1
        self.caught_up = False

    def books_completed(self, outages_at_return: int) -> bool:
        """The return that began with that outage count has credited everything and told Redis: Redis may decide
        again, unless a Redis call failed since the return began (a new outage: its books stay open)."""
        if self.outages != outages_at_return:
            return False
        self.caught_up = True
        return True

    def has_pending(self) -> bool:
        return self._dirty or bool(self._batches) or bool(self._releases) or bool(self._ambiguous) or bool(self._owed)

    def unsettled_in(self, window_ms: int, bucket: int, until_ms: int, scope: Optional[str] = None) -> int:
        """Signals of that bucket whose Redis outcome is still unknown, decided by until_ms: settling counts each
        exactly once, so a restore of lost counts leaves out those that may be in the count it restores. With scope:
        only those counted in that scope."""
        return sum(1 for _, at, _, scopes in list(self._ambiguous)
                   if at // window_ms == bucket and at <= until_ms and (scope is None or scope in scopes))

    def pending_admissions(self) -> int:
        return sum(max(0, b[2]) for b in list(self._batches))

    def flush(self, call: Callable) -> int:
        """Credits and releases everything pending, oldest first; raises at the first Redis failure, keeping
        what was not applied queued under the same batch ids. ``call(name, argv)`` runs a script.
        Returns the admissions this call credited."""
        with self._lock:
            self._settle_ambiguous(call)
            self._queue_ledger()
            self._queue_take_backs()
            return self._apply_queued(call)

    def replay_releases(self, call: Callable) -> int:
        """With the books complete (on Redis): replays the releases asked for while the breaker let no call
        through. No local admission can be pending then (the guard orders every one before a return's credit);
        should one be all the same (a defect), it is credited rather than lost, and said loudly."""
        with self._lock:
            defect = bool(self._ambiguous) or bool(self._batches)
            self._settle_ambiguous(call)
            if self._queue_ledger() or defect:
                LOG.error("sniper: local admissions were pending with the books complete (a defect): crediting them now")
            self._queue_take_backs()
            return self._apply_queued(call)

    def _queue_ledger(self) -> int:
        """Moves what the local engine admitted since the last drain into batches; returns the admissions queued."""
        queued = 0
        if self._dirty:
            self._dirty = False
            for hour, day, admitted, released, scopes in self._local.drain_admissions():
                available = admitted - released
                net = available - self._take_owed((hour, day, scopes), available)
                if net != 0:  # below 0: releases of admissions credited in an earlier batch, taken back from Redis
                    self._sequence += 1
                    self._batches.append((hour, day, net, f"{self._guard_id}:{self._sequence}", scopes))
                    queued += max(0, net)
        return queued

    def _queue_take_backs(self) -> None:
        """What Redis counted itself beyond the local admissions just queued (a settled id whose admission an earlier
        batch already credited): taken back (credit with a negative n)."""
        for (hour, day, scopes), due in list(self._owed.items()):
            del self._owed[(hour, day, scopes)]
            self._sequence += 1
            self._batches.append((hour, day, -due, f"{self._guard_id}:{self._sequence}", scopes))

    def _apply_queued(self, call) -> int:
        credited = 0
        while self._batches:
            hour, day, n, batch_id, scopes = self._batches[0]
            applied = call("credit", [str(hour), str(day), str(n), batch_id, *self.identity, *scopes])[0]
            if applied == 1:  # 0: an earlier, timed-out try did run; in the books either way
                credited += max(0, n)
            self._batches.popleft()
        while self._releases:
            call("release", [self._releases[0], *self.identity])
            self._releases.popleft()
        return credited

    def _settle_ambiguous(self, call) -> None:
        """Acquire the id again at its original time with no caps: Redis replays the first call's decision if it
        ran, else counts it now in the right buckets; either way Redis holds one decision for the id."""
        while self._ambiguous:
            signal_id, at, admitted_locally, scopes = self._ambiguous[0]
            uncapped = [a for scope in scopes for a in (scope, "0", "0")]
            reply = call("acquire", ["0", "0", "0", "0", signal_id, str(at), "fixed", ""] + uncapped + self.identity)
            counted_in_redis = reply[0] == 1
            if counted_in_redis and admitted_locally:
                key = (at // HOUR_MS, at // DAY_MS, scopes)
                self._owed[key] = self._owed.get(key, 0) + 1
            elif counted_in_redis:
                call("release", [signal_id, *self.identity])
            self._ambiguous.popleft()

    def _take_owed(self, pair, available: int) -> int:
        due = self._owed.get(pair, 0)
        if due == 0 or available <= 0:
            return 0
        taken = min(due, available)
        if taken == due:
            del self._owed[pair]
        else:
            self._owed[pair] = due - taken
        return taken
