"""The v1 scripts' semantics in process memory, for the fallback: called exactly like the scripts
(ARGV strings in, the reply list out, the same ``ERR sniper:`` errors), so a local decision is the one
Redis would have made on the same counts. lua/test-vectors.json holds both to one behaviour.

Two times, as in Redis: a call decides at its now_ms, or at the engine clock when that is empty; expiry
always runs on the engine clock (the fallback passes the local clock corrected by the Redis offset).
Every call runs under one lock, like a script on Redis's single thread."""

import re
import threading
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from .scripts import ScriptError

HOUR_MS = 3_600_000
DAY_MS = 86_400_000
MARK_TTL_MS = 172_800_000
_DIGITS = re.compile(r"^[0-9]+$")
# A scope: <dimension>=<value>, as the scripts' '^([a-z][a-z0-9_]*)=[%w%._/:%-]+$' with its lengths.
_SCOPE = re.compile(r"[a-z][a-z0-9_]{0,31}=[A-Za-z0-9._/:-]{1,64}")
MAX_SCOPES = 8
ROOM = "@room"  # acquire's triple: the room kept for runners not yet seen (lua/README.md)


MTF_BLOCK_TTL_MS = 60_000  # a decision blocked by MTF: a confirmation may follow


def _system_ms() -> int:
    return time.time_ns() // 1_000_000


def _arg(argv: Sequence[str], i: int, omitted: str = "") -> str:
    """ARGV[i + 1] as the script sees it: ``ARGV[n] or omitted``."""
    return argv[i] if i < len(argv) and argv[i] is not None else omitted


def _count(raw: str, name: str) -> int:
    if len(raw) > 10 or not _DIGITS.match(raw) or int(raw) > 1_000_000_000:
        raise ScriptError(f'ERR sniper: {name} must be an integer 0..1000000000, got "{raw}"')
    return int(raw)


def _is_count(raw: str) -> bool:
    return len(raw) <= 10 and bool(_DIGITS.match(raw)) and int(raw) <= 1_000_000_000


def _credit_n(raw: str) -> int:
    """credit's n: an optional minus (a take-back), then as a count."""
    digits = raw[1:] if raw.startswith("-") else raw
    if len(digits) > 10 or not _DIGITS.match(digits) or int(digits) > 1_000_000_000:
        raise ScriptError(f'ERR sniper: n (ARGV[3]) must be an integer -1000000000..1000000000, got "{raw[:32]}"')
    return int(raw)


def _time(raw: str, name: str):
    if raw == "":
        return None
    if len(raw) > 15 or not _DIGITS.match(raw):
        raise ScriptError(f'ERR sniper: {name} must be empty or epoch milliseconds, got "{raw}"')
    return int(raw)


def _scope(raw: str, at: int) -> str:
    if not _SCOPE.fullmatch(raw):
        raise ScriptError(f"ERR sniper: scope (ARGV[{at}]) must be <dimension>=<value>: dimension a-z 0-9 _ from a letter, "
                          f'up to 32 bytes; value A-Z a-z 0-9 . _ / : -, 1..64 bytes; got "{raw[:100]}"')
    return raw


def _scope_list(argv: Sequence[str], first: int) -> List[str]:
    """ARGV[first + 1..] as scopes, one value per dimension (credit's and acquire's rule)."""
    if len(argv) - first > MAX_SCOPES:
        raise ScriptError(f"ERR sniper: at most 8 scopes, got {len(argv) - first}")
    scopes, dims = [], set()
    for i in range(first, len(argv)):
        scope = _scope(argv[i], i + 1)
        dim = scope.split("=", 1)[0]
        if dim in dims:
            raise ScriptError(f'ERR sniper: scope (ARGV[{i + 1}]) repeats dimension "{dim}": one value per dimension')
        dims.add(dim)
        scopes.append(scope)
    return scopes


