"""Cap blocks from memory, by the Java agent's rules (guard/BlockCache.java; docs/design/cached-blocks.md).

Once Redis has answered "blocked by the hourly (or daily) cap of layer L until T", a signal that would be decided by
L is answered the same here, without a round trip, until T, or until something may have freed a slot of L: then the
entry is dropped and the next signal asks Redis again. An entry only ever blocks; what admits is always Redis (or the
fallback while Redis is away).

What drops entries (invalidate):
- a write to one of the layer's bucket keys anywhere in the fleet (a release, a restore, a credit), as Redis reports
  it (invalidate_key, fed by invalidations.KeyInvalidations); a write to <ns>:held, <ns>:policy or <ns>:halt, or a
  flush, drops every entry;
- tracking going on or off (tracking_changed): writes may have gone, or will go, unseen;
- a heartbeat Redis answered while the invalidation connection did not answer a PING right after it
  (heartbeat_answered): the bound when that connection is down, refused, off or silent.
While Redis is away nothing drops entries except their end: no slot can be freed on Redis while nobody can reach it.

Tracking is on only while it is wanted (wanted(): an entry held, or a block Redis answered while it was off), since
an invalidation per write would cost Redis a message per admitted decision. A block is kept only while tracking is
on, or where it is not to be had (tracking_lost(): Cluster, refused, the connection down), bounded then by the
heartbeat; while tracking is merely off, blocks go to Redis until it is on (one check of the connection).

The cache is the invalidation connection's listener itself (invalidated, tracking_changed, tracking_lost, wanted).

A reply can race an invalidation (they come on two connections): generation() is read before the call is sent and
learn() keeps the block only if no invalidation of its layer (or of every layer) came since. A write to another layer
(an open signal's admission beside a capped scope) does not spoil it.

Signal ids keep their meaning at this guard: an id answered from memory, or blocked by a cap on Redis, gets the same
decision back (replayed) until T, as Redis would; an id this guard saw decided otherwise (admitted, MTF, by the
fallback) is never answered from memory. Both records are bounded (MAX_IDS); when full, signals with an id go to
Redis. A block answers only signals under the caps it was answered under (the guard's caps are fixed, but the
drop-in's check_and_increment passes caps per call). Not cached: MTF blocks, sliding windows, replays, anything not a cap. Times are Redis time in ms, given by the
caller (no clock inside)."""

import threading
from dataclasses import replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

FLEET = "fleet"
# A generation no reply was sent under: learn() keeps no block, only what an id's decision was.
NEVER = -1
# Entries end this long before T: the local estimate of Redis time may be a little ahead or behind.
EARLY_MS = 50
# Layers whose last drop is remembered; beyond, a drop of one counts as a drop of all (for replies in flight).
MAX_DROPPED_LAYERS = 10_000
# At most this many ids remembered (blocked, and decided elsewhere); beyond, ids go to Redis.
MAX_IDS = 50_000
# How long an admitted id's stored decision lives in Redis (<ns>:op:<id>: 172800 s).
ADMITTED_ID_MS = 172_800_000

CAP_REASONS = ("SNIPER_HOURLY_CAP", "SNIPER_DAILY_CAP")


def layers_of(argv: Sequence[str]) -> List[str]:
    """The layers a signal with these acquire arguments is decided by, in the script's order: the fleet, then its
    scopes (ARGV[9], [12], ... name them)."""
    return [FLEET] + list(argv[8::3])


def caps_of(argv: Sequence[str], layer: str) -> Tuple[str, str]:
    """The hourly and daily cap these acquire arguments give ``layer``."""
    if layer == FLEET:
        return argv[0], argv[1]
    for i in range(8, len(argv) - 2, 3):
        if argv[i] == layer:
            return argv[i + 1], argv[i + 2]
    return "", ""


def tracked_prefixes(namespace: str) -> List[str]:
    """The key prefixes whose writes may free a slot: what the invalidation connection tracks."""
    return [f"{namespace}:{suffix}" for suffix in ("hour:", "day:", "scope:", "held", "policy", "halt")]


