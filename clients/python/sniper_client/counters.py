"""The original ultra_signals module's API, as a drop-in: ``SniperCounters(settings)`` with
``check_and_increment``, ``get_current_counts`` and ``reset``, and the per-process ``get_sniper_counters`` /
``reset_sniper_counters``. Behind it is the guard, so the drop-in gets the atomic decision, the fallback,
reconciliation and metrics; ``redis.enabled: false`` counts in process by the same rules as Redis.

What it keeps from the original's public API: caps come with each call, and a cap at or below 0 means no cap;
``count >= cap`` blocks, so a fractional cap admits the next whole number (2.5 admits 3); the settings dict is
read only where the drop-in uses it (the ``redis`` section, and ``window``, ``enforcement`` and ``fallback`` of
``runtime.sniper_mode``), a key it does not know is one warning, never an exception; ``reset_sniper_counters()``
empties the namespace's hour and day counts in Redis. Nothing here raises into the runner or logs a traceback
per call: each kind of problem is logged once per instance."""

import logging
import math
import numbers
import os
import re
import threading
from decimal import Decimal
from typing import Dict, Mapping, Optional

from .guard import SniperGuard
from .settings import CAP_MAX, settings_from_dict

LOG = logging.getLogger("sniper_client")


class SniperCounters:
    def __init__(self, settings: Mapping, **guard_options):
        self._reported = set()
        self._report_lock = threading.Lock()
        self.guard = SniperGuard(settings_from_dict(settings, warn=self._warn_setting), **guard_options)
        self._window = self.guard.settings.sniper_mode.window

    def check_and_increment(self, max_per_hour, daily_cap) -> Optional[str]:
        """None when the signal is admitted and counted, else the reason: SNIPER_HOURLY_CAP or SNIPER_DAILY_CAP,
        SNIPER_FALLBACK_DENY when Redis cannot decide and the fallback may not admit, or SNIPER_FALLBACK_SHARE when
        this process's share of a cap is used up while Redis is away, or it has none (README, From Python).
        Never raises; a cap at or below 0, or that is not a number, is no cap; one above 10**9 is 10**9."""
        hourly = self._cap(max_per_hour, "max_per_hour")
        daily = self._cap(daily_cap, "daily_cap")
        d = self.guard._decide(True, hourly, daily, False, False, None, self._window)
        return None if d.allowed else d.reason

    def get_current_counts(self) -> Dict[str, int]:
        s = self.guard.status()
        return {"hour": int(s["hour"]), "day": int(s["day"])}

    def reset(self) -> None:
        """Deletes the namespace's hour and day buckets in Redis and clears the in-process counts (for tests).
        Redis trouble is one warning, never an exception."""
        guard = self.guard
        if guard.settings.redis.enabled:
            ns = re.sub(r"([*?\[\]\\])", r"\\\1", guard.settings.redis.effective_namespace)  # glob-escaped
            try:
                if not guard._connect():
                    raise ConnectionError("no Redis node answered")
                for window in ("hour", "day"):
                    keys = list(guard._client.scan_iter(match=f"{ns}:{window}:*", count=1000))
                    if keys:
                        guard._client.delete(*keys)
            except Exception as e:
                self._once(("reset", e.__class__.__name__), logging.WARNING,
                           "sniper: reset could not delete the Redis counts (%s); the in-process counts are cleared",
                           e.__class__.__name__)
        guard.local.clear()
        guard._blocks.invalidate(None)  # the deleted counts free every slot now, not when Redis's message arrives

    def close(self) -> None:
        self.guard.close()

    def _cap(self, value, name: str) -> int:
        """The original's rule in the scripts' terms: ``count >= cap`` blocks and a cap <= 0 is none, so a
        positive cap c admits ceil(c) signals. NaN and infinity never block there, so they are no cap here.
        Above 10**9 (the most the scripts take) it is 10**9, more than any fleet emits in a day."""
        if isinstance(value, str):
            text = value.strip()
            try:
                value = int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
                self._once(("text cap", name), logging.WARNING,
                           "sniper: %s was passed as text; read as the number %s", name, text)
            except ValueError:
                pass
        try:
            if isinstance(value, Decimal):  # not a numbers.Real; its NaN refuses comparison
                value = float(value)
            if isinstance(value, numbers.Real):
                if value != value or value <= 0 or value == math.inf:
                    return 0
                return min(math.ceil(value), CAP_MAX)
        except (ArithmeticError, ValueError, TypeError):
            pass  # a signalling NaN, or a number type that will not compare: not a usable number
        self._once(("not a number", name), logging.ERROR,
                   "sniper: %s must be a number (at or below 0: no cap), got %s; applying no %s cap",
                   name, "None" if value is None else type(value).__name__, "hourly" if name == "max_per_hour" else "daily")
        return 0

    def _warn_setting(self, line: str) -> None:
        self._once(("setting", line), logging.WARNING, "sniper: %s", line)

    def _once(self, kind, level, message, *args) -> None:
        with self._report_lock:
            if kind in self._reported:
                return
            self._reported.add(kind)
        LOG.log(level, message, *args)


_instance: Optional[SniperCounters] = None
_instance_pid = 0
_instance_lock = threading.Lock()


def get_sniper_counters(settings: Mapping) -> SniperCounters:
    """The process's one instance, built on the first call (later calls' settings are not looked at). A forked
    child gets its own: the parent's heartbeat thread does not exist there, and its guard id is the parent's."""
    global _instance, _instance_pid
    with _instance_lock:
        if _instance is None or _instance_pid != os.getpid():
            _instance, _instance_pid = SniperCounters(settings), os.getpid()
        return _instance


def reset_sniper_counters() -> None:
    """Empties the counts (the namespace's hour and day buckets in Redis, and the in-process ones) and forgets
    the process's instance, so the next call builds a new one. A forked child's inherited instance is only
    forgotten: the parent owns it."""
    global _instance
    with _instance_lock:
        if _instance is not None and _instance_pid == os.getpid():
            try:
                _instance.reset()
            finally:
                _instance.close()
        _instance = None
