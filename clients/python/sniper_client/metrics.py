"""Prometheus series through prometheus_client when it is installed: the seed's three counters
(sniper_hourly_cap_total, sniper_daily_cap_total, sniper_mtf_required_total) and the Java side's others
that apply (docs/metrics.md). Registered once per process and registry. A failure here never changes a
decision: every update is guarded, and a registration clash (a runner that defines the same names) turns
metrics off with one log line."""

import logging
import weakref

LOG = logging.getLogger("sniper_client")
LATENCY_BUCKETS = (0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
BACKENDS = ("redis", "local", "allow", "deny", "off")
ERROR_KINDS = ("timeout", "connection", "permission", "data", "other")
_BLOCKED_COUNTERS = {"SNIPER_HOURLY_CAP": "hourly", "SNIPER_DAILY_CAP": "daily", "SNIPER_MTF_REQUIRED": "mtf"}
_by_registry = weakref.WeakKeyDictionary()  # registry -> its SniperMetrics


def outcome_of(reason: str) -> str:
    if reason == "OK":
        return "allowed"
    return "blocked" if reason in _BLOCKED_COUNTERS or reason == "SNIPER_HALTED" else "error"


class SniperMetrics:
    """No-op when prometheus_client is missing or registration failed."""

    def __init__(self, registry=None):
        self.enabled = False
        try:
            import prometheus_client as p
        except ImportError:
            return
        registry = registry if registry is not None else p.REGISTRY
        known = _by_registry.get(registry)
        if known is not None:
            self.__dict__.update(known.__dict__)
            return
        try:
            kw = dict(registry=registry)
            self.hourly = p.Counter("sniper_hourly_cap", "Signals blocked by the hourly cap", **kw)
            self.daily = p.Counter("sniper_daily_cap", "Signals blocked by the daily cap", **kw)
            self.mtf = p.Counter("sniper_mtf_required", "Signals blocked for lack of MTF confirmation", **kw)
            self.share = p.Counter("sniper_fallback_share", "Signals the local fallback blocked because this guard's "
                                   "share of a cap was used up, or it had none, with the cap not reached", **kw)
            self.admitted = p.Counter("sniper_signals_admitted", "Signals the caps admitted", ["backend"], **kw)
            self.decisions = p.Counter("sniper_decisions", "Every decision", ["outcome", "reason", "backend"], **kw)
            self.latency = p.Histogram("sniper_decision_latency_seconds", "Time from acquire to decision",
                                       buckets=LATENCY_BUCKETS, **kw)
            self.window_count = p.Gauge("sniper_window_count", "The window's count as of the newest decision",
                                        ["window"], **kw)
            self.cap_limit = p.Gauge("sniper_cap_limit", "Configured cap; 0 = no cap", ["window"], **kw)
            self.fallback_active = p.Gauge("sniper_fallback_active", "1 while the fallback decides", **kw)
            self.fallback_budget = p.Gauge("sniper_fallback_budget", "This guard's share of the cap were Redis to go away",
                                           ["window"], **kw)
            self.fallback_held = p.Gauge("sniper_fallback_held", "What Redis held back for guards that may be "
                                         "deciding locally, at this guard's latest heartbeat", ["window"], **kw)
            self.clock_offset = p.Gauge("sniper_clock_offset_seconds", "Local clock minus Redis clock", **kw)
            self.script_reloads = p.Counter("sniper_script_reloads", "Scripts sent again after Redis lost them", **kw)
            self.reconciled = p.Counter("sniper_reconciled_admissions", "Local admissions credited to Redis", **kw)
            self.redis_errors = p.Counter("sniper_redis_errors", "Failed Redis calls", ["kind"], **kw)
            self.data_losses = p.Counter("sniper_redis_data_losses", "New Redis servers that held fewer admissions "
                                         "than this guard had seen acknowledged", **kw)
            self.restored = p.Counter("sniper_redis_restored_admissions", "Admissions a new Redis server had lost "
                                      "that this guard's heartbeat put back", ["window"], **kw)
            for window in ("hour", "day"):
                self.restored.labels(window=window)
            for kind in ERROR_KINDS:
                self.redis_errors.labels(kind=kind)
            for backend in BACKENDS:
                self.admitted.labels(backend=backend)
            self._children = {}
        except ValueError as e:  # "Duplicated timeseries": the runner registered these names itself
            LOG.warning("sniper: metrics off: %s", e)
            return
        self.enabled = True
        _by_registry[registry] = self

    def _guarded(update):
        def run(self, *args):
            if not self.enabled:
                return
            try:
                update(self, *args)
            except Exception:  # a metrics bug must not change a decision
                LOG.debug("sniper: metrics update failed", exc_info=True)
        return run

    def _child(self, metric, **labels):
        """Label children cached: prometheus_client's labels() costs more than the update on the decision path."""
        key = (metric._name, tuple(labels.values()))
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(**labels)
        return child

    @_guarded
    def decision(self, d, seconds: float, hourly_cap: int, daily_cap: int) -> None:
        self._child(self.decisions, outcome=outcome_of(d.reason), reason=d.reason, backend=d.backend).inc()
        self.latency.observe(seconds)
        if d.replayed:
            return  # a replay is one more decision, not another signal
        if d.reason == "OK" and d.backend != "off":
            self._child(self.admitted, backend=d.backend).inc()
        counter = _BLOCKED_COUNTERS.get(d.reason)
        if counter:
            getattr(self, counter).inc()
        elif d.reason == "SNIPER_FALLBACK_SHARE":
            self.share.inc()
        if d.backend in ("redis", "local"):
            self._child(self.window_count, window="hour").set(d.hour_count)
            self._child(self.window_count, window="day").set(d.day_count)
        self._child(self.cap_limit, window="hour").set(hourly_cap)
        self._child(self.cap_limit, window="day").set(daily_cap)

    @_guarded
    def fallback(self, active: bool) -> None:
        self.fallback_active.set(1 if active else 0)

    @_guarded
    def budget(self, hour_share: int, day_share: int) -> None:
        if hour_share >= 0:
            self.fallback_budget.labels(window="hour").set(hour_share)
        if day_share >= 0:
            self.fallback_budget.labels(window="day").set(day_share)

    @_guarded
    def held(self, hour: int, day: int, caps) -> None:
        if caps[0]:
            self.fallback_held.labels(window="hour").set(hour)
        if caps[1]:
            self.fallback_held.labels(window="day").set(day)

    @_guarded
    def offset(self, seconds: float) -> None:
        self.clock_offset.set(seconds)

    @_guarded
    def reload(self) -> None:
        self.script_reloads.inc()

    @_guarded
    def reconciled_admissions(self, n: int) -> None:
        self.reconciled.inc(n)

    @_guarded
    def data_loss(self) -> None:
        self.data_losses.inc()

    @_guarded
    def restored_admissions(self, hour: int, day: int) -> None:
        self.restored.labels(window="hour").inc(hour)
        self.restored.labels(window="day").inc(day)

    @_guarded
    def redis_error(self, kind: str) -> None:
        self.redis_errors.labels(kind=kind).inc()

    del _guarded