def _acquire_scopes(argv: Sequence[str]) -> Tuple[List[Tuple[str, int, int]], Optional[Tuple[int, int]]]:
    """ARGV[9..]: (scope, hourly cap, daily cap) triples, checked in the script's order, and the room to keep for
    runners not yet seen, (hourly, daily) from the @room triple, or None."""
    extra = len(argv) - 8
    if extra <= 0:
        return [], None
    if extra % 3:
        raise ScriptError(f"ERR sniper: scopes (ARGV[9..]) come in threes: scope, hourly_cap, daily_cap; got {extra} arguments")
    real = extra // 3 - (1 if ROOM in argv[8::3] else 0)
    if real > MAX_SCOPES:
        raise ScriptError(f"ERR sniper: at most 8 scopes per signal, got {real}")
    triples, dims, room_kept = [], set(), None
    for at in range(9, len(argv) + 1, 3):
        if argv[at - 1] == ROOM:
            hourly, daily = argv[at], argv[at + 1]
            if room_kept is not None or not _is_count(hourly) or not _is_count(daily):
                raise ScriptError(f"ERR sniper: room (ARGV[{at}..{at + 2}]) must be @room and the hourly and daily"
                                  f' room, integers 0..1000000000, once; got "{hourly[:32]}", "{daily[:32]}"')
            room_kept = (int(hourly), int(daily))
            continue
        scope = _scope(argv[at - 1], at)
        dim = scope.split("=", 1)[0]
        if dim in dims:
            raise ScriptError(f'ERR sniper: scope (ARGV[{at}]) repeats dimension "{dim}": one value per dimension')
        dims.add(dim)
        hcap = _count(argv[at], f"hourly_cap (ARGV[{at + 1}]) of scope {scope}")
        dcap = _count(argv[at + 1], f"daily_cap (ARGV[{at + 2}]) of scope {scope}")
        triples.append((scope, hcap, dcap))
    return triples, room_kept


def _estimate(table, number: int, now: int, window_ms: int, sliding: bool, clock_now: int) -> Tuple[int, int]:
    """A window's count (sliding: the estimate rounded down) and 1 when the exact estimate lies a fraction above it."""
    count = table.count(number, clock_now)
    if not sliding:
        return count, 0
    prev, remaining = table.count(number - 1, clock_now), window_ms - (now - number * window_ms)
    return count + weighted_previous(prev, window_ms, now - number * window_ms), int(prev * remaining % window_ms > 0)


def weighted_previous(previous: int, window_ms: int, elapsed_ms: int) -> int:
    """floor(previous * (window - elapsed) / window), exactly (Python integers do not round)."""
    return previous * (window_ms - elapsed_ms) // window_ms


def _unexpired(entries: dict, key, clock_now: int, expires_at: Callable):
    """The entry if it still exists at clock_now (Redis expires a key once now > its expiry), else None (dropped)."""
    entry = entries.get(key)
    if entry is not None and clock_now > expires_at(entry):
        del entries[key]
        return None
    return entry


class _Table:
    """Bucket number -> [count, expires_at]; an entry past its expiry is absent, as a Redis key."""

    def __init__(self, ttl_ms: int):
        self.ttl_ms = ttl_ms
        self.entries: Dict[int, List[int]] = {}

    def live(self, number: int, clock_now: int):
        return _unexpired(self.entries, number, clock_now, lambda e: e[1])

    def count(self, number: int, clock_now: int) -> int:
        entry = self.live(number, clock_now)
        return 0 if entry is None else entry[0]

    def add(self, number: int, n: int, clock_now: int) -> int:
        entry = self.live(number, clock_now)
        if entry is None:
            entry = self.entries[number] = [0, clock_now + self.ttl_ms]
        entry[0] += n
        return entry[0]

    def ttl(self, number: int, clock_now: int) -> int:
        entry = self.live(number, clock_now)
        return -2 if entry is None else entry[1] - clock_now

    def drop_expired(self, clock_now: int) -> None:
        for number in [n for n, e in self.entries.items() if clock_now > e[1]]:
            del self.entries[number]


