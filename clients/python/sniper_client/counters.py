"""The original ultra_signals module's API, as a drop-in: ``SniperCounters(settings)`` with
``check_and_increment``, ``get_current_counts`` and ``reset``, and the per-process ``get_sniper_counters`` /
``reset_sniper_counters``. Behind it is the guard, so the drop-in gets the fallback, reconciliation and
metrics; ``redis.enabled: false`` counts in process with the same semantics."""

import os
import re
import threading
from typing import Dict, Mapping, Optional

from .guard import SniperGuard
from .settings import settings_from_dict


class SniperCounters:
    def __init__(self, settings: Mapping, **guard_options):
        self.guard = SniperGuard(settings_from_dict(settings), **guard_options)

    def check_and_increment(self, max_per_hour: int, daily_cap: int) -> Optional[str]:
        """None when the signal is admitted and counted, else the reason (SNIPER_HOURLY_CAP, SNIPER_DAILY_CAP,
        or SNIPER_FALLBACK_DENY / SNIPER_REDIS_DATA under the deny fallback). Never raises for Redis trouble."""
        d = self.guard._decide(True, int(max_per_hour), int(daily_cap), False, False, None)
        return None if d.allowed else d.reason

    def get_current_counts(self) -> Dict[str, int]:
        s = self.guard.status()
        return {"hour": int(s["hour"]), "day": int(s["day"])}

    def reset(self) -> None:
        """Deletes the namespace's bucket keys (for tests) and clears the local counters."""
        guard = self.guard
        if guard.settings.redis.enabled and guard._connect():
            ns = re.sub(r"([*?\[\]\\])", r"\\\1", guard.settings.redis.effective_namespace)  # glob-escaped
            try:
                for window in ("hour", "day"):
                    keys = list(guard._client.scan_iter(match=f"{ns}:{window}:*", count=1000))
                    if keys:
                        guard._client.delete(*keys)
            except Exception:
                pass  # reset is for tests; Redis trouble still never raises into a runner
        guard.local.clear()

    def close(self) -> None:
        self.guard.close()


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
    """Forgets the process's instance (closing it if this process made it), so the next call builds a new one."""
    global _instance
    with _instance_lock:
        if _instance is not None and _instance_pid == os.getpid():
            _instance.close()
        _instance = None