class BlockCache:
    def __init__(self, enabled: bool, namespace: str):
        """enabled: False never answers (sliding windows, no Redis)."""
        self.enabled = enabled
        self._namespace = namespace
        self._lock = threading.Lock()
        # layer -> (reason, hour count, day count, until, the layer's caps it was answered under)
        self._blocks: Dict[str, Tuple[str, int, int, int, Tuple[str, str]]] = {}
        # id -> (its decision, None when it must go to Redis; until when the memory holds)
        self._ids: Dict[str, Tuple[Optional[object], int]] = {}
        self._last_prune = 0
        self._generation = 0
        # The generation of the latest drop of every entry, and of each layer's since.
        self._all_dropped_at = 0
        self._layer_dropped_at: Dict[str, int] = {}
        # "on", "off" or "heartbeat" (no tracking to be had: kept under the heartbeat's bound); heartbeat only until an
        # invalidation connection says otherwise (none in a Cluster).
        self._tracking = "heartbeat"
        self._block_unkept = False

    @staticmethod
    def for_policy(window: str, redis: bool, namespace: str) -> "BlockCache":
        return BlockCache(redis and window == "fixed", namespace)

    def answer(self, argv: Sequence[str], now: Union[int, Callable[[], int]], make_decision):
        """The block Redis would answer for these acquire arguments now, from memory; None to ask Redis.
        ``now`` is Redis time in ms, or a function giving it (read only when an entry or an id may apply);
        ``make_decision(reason, hour, day, retry_ms, now, layer)`` builds the caller's decision (backend "cache")."""
        if not self.enabled or (not self._blocks and (not argv[4] or not self._ids)):
            return None
        if argv[2] == "1" and argv[3] != "1":
            return None  # Redis answers MTF first; an MTF block is not a cap's
        clock = now if callable(now) else (lambda: now)
        signal_id = argv[4] or None
        t = None
        if signal_id is not None:
            remembered = self._ids.get(signal_id)
            if remembered is not None:
                t = clock()
                if t < remembered[1]:
                    d = remembered[0]
                    return None if d is None else replace(d, backend="cache", replayed=True)
        for layer in layers_of(argv):
            block = self._blocks.get(layer)
            if block is None:
                continue
            if t is None:
                t = clock()
            reason, hour, day, until, caps = block
            if caps != caps_of(argv, layer):
                continue  # other caps (the drop-in passes them per call): Redis decides, and may answer otherwise
            if t >= until:
                with self._lock:
                    if self._blocks.get(layer) is block:
                        del self._blocks[layer]
                continue
            d = make_decision(reason, hour, day, until + EARLY_MS - t, t, layer)
            if signal_id is not None and not self._remember(signal_id, (d, until), t):
                return None  # too many ids to remember: Redis keeps this one
            return d
        return None

    def generation(self) -> int:
        """Read before a call goes to Redis; passed back to learn()."""
        return self._generation

    def learn(self, argv: Sequence[str], d, sent_at_generation: int) -> None:
        """Takes in what Redis (or, for ids, the fallback) decided for ``argv``. A cap block sent under
        ``sent_at_generation`` becomes an entry if no invalidation came since."""
        if not self.enabled:
            return
        cap_block = d.backend == "redis" and not d.replayed and d.retry_after_ms > 0 and d.reason in CAP_REASONS
        signal_id = argv[4] or None
        until = d.server_time_ms + d.retry_after_ms - EARLY_MS
        if signal_id is not None and not d.replayed:
            # Redis stores a cap block until T and replays it: so does this guard. Anything else goes to Redis again.
            self._remember(signal_id, (d, until) if cap_block else (None, d.server_time_ms + ADMITTED_ID_MS),
                           d.server_time_ms)
        if not cap_block or until <= d.server_time_ms:
            return
        layer = d.layer or FLEET
        with self._lock:
            if self._tracking == "off":
                self._block_unkept = True  # asked for: tracking comes on at the connection's next check
            elif sent_at_generation >= max(self._all_dropped_at, self._layer_dropped_at.get(layer, 0)):
                old = self._blocks.get(layer)
                caps = caps_of(argv, layer)
                if old is None or until >= old[3] or old[4] != caps:
                    self._blocks[layer] = (d.reason, d.hour_count, d.day_count, until, caps)

    def decided_elsewhere(self, signal_id: Optional[str], now: int) -> None:
        """An id this guard decided without Redis's stored decision (the fallback): never answered from memory."""
        if self.enabled and signal_id:
            self._remember(signal_id, (None, now + ADMITTED_ID_MS), now)

    def invalidate(self, layer: Optional[str]) -> None:
        """Drops the entries of ``layer`` (None: every entry); replies sent before are not kept."""
        with self._lock:
            self._generation += 1
            if layer is None or len(self._layer_dropped_at) >= MAX_DROPPED_LAYERS:
                self._all_dropped_at = self._generation
                self._layer_dropped_at.clear()
            if layer is None:
                self._blocks.clear()
            else:
                self._layer_dropped_at[layer] = self._generation
                self._blocks.pop(layer, None)

    def invalidate_key(self, key: Optional[str]) -> None:
        """Redis says ``key`` changed (None: the database was flushed): drops what it may free."""
        self.invalidate(None if key is None else self.layer_of_key(key))

    def layer_of_key(self, key: str) -> Optional[str]:
        """The layer whose slots a write to ``key`` may free; None for every layer (held, policy, halt, other)."""
        p = self._namespace + ":"
        if key.startswith((p + "hour:", p + "day:")):
            return FLEET
        if key.startswith(p + "scope:"):
            # <ns>:scope:<dimension>=<value>:hour:<bucket>; a value may hold ':', so cut from the end.
            bucket = key.rfind(":")
            window = key.rfind(":", 0, bucket) if bucket > 0 else -1
            start = len(p + "scope:")
            if window > start:
                return key[start:window]
        return None

    def invalidated(self, key: Optional[str]) -> None:
        self.invalidate_key(key)

    def tracking_changed(self, on: bool) -> None:
        """Tracking went on (writes before may have gone unseen) or off (writes from now go unseen): every entry goes,
        and blocks are kept from now only if it is on."""
        with self._lock:
            self._tracking = "on" if on else "off"
        self.invalidate(None)

    def tracking_lost(self) -> None:
        """No tracking to be had for now (refused, the connection down or not yet made): entries stay, since Redis may
        be away and then nothing can free a slot, and blocks are kept under the heartbeat's bound until it is on."""
        with self._lock:
            self._tracking = "heartbeat"

    def wanted(self) -> bool:
        """True while an entry is held, or Redis answered a block since the last ask while tracking was off."""
        with self._lock:
            unkept, self._block_unkept = self._block_unkept, False
        return bool(self._blocks) or unkept

    def heartbeat_answered(self, tracking_proven: bool) -> None:
        """Redis answered a heartbeat; ``tracking_proven``: the invalidation connection then answered a PING, so every
        invalidation of a write before it has arrived (one ordered stream). Otherwise one may have been missed: every
        entry goes. This is the bound without tracking: one heartbeat interval."""
        if not tracking_proven:
            self.invalidate(None)

    def size(self) -> int:
        return len(self._blocks)

    def _remember(self, signal_id: str, remembered, now: int) -> bool:
        """True if the id is remembered (or was already); False when full even after dropping expired ids."""
        with self._lock:
            if len(self._ids) >= MAX_IDS:
                # Full: drop what has expired, at most once a second (a full scan per signal would cost more than Redis).
                if now - self._last_prune >= 1000 or now < self._last_prune:
                    self._last_prune = now
                    self._ids = {k: v for k, v in self._ids.items() if v[1] > now}
                if len(self._ids) >= MAX_IDS:
                    return signal_id in self._ids
            self._ids[signal_id] = remembered
            return True