class LocalEngine:
    """One namespace's buckets, decisions by id and credit marks; plus the ledger of what it admitted."""

    def __init__(self, clock: Callable[[], int] = _system_ms):
        self._clock = clock
        self._lock = threading.Lock()
        self._hours = _Table(2 * HOUR_MS)
        self._days = _Table(2 * DAY_MS)
        self._scopes: Dict[str, Tuple[_Table, _Table]] = {}  # scope -> (hours, days), as <ns>:scope:<scope>:...
        self._decisions: Dict[str, list] = {}  # id -> [reply, released, expires_at, layer, scopes]
        self._credits: Dict[str, int] = {}  # batch id -> expires_at
        # (hour, day, scopes) -> [admitted, released]; scopes: the tuple of scopes the admissions counted in
        self._ledger: Dict[Tuple[int, int, Tuple[str, ...]], List[int]] = {}
        self._calls = 0

    # ---- the scripts' ABI

    def call(self, name: str, keys: Sequence[str], argv: Sequence[str]):
        if not keys or not keys[0]:
            raise ScriptError("ERR sniper: KEYS[1] must be the namespace (e.g. sniper_signals), got none")
        handler = {"acquire": self._acquire, "status": self._status, "release": self._release,
                   "credit": self._credit}.get(name)
        if handler is None:
            raise ValueError(f'no local v1 script "{name}"; expected acquire, status, release or credit')
        with self._lock:
            clock_now = self._clock()
            self._calls += 1
            if self._calls % 1024 == 0:
                self._drop_expired(clock_now)
            return handler(list(argv), clock_now)

    def _acquire(self, argv, clock_now):
        hcap = _count(_arg(argv, 0, "0"), "hourly_cap (ARGV[1])")
        dcap = _count(_arg(argv, 1, "0"), "daily_cap (ARGV[2])")
        mtf_required, mtf_confirmed = _arg(argv, 2, "0"), _arg(argv, 3, "0")
        if mtf_required not in ("0", "1"):
            raise ScriptError(f'ERR sniper: mtf_required (ARGV[3]) must be 0 or 1, got "{mtf_required}"')
        if mtf_confirmed not in ("0", "1"):
            raise ScriptError(f'ERR sniper: mtf_confirmed (ARGV[4]) must be 0 or 1, got "{mtf_confirmed}"')
        signal_id = _arg(argv, 4)
        if len(signal_id.encode()) > 256:
            raise ScriptError(f"ERR sniper: signal_id (ARGV[5]) must be at most 256 bytes, got {len(signal_id.encode())}")
        now = _time(_arg(argv, 5), "now_ms (ARGV[6])")
        window = _arg(argv, 6)
        if window not in ("", "fixed", "sliding"):
            raise ScriptError(f'ERR sniper: window (ARGV[7]) must be fixed or sliding, got "{window}"')
        deadline = _time(_arg(argv, 7), "deadline_ms (ARGV[8])")
        scopes, room_kept = _acquire_scopes(argv)
        if signal_id:
            stored = self._decision(signal_id, clock_now)
            if stored is not None:
                if room_kept:
                    return stored[0][:6] + [1, stored[3], "", "", 0]
                return stored[0][:6] + [1] + ([stored[3]] if scopes else [])
        now = clock_now if now is None else now
        if deadline is not None and now > deadline:
            raise ScriptError(f"ERR sniper: deadline_ms passed ({deadline}), the caller gave up; nothing counted")
        hour, day = now // HOUR_MS, now // DAY_MS
        sliding = window == "sliding"
        hour_count, hour_over = _estimate(self._hours, hour, now, HOUR_MS, sliding, clock_now)
        day_count, day_over = _estimate(self._days, day, now, DAY_MS, sliding, clock_now)
        # The room kept for runners not yet seen (@room), and how much of it blocked (when the cap itself had room).
        hour_room, day_room = room_kept or (0, 0)
        room = 0
        allowed, reason, retry, layer = 0, "OK", 0, ""
        if mtf_required == "1" and mtf_confirmed != "1":
            reason = "SNIPER_MTF_REQUIRED"
        elif hcap > 0 and hour_count + hour_over + 1 > hcap - hour_room:
            reason, retry, layer = "SNIPER_HOURLY_CAP", (hour + 1) * HOUR_MS - now, "fleet"
            room = hour_room if hour_count + hour_over + 1 <= hcap else 0
        elif dcap > 0 and day_count + day_over + 1 > dcap - day_room:
            reason, retry, layer = "SNIPER_DAILY_CAP", (day + 1) * DAY_MS - now, "fleet"
            room = day_room if day_count + day_over + 1 <= dcap else 0
        else:
            for scope, scope_hcap, scope_dcap in scopes:
                hours, days = self._scope_tables(scope)
                h, h_over = _estimate(hours, hour, now, HOUR_MS, sliding, clock_now)
                d, d_over = _estimate(days, day, now, DAY_MS, sliding, clock_now)
                if scope_hcap > 0 and h + h_over + 1 > scope_hcap:
                    reason, retry, layer = "SNIPER_HOURLY_CAP", (hour + 1) * HOUR_MS - now, scope
                    break
                if scope_dcap > 0 and d + d_over + 1 > scope_dcap:
                    reason, retry, layer = "SNIPER_DAILY_CAP", (day + 1) * DAY_MS - now, scope
                    break
            else:
                allowed = 1
                self._hours.add(hour, 1, clock_now)
                self._days.add(day, 1, clock_now)
                for scope, _, _ in scopes:
                    hours, days = self._scope_tables(scope)
                    hours.add(hour, 1, clock_now)
                    days.add(day, 1, clock_now)
                hour_count, day_count = hour_count + 1, day_count + 1
                self._tally(hour, day, tuple(s for s, _, _ in scopes))[0] += 1
        reply = [allowed, reason, hour_count, day_count, retry, now, 0]
        if signal_id:
            # As acquire.lua: admitted 48 h (release needs it), a cap's block until its bucket ends, MTF's 60 s.
            kept = MARK_TTL_MS if allowed else (MTF_BLOCK_TTL_MS if reason == "SNIPER_MTF_REQUIRED" else retry)
            self._decisions[signal_id] = [reply, False, clock_now + kept, layer, tuple(s for s, _, _ in scopes)]
        if room_kept:
            return list(reply) + [layer, "", "", room]
        return list(reply) + ([layer] if scopes else [])

    def _status(self, argv, clock_now):
        now = _time(_arg(argv, 0), "now_ms (ARGV[1])")
        if len(argv) - 1 > MAX_SCOPES:
            raise ScriptError(f"ERR sniper: at most 8 scopes, got {len(argv) - 1}")
        scopes = [_scope(argv[i], i + 1) for i in range(1, len(argv))]  # a read: values of one dimension may repeat
        now = clock_now if now is None else now
        hour, day = now // HOUR_MS, now // DAY_MS
        reply = [self._hours.count(hour, clock_now), self._days.count(day, clock_now),
                 self._hours.ttl(hour, clock_now), self._days.ttl(day, clock_now), now]
        for scope in scopes:
            hours, days = self._scopes.get(scope) or (_Table(0), _Table(0))
            reply += [hours.count(hour, clock_now), days.count(day, clock_now),
                      hours.ttl(hour, clock_now), days.ttl(day, clock_now)]
        return reply

    def _release(self, argv, clock_now):
        signal_id = _arg(argv, 0)
        if signal_id == "" or len(signal_id.encode()) > 256:
            raise ScriptError(f"ERR sniper: signal_id (ARGV[1]) must be 1..256 bytes, got {len(signal_id.encode())}")
        stored = self._decision(signal_id, clock_now)
        if stored is None:
            return [0, 0, 0]
        reply, scopes = stored[0], stored[4]
        hour, day = reply[5] // HOUR_MS, reply[5] // DAY_MS
        tables = [(self._hours, self._days)] + [self._scope_tables(scope) for scope in scopes]
        counts = [[hours.count(hour, clock_now), days.count(day, clock_now)] for hours, days in tables]
        if reply[0] != 1 or stored[1]:
            return [0] + counts[0]
        for (hours, days), layer_counts in zip(tables, counts):  # every layer the signal was counted in
            for i, table, number in ((0, hours, hour), (1, days, day)):
                if layer_counts[i] > 0:
                    layer_counts[i] = table.add(number, -1, clock_now)
        stored[1] = True
        self._tally(hour, day, scopes)[1] += 1
        return [1] + counts[0]

    def _credit(self, argv, clock_now):
        hour_s, day_s, n_s, batch_id = (_arg(argv, i) for i in range(4))
        if len(hour_s) > 12 or not _DIGITS.match(hour_s):
            raise ScriptError(f'ERR sniper: hour_bucket (ARGV[1]) must be a non-negative integer, got "{hour_s}"')
        if len(day_s) > 12 or not _DIGITS.match(day_s):
            raise ScriptError(f'ERR sniper: day_bucket (ARGV[2]) must be a non-negative integer, got "{day_s}"')
        n = _credit_n(n_s)
        if batch_id == "" or len(batch_id.encode()) > 256:
            raise ScriptError(f"ERR sniper: batch_id (ARGV[4]) must be 1..256 bytes, got {len(batch_id.encode())}")
        scopes = _scope_list(argv, 4)
        hour, day = int(hour_s), int(day_s)
        if _unexpired(self._credits, batch_id, clock_now, lambda expires_at: expires_at) is not None:
            return [0, self._hours.count(hour, clock_now), self._days.count(day, clock_now)]
        counts = [self._hours.count(hour, clock_now), self._days.count(day, clock_now)]
        if n > 0:
            counts = [self._hours.add(hour, n, clock_now), self._days.add(day, n, clock_now)]
            for scope in scopes:
                hours, days = self._scope_tables(scope)
                hours.add(hour, n, clock_now)
                days.add(day, n, clock_now)
        elif n < 0:  # a take-back: up to -n off each bucket that exists, never below 0
            tables = [(self._hours, self._days)] + [self._scope_tables(scope) for scope in scopes]
            for i, (hours, days) in enumerate(tables):
                for table, number in ((hours, hour), (days, day)):
                    current = table.count(number, clock_now)
                    if current > 0:
                        left = table.add(number, -min(current, -n), clock_now)
                        if i == 0:
                            counts[0 if table is hours else 1] = left
        self._credits[batch_id] = clock_now + MARK_TTL_MS
        return [1] + counts

    # ---- for the fallback layer

    def clear(self) -> None:
        """Forgets every bucket, decision, credit mark and tally (the drop-in's reset(), for tests)."""
        with self._lock:
            self._hours.entries.clear()
            self._days.entries.clear()
            self._scopes.clear()
            self._decisions.clear()
            self._credits.clear()
            self._ledger = {}

    def seed(self, hour: int, hour_count: int, day: int, day_count: int) -> None:
        """Raises the two buckets to at least these counts (the latest seen from Redis); not admissions."""
        with self._lock:
            clock_now = self._clock()
            for table, number, floor in ((self._hours, hour, hour_count), (self._days, day, day_count)):
                current = table.count(number, clock_now)
                if floor > current:
                    table.add(number, floor - current, clock_now)

    def stored_decision(self, signal_id: str):
        """The stored decision of that signal id as acquire's replay reply, or None (none, or no id); counts nothing."""
        if not signal_id:
            return None
        with self._lock:
            stored = self._decision(signal_id, self._clock())
            return None if stored is None else stored[0][:6] + [1]

    def drain_admissions(self) -> List[Tuple[int, int, int, int, Tuple[str, ...]]]:
        """(hour bucket, day bucket, admitted, released, scopes) since the previous drain, oldest first; scopes is
        the tuple of scopes those admissions were counted in (empty for the fleet's alone), for credit.lua."""
        with self._lock:
            drained = [(h, d, a, r, scopes) for (h, d, scopes), (a, r) in self._ledger.items()]
            self._ledger = {}
            return drained

    def _tally(self, hour: int, day: int, scopes: Tuple[str, ...] = ()) -> List[int]:
        return self._ledger.setdefault((hour, day, scopes), [0, 0])

    def _scope_tables(self, scope: str) -> Tuple[_Table, _Table]:
        tables = self._scopes.get(scope)
        if tables is None:
            tables = self._scopes[scope] = (_Table(2 * HOUR_MS), _Table(2 * DAY_MS))
        return tables

    def _decision(self, signal_id: str, clock_now: int):
        return _unexpired(self._decisions, signal_id, clock_now, lambda d: d[2])

    def _drop_expired(self, clock_now: int) -> None:
        self._hours.drop_expired(clock_now)
        self._days.drop_expired(clock_now)
        for scope, (hours, days) in list(self._scopes.items()):
            hours.drop_expired(clock_now)
            days.drop_expired(clock_now)
            if not hours.entries and not days.entries:
                del self._scopes[scope]
        for table in (self._decisions, self._credits):
            for key in [k for k, v in table.items() if clock_now > (v[2] if isinstance(v, list) else v)]:
                del table[key]
