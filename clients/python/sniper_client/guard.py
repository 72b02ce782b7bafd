"""The guard, as the Java agent's DefaultSniperGuard: Redis decides while it answers within the decision
timeout; otherwise the fallback policy does, with no Redis wait at all while the breaker is open.

Paths of one decision: sniper mode off -> admitted, nothing counted (backend "off"); no Redis configured ->
the local engine with the full caps; breaker closed and nothing left to reconcile -> one EVALSHA of
acquire; otherwise, or when that call fails -> the policy: "local" (the local engine, limited to this
guard's share), "allow" or "deny". A daemon thread beats the heartbeat (fleet size and counts, for the
share), probes Redis while the breaker is open, and credits local admissions before decisions return.
Nothing raised by Redis trouble (or by a bug on the local path) reaches the caller."""

import logging
import os
import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass, replace
from typing import Mapping, Optional, Sequence, Tuple

import redis

from . import breaker as breakers
from .clock import ClockOffset, local_ms
from .connections import redis_client
from .fleet import DAY_MS, HOUR_MS, FallbackBudget, FleetView
from .admission_gate import LocalAdmissionGate
from .block_cache import NEVER, BlockCache, tracked_prefixes
from .invalidations import KeyInvalidations
from .local_engine import LocalEngine
from .lost_writes import ScopeCounts, ServerWatch, seen_argument
from .metrics import SniperMetrics
from .reconciler import Reconciler
from .scripts import ScriptCatalog, ScriptError, ScriptRunner
from .settings import SniperSettings

LOG = logging.getLogger("sniper_client")

OK = "OK"
FALLBACK_DENY = "SNIPER_FALLBACK_DENY"
# The local fallback blocked because this guard's share of a cap is used up (or it has none): the cap is not reached.
FALLBACK_SHARE = "SNIPER_FALLBACK_SHARE"
HOURLY_CAP = "SNIPER_HOURLY_CAP"
DAILY_CAP = "SNIPER_DAILY_CAP"
REDIS_DATA = "SNIPER_REDIS_DATA"
HALTED = "SNIPER_HALTED"


def runner_name(configured: Optional[str] = None) -> str:
    """The runner as the audit stream names it: the setting runtime.sniper_mode.audit.runner, else SNIPER_RUNNER,
    else host/pid-program (lua/README.md)."""
    named = (configured or "").strip() or os.environ.get("SNIPER_RUNNER", "").strip()
    if named:
        return named[:256]
    program = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "python"
    return f"{socket.gethostname()}/{os.getpid()}-{program}"[:256]
DEADLINE_PASSED = "ERR sniper: deadline_ms passed"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    hour_count: int
    day_count: int
    retry_after_ms: int
    backend: str  # redis, cache (a cap block from memory), local, allow, deny, off
    replayed: bool
    server_time_ms: int = 0
    shadow: bool = False
    detail: Optional[str] = None  # why the fallback decided (never secrets, never signal ids)
    layer: Optional[str] = None  # what blocked it: "fleet" or a scope ("symbol=BTCUSDT"); None when no layer did


@dataclass(frozen=True)
class Release:
    released: bool
    hour_count: int
    day_count: int
    backend: str
    queued: bool  # Redis is away: release.lua runs once it is back


# Not every redis-py 4.x has all three.
_PERMISSION_ERRORS = tuple(getattr(redis.exceptions, name) for name in
                           ("AuthenticationError", "NoPermissionError", "AuthorizationError")
                           if hasattr(redis.exceptions, name))


def error_kind(e: BaseException) -> str:
    if isinstance(e, ScriptError):
        return "data"
    if isinstance(e, _PERMISSION_ERRORS):
        return "permission"
    if isinstance(e, (redis.exceptions.TimeoutError, socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(e, (redis.exceptions.ConnectionError, ConnectionError, OSError)):
        return "connection"
    if isinstance(e, redis.exceptions.ResponseError) and str(e).startswith(("NOPERM", "WRONGPASS", "NOAUTH")):
        return "permission"
    return "other"


def may_have_run(e: BaseException) -> bool:
    """Sent, but no answer: a timeout or a connection lost while reading (not one that never connected)."""
    kind = error_kind(e)
    text = str(e)
    return kind in ("timeout", "connection") and "connecting to" not in text and "Timeout connecting" not in text


class SniperGuard:
    """One per process, shared by all threads (redis-py's pool is thread-safe)."""

    def __init__(self, settings: SniperSettings, *, catalog: Optional[ScriptCatalog] = None, metrics_registry=None,
                 guard_id: Optional[str] = None, start: bool = True):
        self.settings = settings
        self._mode = settings.sniper_mode
        self._fallback = settings.sniper_mode.fallback
        self._shadow = self._mode.enforcement == "shadow"
        self._namespace = settings.redis.effective_namespace
        self.guard_id = guard_id or f"py-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._metrics = SniperMetrics(metrics_registry)
        self.clock = ClockOffset()
        self._fleet = FleetView()
        self._redis_enabled = settings.redis.enabled
        if self._redis_enabled:
            self._catalog = catalog or ScriptCatalog.load()
        self._budget = FallbackBudget(self._fleet, self._redis_enabled and self._catalog.heartbeat_records_shares,
                                      self._fallback.fleet_size)
        # The caps the latest decision enforced: the heartbeat records this guard's share of them.
        self._caps = (self._mode.max_signals_per_hour, self._mode.daily_signal_cap)
        self._holding = False
        # The fleet's control as last seen in Redis: a local decision obeys the halt and the policy's caps.
        self._halt: Optional[str] = None
        self._policy: Optional[Tuple[int, int, int, dict]] = None
        self._warned_version = -1
        audit = settings.sniper_mode.audit
        # The audit's bounds: <max_entries>, with :<max_age_ms> when there is an age bound.
        bound = str(audit.max_entries) + (f":{audit.max_age_hours * 3_600_000}" if audit.max_age_hours else "")
        self._who = ["@who=" + self.guard_id, runner_name(audit.runner), bound]
        self._gate = LocalAdmissionGate(self._fallback.heartbeat_ttl_ms + 2 * self._fallback.heartbeat_interval_ms
                                        + settings.redis.decision_timeout_ms)
        self.local = LocalEngine(self.clock.redis_now if self._redis_enabled else local_ms)
        self._reconciler = Reconciler(self.local, self.guard_id, self._who)
        # Cap blocks Redis answered, answered again from memory while they hold (block_cache.py).
        self._blocks = BlockCache.for_policy(self._mode.window, self._redis_enabled, self._namespace)
        self._invalidations: Optional[KeyInvalidations] = None
        self._backend_lock = threading.Lock()
        self.backend = "redis" if self._redis_enabled else "local"
        self._settled_yet = False  # the first settled decision not made by Redis says Redis was unreachable at start
        self._stop = threading.Event()
        self._first_beat = threading.Event()
        self._thread = None
        self._client = None
        self._runner = None
        self._last_epoch = 0
        self._last_beat = None
        self._servers = ServerWatch(self._metrics)
        self._scope_counts = ScopeCounts()  # the scopes decided today, named by each heartbeat (lost_writes.py)
        # Set while the heartbeat returns this guard to Redis (its last credit and its "redis" beat).
        self._returning: Optional[threading.Event] = None
        # Fallback decisions under way; a return waits for none to be before its credit (_fallback_entered).
        self._fallback_lock = threading.Condition()
        self._fallback_decisions = 0
        if self._redis_enabled:
            self.breaker = breakers.CircuitBreaker(
                self._fallback.failure_rate_threshold, self._fallback.minimum_calls, self._fallback.sliding_window_calls,
                self._fallback.open_wait_ms, self._fallback.permitted_calls_in_half_open)
            self._connect()
            if start:
                self.start()
        else:
            self.breaker = None

    # ---- lifecycle

    def start(self) -> "SniperGuard":
        """Starts the heartbeat and waits for its first beat at most redis.timeout (decisions fall back until then)."""
        if self._redis_enabled and self._thread is None:
            self._track_invalidations()
            self._thread = threading.Thread(target=self._beat_loop, name="sniper-heartbeat", daemon=True)
            self._thread.start()
            self._first_beat.wait(self.settings.redis.timeout_s)
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._leave()
        if self._invalidations is not None:
            self._invalidations.close()
        try:
            if self._client is not None:
                self._client.close()
        except Exception:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _connect(self) -> bool:
        if self._runner is not None:
            return True
        try:
            self._client = redis_client(self.settings.redis)
        except Exception as e:  # Cluster reads its slot map here; the heartbeat tries again
            LOG.debug("sniper: cannot build the Redis client yet: %s", e.__class__.__name__)
            return False
        self._runner = ScriptRunner(self._client, self._catalog, on_reload=lambda name: self._metrics.reload())
        return True

    def _track_invalidations(self) -> None:
        """Hears Redis's invalidations of the keys that may free a slot (invalidations.py), so that a cached block
        ends as soon as a slot frees up anywhere in the fleet. Cluster (no connection pool to one server) relies on
        the heartbeat instead."""
        pool = getattr(self._client, "connection_pool", None)
        if not self._blocks.enabled or pool is None or self._invalidations is not None:
            return
        self._invalidations = KeyInvalidations(lambda: pool.connection_class(**pool.connection_kwargs),
                                               tracked_prefixes(self._namespace), self._blocks).start()

    def cached_blocks(self) -> int:
        """Cap blocks held in memory now (a layer each)."""
        return self._blocks.size()

    def invalidations_live(self) -> bool:
        """True while the invalidation connection has tracking on."""
        return self._invalidations is not None and self._invalidations.live()

    def _cached_decision(self, reason, hour, day, retry_ms, now, layer) -> Decision:
        return Decision(self._shadow, reason, hour, day, retry_ms, "cache", False, now, self._shadow, None, layer)

    def _call(self, name, argv):
        if self._runner is None and not self._connect():
            raise redis.exceptions.ConnectionError("Redis client not built yet (no node answered)")
        return self._runner.call(name, [self._namespace], argv)

    # ---- decisions

    def acquire(self, signal_id: Optional[str] = None, mtf_confirmed: bool = False,
                scopes: Optional[Mapping[str, str]] = None) -> Decision:
        """Decides one signal (counted if admitted) with the configured caps and MTF policy; ``scopes`` (dimension ->
        value, e.g. {"symbol": "BTCUSDT"}) are the layers besides the fleet it counts in, capped as settings say."""
        triples = self._mode.scope_caps(scopes or {})
        return self._decide(self._mode.enabled, self._mode.max_signals_per_hour, self._mode.daily_signal_cap,
                            self._mode.mtf_confirm, mtf_confirmed, signal_id, self._mode.window, triples)

    def _decide(self, enabled: bool, hourly_cap: int, daily_cap: int, mtf_required: bool, mtf_confirmed: bool,
                signal_id: Optional[str], window: str = "fixed", scopes: Sequence[Tuple[str, int, int]] = ()) -> Decision:
        start = time.perf_counter()
        try:
            decision = self._route(enabled, hourly_cap, daily_cap, mtf_required, mtf_confirmed, signal_id, window,
                                   scopes)
        except Exception as bug:  # every path returns normally by design; should one not, the runner still gets an answer
            LOG.error("sniper: decision failed unexpectedly; blocking this signal", exc_info=True)
            decision = Decision(self._shadow, FALLBACK_DENY, 0, 0, 0, "deny", False, local_ms(), self._shadow,
                                "guard error: " + bug.__class__.__name__)
        return self._finish(decision, start, hourly_cap, daily_cap)

    def _route(self, enabled, hourly_cap, daily_cap, mtf_required, mtf_confirmed, signal_id, window, scopes=()):
        if not enabled:
            return Decision(True, OK, 0, 0, 0, "off", False, local_ms(), self._shadow)
        self._caps = (hourly_cap, daily_cap)
        argv = [str(hourly_cap), str(daily_cap), "1" if mtf_required else "0", "1" if mtf_confirmed else "0",
                signal_id or "", "", window]
        if scopes:  # ARGV[8] (the deadline, set when sent to Redis), then the scopes in threes
            argv += [""] + [str(a) for triple in scopes for a in triple]
        if not self._redis_enabled:
            return self._local_decision(argv, None, hourly_cap, daily_cap, seed=False)
        remembered = self._blocks.answer(argv, self.clock.redis_now, self._cached_decision)
        if remembered is not None:
            # A cap block Redis answered still holds: blocked from memory, whether Redis is up or not.
            return replace(remembered, allowed=self._shadow, shadow=self._shadow) if self._shadow else remembered
        while True:
            returning = self._returning
            if returning is not None:
                # The heartbeat is crediting the outage's last local admissions: a decision sent to Redis now would
                # be blocked against this guard's own held share. Every call of that round is bounded by the socket
                # timeout, and the round ends the wait however it ends.
                returning.wait()
            if not self._reconciler.caught_up:
                decision = self._fallback_entered(argv, "reconciling", hourly_cap, daily_cap)
            elif not self.breaker.try_acquire():
                decision = self._fallback_entered(argv, "circuit open", hourly_cap, daily_cap)
            else:
                decision = self._decide_on_redis(argv, signal_id, hourly_cap, daily_cap)
            if decision is not None:
                return decision
            # A return to Redis began before this fallback decision could enter: decided afresh after it.

    def _decide_on_redis(self, argv, signal_id, hourly_cap, daily_cap) -> Optional[Decision]:
        if len(argv) > 8:
            self._scope_counts.decided(argv[8::3], self.clock.redis_now())  # the heartbeat reads them
        # The script refuses to count after the moment this call stops waiting, in Redis time.
        sent = local_ms()
        generation = self._blocks.generation()
        # The room kept for runners of the stated fleet not yet seen: acquire takes it off the caps that apply.
        unseen = self._budget.unseen_runners()
        room = self._budget.room_kept(hourly_cap, daily_cap)
        try:
            reply = self._acquire_on_redis(argv, room)
        except Exception as e:
            return self._fallback_entered(argv, self._failed(e), hourly_cap, daily_cap, failed=e, signal_id=signal_id)
        self.breaker.on_success()
        if len(reply) >= 10 and not reply[6]:
            self._halt = reply[9] or None
        if not reply[6]:
            self.clock.observe(sent, local_ms(), reply[5])  # a replay carries its original time, not now
            self._fleet.observe_counts(reply[5], reply[2], reply[3])
        detail = None
        if len(reply) == 11 and reply[10] > 0:
            # The cap itself had room: what blocked is the room kept, and the answer says so.
            detail = (f"the {'daily' if reply[1] == DAILY_CAP else 'hourly'} cap less the room kept ({reply[10]}) for "
                      f"{unseen} runners of the stated fleet not yet seen on Redis (fleet_size)")
        elif argv[6] != "sliding" and not reply[6]:
            detail = self._held_back(reply, hourly_cap, daily_cap)
        decision = self._from_reply(reply, "redis", detail)
        # A block below the cap (the room kept for runners not yet seen, shares held back for guards cut off) is never
        # kept: Redis answers it each time, with what held it.
        self._blocks.learn(argv, decision, NEVER if room or detail else generation)
        return decision

    def _held_back(self, reply, hourly_cap: int, daily_cap: int) -> Optional[str]:
        """A fleet cap block (fixed window) below the cap it was decided by (the settings', or the stored policy's
        version the reply names, when seen): the rest is held back for guards that may be admitting locally, cut off
        from Redis (heartbeat.lua's held shares). None otherwise, or when the cap is not known."""
        if reply[1] not in (HOURLY_CAP, DAILY_CAP) or len(reply) < 10 or reply[7] not in ("", "fleet"):
            return None
        if reply[8] == "":
            caps = (hourly_cap, daily_cap)
        elif self._policy is not None and str(self._policy[0]) == reply[8]:
            caps = (self._policy[1], self._policy[2])
        else:
            return None
        hourly = reply[1] == HOURLY_CAP
        cap, count = (caps[0], reply[2]) if hourly else (caps[1], reply[3])
        if cap <= 0 or count + 1 > cap:
            return None
        return (f"the {'hourly' if hourly else 'daily'} cap ({cap}) with {count} counted: the rest is held back for "
                "guards that may be admitting locally, cut off from Redis")

    def _fallback_entered(self, argv, cause, hourly_cap, daily_cap, failed=None, signal_id=None) -> Optional[Decision]:
        """The fallback decides, counted as under way so that a return to Redis waits for it before its credit
        (_return_to_redis): the one place that orders local decisions and the return. None when a return is under
        way: the caller decides afresh once it has ended (no local admission after the return's credit)."""
        with self._fallback_lock:
            if self._returning is not None:
                return None
            self._fallback_decisions += 1
        try:
            decision = self._fallback_decision(argv, cause, hourly_cap, daily_cap)
            # Redis does not hold this id's decision: never answer it from memory.
            self._blocks.decided_elsewhere(argv[4], decision.server_time_ms)
            if failed is not None and signal_id and decision.backend == "local" and may_have_run(failed):
                self._reconciler.record_ambiguous(signal_id, decision.server_time_ms, decision.reason == OK,
                                                  tuple(argv[8::3]))  # the scopes' names (argv's triples)
            return decision
        finally:
            with self._fallback_lock:
                self._fallback_decisions -= 1
                if self._fallback_decisions == 0:
                    self._fallback_lock.notify_all()

    def _acquire_on_redis(self, argv, room=()):
        try:
            return self._call("acquire", self._with_deadline(argv, room))
        except ScriptError as e:
            if not str(e).startswith(DEADLINE_PASSED):
                raise
            # It reached Redis after its deadline yet the reply is here: this process was held up between taking
            # the time and sending (a loaded machine), not Redis. The script wrote nothing: try once more.
            return self._call("acquire", self._with_deadline(argv, room))

    def _with_deadline(self, argv, room=()):
        """argv with ARGV[8], the deadline (before the scopes, if any), this guard's identity for the audit, and the
        room to keep for runners not yet seen (the @room triple), if any."""
        return (argv[:7] + [self.clock.deadline(self.settings.redis.decision_timeout_ms)] + argv[8:] + self._who
                + list(room))

    def release(self, signal_id: str) -> Release:
        """Gives an admitted signal's slot back (once); never raises for Redis trouble."""
        if not signal_id:
            raise ValueError("release needs the signal id the signal was acquired with")
        try:
            return self._release(signal_id)
        except Exception:
            LOG.error("sniper: release failed unexpectedly", exc_info=True)
            return Release(False, 0, 0, "local", False)

    def _release(self, signal_id):
        if not self._redis_enabled:
            r = self.local.call("release", ["local"], [signal_id])
            return Release(r[0] == 1, r[1], r[2], "local", False)
        if not self._reconciler.caught_up or not self.breaker.try_acquire():
            return self._release_locally(signal_id)
        try:
            reply = self._call("release", [signal_id] + self._who)
        except Exception as e:
            self._failed(e)
            return self._release_locally(signal_id)
        self.breaker.on_success()
        if reply[0] == 1:
            # This guard's own release frees a slot now: its next signal must not wait for Redis's invalidation.
            self._blocks.invalidate(None)
        if reply[0] != 1:
            # Admitted locally during an outage and credited since: only the local engine knows it.
            mine = self.local.call("release", ["local"], [signal_id])
            if mine[0] == 1:
                self._reconciler.mark_dirty()
                return Release(True, reply[1], reply[2], "local", False)
        return Release(reply[0] == 1, reply[1], reply[2], "redis", False)

    def _release_locally(self, signal_id):
        r = self.local.call("release", ["local"], [signal_id])
        if r[0] == 1:
            self._reconciler.mark_dirty()
            return Release(True, r[1], r[2], "local", False)
        self._reconciler.queue_release(signal_id)
        return Release(False, r[1], r[2], "local", True)

    def status(self) -> dict:
        """Counts (from Redis when it decides, else the latest seen from Redis plus local admissions), caps, backend, breaker, fleet, pending credits."""
        counts = None
        if self._redis_enabled and self.backend == "redis":
            try:
                s = self._call("status", [])
                counts = {"hour": s[0], "day": s[1], "hour_ttl_ms": s[2], "day_ttl_ms": s[3]}
            except Exception:
                counts = None
        if counts is None:
            # Redis away: the real counts as far as this guard knows them (last seen from Redis plus local admissions).
            if self._redis_enabled:
                hour, day = self._budget.real_counts(self.local, self.clock.redis_now())
            else:
                hour, day = self.local.call("status", ["local"], [])[:2]
            counts = {"hour": hour, "day": day, "hour_ttl_ms": -1, "day_ttl_ms": -1}
        counts.update(hourly_cap=self._mode.max_signals_per_hour, daily_cap=self._mode.daily_signal_cap,
                      backend=self.backend, breaker=self.breaker.state if self.breaker else "NONE",
                      clock_offset_ms=self.clock.offset_ms, live_guards=self._fleet.live_guards,
                      pending_credits=self._reconciler.pending_admissions())
        return counts

    def reconciled(self) -> bool:
        """True when nothing made locally waits to be written to Redis."""
        return not self._reconciler.has_pending()

    @property
    def live_guards(self) -> int:
        return self._fleet.live_guards

    def hour_budget(self) -> int:
        """This guard's share of the hourly cap were Redis to go away now (-1: no hourly cap); no Redis call."""
        return self._budget.share("hour", self.clock.redis_now(), self._caps_in_force()[0], self._caps[0])

    def day_budget(self) -> int:
        return self._budget.share("day", self.clock.redis_now(), self._caps_in_force()[1], self._caps[1])

    def _caps_in_force(self) -> Tuple[int, int]:
        """The fleet's caps as last seen: the stored policy's, else the settings'."""
        policy = self._policy
        return (policy[1], policy[2]) if policy is not None else self._caps

    def local_admissions_open(self) -> bool:
        """Whether the local fallback may admit now. Under the recovery rule only during an outage and once Redis
        must hold this guard's share (LocalAdmissionGate); under the earlier v1 rule whenever it decides."""
        return not self._budget.recovery_rule or self._gate.may_admit(self.clock.redis_now())

    def held(self, window: str) -> int:
        """What Redis held back at the latest heartbeat for guards that may be deciding locally; no Redis call."""
        return self._fleet.held(window, self.clock.redis_now() // (HOUR_MS if window == "hour" else DAY_MS))

    # ---- helpers

    def _failed(self, e: BaseException) -> str:
        """Records a failed Redis call with the breaker and the metrics; returns the cause for the decision."""
        kind = error_kind(e)
        self._metrics.redis_error(kind)
        if kind == "data":
            # Redis answered: wrong data is not an outage, so it must not open the breaker.
            self.breaker.on_success()
            return str(e)
        self.breaker.on_error()
        self._reconciler.outage_began()
        self._gate.redis_failed()
        if kind == "other":
            text = f"{e.__class__.__name__}: {e}"
            return "other: " + text[:160]
        return kind

    def _fallback_decision(self, argv, cause, hourly_cap, daily_cap) -> Decision:
        policy = self._fallback.policy
        now = self.clock.redis_now()
        if self._halt is not None:
            # The last halt this guard saw holds until Redis says otherwise.
            return Decision(self._shadow, HALTED, 0, 0, 0, "local", False, now, self._shadow, self._halt)
        argv = self._under_policy(argv)
        hourly_cap, daily_cap = int(argv[0]), int(argv[1])  # the stored policy's, when one was seen
        if policy == "allow":
            return Decision(True, OK, 0, 0, 0, "allow", False, now, self._shadow, cause)
        if policy == "deny":
            data = cause is not None and cause.startswith("ERR sniper:")
            return Decision(self._shadow, REDIS_DATA if data else FALLBACK_DENY, 0, 0, 0, "deny", False, now,
                            self._shadow, cause)
        capped = next((argv[i] for i in range(8, len(argv), 3) if argv[i + 1] != "0" or argv[i + 2] != "0"), None)
        if capped is not None:
            # No guard holds a share of a scope's cap: a capped scope admits on Redis only (docs/layered-caps.md).
            hour, day = self._budget.real_counts(self.local, now)
            return Decision(self._shadow, FALLBACK_DENY, hour, day, 0, "local", False, now, self._shadow,
                            f"scope {capped} is capped: decided on Redis only" + (f" ({cause})" if cause else ""), capped)
        if self._budget.never_shared():
            # Nothing to wait for: without a share the local engine admits nothing, and says so.
            return self._local_decision(argv, cause, hourly_cap, daily_cap, seed=True)
        if not self.local_admissions_open():
            # Redis answered since the last failure (catching up), or may not hold this guard's share yet.
            hour, day = self._budget.real_counts(self.local, now)
            return Decision(self._shadow, FALLBACK_DENY, hour, day, 0, "local", False, now, self._shadow,
                            "local admissions wait until Redis holds this guard's share back"
                            + (f" ({cause})" if cause else ""))
        return self._local_decision(argv, cause, hourly_cap, daily_cap, seed=True)

    def _local_decision(self, argv, cause, hourly_cap, daily_cap, seed: bool) -> Decision:
        try:
            if not seed:
                return self._from_reply(self.local.call("acquire", ["local"], argv), "local", cause)
            return self._within_share(argv, cause, hourly_cap, daily_cap)
        except Exception as e:  # a bug on the local path fails closed, and says so
            LOG.error("sniper: local decision failed; blocking this signal", exc_info=True)
            return Decision(self._shadow, FALLBACK_DENY, 0, 0, 0, "deny", False, local_ms(), self._shadow,
                            "local engine error: " + e.__class__.__name__)

    def _within_share(self, argv, cause, hourly_cap, daily_cap) -> Decision:
        """The local engine decides within this guard's share; a block by the share below the cap says so."""
        now = self.clock.redis_now()
        limits = self._budget.prepare(self.local, now, hourly_cap, daily_cap, self._caps)
        mtf_blocks = argv[2] == "1" and argv[3] != "1"
        if limits.admits_nothing() and not mtf_blocks:
            # A limit of 0 is no cap to the engine: block here, unless the signal was decided before.
            reply = self.local.stored_decision(argv[4])
            if reply is None:
                hour_count, day_count = self._budget.real_counts(self.local, now)
                hour = limits.hour_share >= 0 and limits.hour == 0
                window_ms = HOUR_MS if hour else DAY_MS
                return Decision(self._shadow, FALLBACK_SHARE, hour_count, day_count, (now // window_ms + 1) * window_ms - now,
                                "local", False, now, self._shadow, self._share_detail(hour, limits, cause))
        else:
            reply = self.local.call("acquire", ["local"], [str(limits.hour), str(limits.day)] + argv[2:])
        if reply[0] == 1 and not reply[6]:
            self._reconciler.mark_dirty()
        hour = reply[1] == HOURLY_CAP
        if (hour and reply[2] < hourly_cap) or (reply[1] == DAILY_CAP and reply[3] < daily_cap):
            # Blocked at the local limit with the cap itself not reached: the share is used up.
            return Decision(self._shadow, FALLBACK_SHARE, reply[2], reply[3], reply[4], "local", reply[6] == 1, reply[5],
                            self._shadow, self._share_detail(hour, limits, cause))
        return self._from_reply(reply, "local", cause)

    def _under_policy(self, argv):
        """argv with the caps of the policy last seen (the fleet's; each scope's value, else dimension, else none)."""
        if self._policy is None:
            return argv
        _, hourly, daily, layers = self._policy
        argv = [str(hourly), str(daily)] + argv[2:]
        for i in range(8, len(argv), 3):
            caps = layers.get(argv[i]) or layers.get(argv[i].split("=", 1)[0]) or (0, 0)
            argv[i + 1], argv[i + 2] = str(caps[0]), str(caps[1])
        return argv

    def halt_seen(self) -> Optional[str]:
        """The fleet's halt as this guard last saw it (None: not halted)."""
        return self._halt

    def policy_version_seen(self) -> int:
        """The stored policy's version as last seen, -1 when none is stored (the settings' caps apply)."""
        return -1 if self._policy is None else self._policy[0]

    @staticmethod
    def _share_detail(hour: bool, limits, cause) -> str:
        window = "hourly" if hour else "daily"
        share = limits.hour_share if hour else limits.day_share
        if limits.has_record:
            why = f"this guard's share of the {window} cap ({share}) is used up while Redis is away"
        elif share > 0:
            why = f"this guard's share of the {window} cap for a start without Redis ({share}, the cap / fleet_size) is used up"
        else:
            why = f"no share of the {window} cap: this guard has not reached Redis since it started"
        return why + (f" ({cause})" if cause else "")

    def _from_reply(self, r, backend, detail) -> Decision:
        if r[1] == HALTED:
            detail = r[9] if len(r) > 9 and r[9] else "halted"
        layer = r[7] if len(r) > 7 and r[7] else None
        if layer is None and r[1] in ("SNIPER_HOURLY_CAP", "SNIPER_DAILY_CAP"):
            layer = "fleet"  # a reply without scopes: the fleet is the only layer
        return Decision(r[0] == 1 or self._shadow, r[1], r[2], r[3], r[4], backend, r[6] == 1, r[5], self._shadow, detail,
                        layer)

    def _finish(self, decision: Decision, start: float, hourly_cap: int, daily_cap: int) -> Decision:
        now = decision.backend
        # Back on Redis only once the breaker has closed: while half-open, probe and fallback decisions
        # interleave, and that must not log a line per decision.
        settled = now not in ("off", "cache") and (now != "redis" or self.breaker is None or self.breaker.state == breakers.CLOSED)
        if settled:
            with self._backend_lock:
                previous, self.backend = self.backend, now
                first, self._settled_yet = not self._settled_yet, True
            if previous != now:
                if now == "redis":
                    self._budget.end_episode()
                cause = f"; cause: {decision.detail}" if decision.detail else ""
                # Leaving Redis is worth a warning; coming back is news.
                level = logging.INFO if now == "redis" or not self._redis_enabled else logging.WARNING
                if first and self._redis_enabled:
                    LOG.log(level, "sniper: Redis unreachable at start; deciding with %s (%s%s)", now, self._start_note(),
                            cause)
                else:
                    LOG.log(level, "sniper: decisions now made by %s (were %s%s)", now, previous, cause)
                self._metrics.fallback(self._redis_enabled and now != "redis")
        self._metrics.decision(decision, time.perf_counter() - start, hourly_cap, daily_cap)
        return decision

    def _start_note(self) -> str:
        """What a guard that has not reached Redis since it started does meanwhile (for the log line)."""
        if self._fallback.policy == "allow":
            return "admitting every signal uncounted until it reaches Redis"
        if self._fallback.policy == "deny":
            return "blocking every signal until it reaches Redis"
        n = self._fallback.fleet_size
        if not n:
            return "admitting nothing until it reaches Redis: no share of the caps (fleet_size not stated)"
        return f"up to floor(cap / {n}) per window until it reaches Redis (fleet_size {n})"

    # ---- heartbeat (background thread only)

    def _beat_loop(self):
        while not self._stop.is_set():
            self._beat()
            self._first_beat.set()
            self._stop.wait(self._fallback.heartbeat_interval_ms / 1000.0)

    def _caught_up(self) -> bool:
        return self._reconciler.caught_up and not self._reconciler.has_pending()

    def _beat(self):
        """Register and read the fleet, restore counts Redis lost, then reconcile. The heartbeat goes first so
        that a lost-data check compares what this guard saw with what Redis holds before its credits; and a
        guard that may hold local admissions says so ("local") before it credits, so that Redis holds back
        every guard's share until each has credited (lua/README.md, "Recovery"). Once everything is credited
        it beats again as "redis", which releases its own share."""
        if not self.breaker.try_acquire():
            return
        try:
            if not self._last_epoch:
                # Not heard from Redis since start, so not in its reckoning: guards on Redis keep room for this one
                # (fleet_size) and Redis holds nothing for it. Ask without registering first (a "redis" beat that
                # failed would keep the local-admission gate shut), then return: credit, and register with "redis".
                self._call("status", [])
                credited = self._return_to_redis()
            else:
                credited = self._beat_registered()
            if credited:
                LOG.info("sniper: credited %d local admissions to Redis", credited)
                self._metrics.reconciled_admissions(credited)
            self.breaker.on_success()
            # Answered: the cached blocks hold only if the invalidation stream is proven current right after it.
            inv = self._invalidations
            self._blocks.heartbeat_answered(inv is not None and inv.answers(self.settings.redis.decision_timeout_ms / 1000.0))
            self._metrics.budget(self.hour_budget(), self.day_budget())
        except Exception as e:
            try:
                self._failed(e)
            except Exception:
                LOG.warning("sniper: heartbeat failed unexpectedly", exc_info=True)

    def _beat_registered(self) -> int:
        """A round of a guard Redis has heard from: "redis" on Redis, else "local" and the return. The credits."""
        # Books open: this guard may hold local admissions, and says so before it credits them.
        on_redis = self._reconciler.caught_up
        hb = self._heartbeat("redis" if on_redis else "local")
        self._last_epoch, self._last_beat = hb[4], hb
        self._observe(hb)
        if not on_redis:
            return self._return_to_redis()
        # Books complete: no local admission is pending (_fallback_entered orders every one before a return's
        # credit); only releases asked for while the breaker let no call through may wait.
        credited = self._reconciler.replay_releases(self._call)
        self._budget.end_episode()
        return credited

    def _return_to_redis(self) -> int:
        """Ends an outage's books: decisions stop entering the fallback (they wait; none is sent to Redis while it
        still holds this guard's share), the fallback decisions under way are waited for, everything local is
        credited, and Redis hears "redis", which releases that share: no local admission is credited after that
        beat. A failure on the way leaves the books open (the next round tries again) and ends the wait all the
        same; so does a Redis call failing during the return (a new outage)."""
        returning = threading.Event()
        outages = self._reconciler.outages
        with self._fallback_lock:
            self._returning = returning
            while self._fallback_decisions:
                self._fallback_lock.wait()
        try:
            credited = self._reconciler.flush(self._call)
            hb = self._heartbeat("redis")
            if not self._last_epoch:
                self._last_epoch, self._last_beat = hb[4], hb
            self._observe(hb)
            if self._reconciler.books_completed(outages):
                # Books complete: a later outage starts from the share recorded now, not the old episode's.
                self._budget.end_episode()
            return credited
        except Exception:
            self._reconciler.outage_began()
            raise
        finally:
            self._returning = None
            returning.set()

    def _heartbeat(self, state: str):
        hourly_cap, daily_cap = self._caps
        sent = local_ms()
        # Like acquire's: the script refuses to run after this call stops waiting, in Redis time, so a "redis"
        # sent before an outage and run late cannot release this guard after it has fallen back.
        deadline = self.clock.deadline(self.settings.redis.decision_timeout_ms)
        if state == "redis":
            self._gate.sending_redis_beat(self.clock.redis_now())
        # What this guard saw, for the heartbeat to put back what a new server lost (lost_writes.py).
        sliding_beat = self._last_beat if self._mode.window == "sliding" else None
        seen = "" if not self._servers.replied or (self._mode.window == "sliding" and sliding_beat is None) else \
            seen_argument(self._fleet, self._reconciler, self.settings.redis.decision_timeout_ms, sliding_beat)
        # "1": the reply also carries the stored policy and the halt, which local decisions obey.
        # The scopes decided today, with the counts of each the latest heartbeat naming it read (ScopeCounts).
        # With a stated fleet size, the shares recorded leave room for the runners not yet seen (FallbackBudget), off
        # whichever caps apply: a stored policy's too.
        scopes = self._scope_counts.arguments(self.clock.redis_now(), self._reconciler,
                                              self.settings.redis.decision_timeout_ms)
        hb = self._call("heartbeat", [self.guard_id, str(self._fallback.heartbeat_ttl_ms), "", str(hourly_cap),
                                      str(daily_cap), state, deadline, "1", seen] + scopes
                        + self._budget.heartbeat_room(hourly_cap, daily_cap))
        if state == "local":
            self._gate.local_beat_applied()
        self._servers.notice(hb, len(scopes))
        if scopes:
            self._scope_counts.observe(hb, scopes)
        self.clock.observe(sent, local_ms(), hb[3])
        self._metrics.offset(self.clock.offset_ms / 1000.0)
        return hb

    def _observe(self, hb) -> None:
        """Takes in a heartbeat reply; says once when Redis starts and stops holding back for guards that may be local."""
        self._fleet.observe_beat(hb)
        if len(hb) >= 14:
            self._observe_control(hb[11], hb[12])
        if len(hb) < 11:
            return
        self._metrics.held(hb[9], hb[10], self._caps)
        holding = hb[9] > 0 or hb[10] > 0
        if holding != self._holding:
            self._holding = holding
            if holding:
                LOG.info("sniper: Redis holds back %d (hour) / %d (day) admissions for guards that may be deciding "
                         "locally, until they have credited (%d guards in the fleet)", hb[9], hb[10], hb[0])
            else:
                LOG.info("sniper: Redis holds nothing back any more: every guard's local admissions are in its books")

    def _observe_control(self, record: str, halt: str) -> None:
        self._halt = halt or None
        if not record:
            self._policy = None
            return
        f = record.split("|")
        layers = {f[i]: (int(f[i + 1]), int(f[i + 2])) for i in range(3, len(f) - 2, 3)}
        self._policy = (int(f[0]), int(f[1]), int(f[2]), layers)
        mine = (self._mode.max_signals_per_hour, self._mode.daily_signal_cap)
        if (int(f[1]), int(f[2])) != mine and self._warned_version != int(f[0]):
            self._warned_version = int(f[0])
            LOG.warning("sniper: the fleet policy stored in Redis (version %s: %s per hour, %s per day) differs from "
                        "this runner's settings (%s per hour, %s per day); the stored policy applies",
                        f[0], f[1], f[2], mine[0], mine[1])

    def _leave(self) -> None:
        """Stopping, caught up: leave the fleet's reckoning, so that Redis holds nothing back for this guard."""
        if not self._redis_enabled or not self._caught_up() or self._runner is None:
            return
        try:
            self._heartbeat("leave")
        except Exception:  # harmless: the guard then stays in the reckoning until its buckets end
            LOG.debug("sniper: leaving the fleet failed", exc_info=True)
