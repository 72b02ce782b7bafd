"""A count-based circuit breaker in the shape of Resilience4j's (the Java guard's): the state in one place,
explicit transitions, an injected clock. CLOSED counts the latest calls; when at least ``minimum_calls`` are
in and the failure rate reaches the threshold it OPENs: no call is let through until ``open_wait_ms`` has
passed; then HALF_OPEN lets ``permitted_calls_in_half_open`` probes through, which close or reopen it."""

import threading
import time
from collections import deque
from typing import Callable

CLOSED, OPEN, HALF_OPEN = "CLOSED", "OPEN", "HALF_OPEN"


class CircuitBreaker:
    def __init__(self, failure_rate_threshold: float, minimum_calls: int, sliding_window_calls: int,
                 open_wait_ms: int, permitted_calls_in_half_open: int,
                 clock: Callable[[], float] = time.monotonic):
        self._threshold = failure_rate_threshold
        self._minimum = minimum_calls
        self._window = deque(maxlen=sliding_window_calls)
        self._open_wait_s = open_wait_ms / 1000.0
        self._probes = permitted_calls_in_half_open
        self._clock = clock
        self._lock = threading.Lock()
        self._state = CLOSED
        self._opened_at = 0.0
        self._probes_left = 0
        self._probe_results = []

    @property
    def state(self) -> str:
        with self._lock:
            self._maybe_half_open()
            return self._state

    def try_acquire(self) -> bool:
        """May a call go to Redis now? Never waits."""
        with self._lock:
            self._maybe_half_open()
            if self._state == CLOSED:
                return True
            if self._state == HALF_OPEN and self._probes_left > 0:
                self._probes_left -= 1
                return True
            return False

    def on_success(self) -> None:
        self._record(True)

    def on_error(self) -> None:
        self._record(False)

    def _record(self, ok: bool) -> None:
        with self._lock:
            if self._state == HALF_OPEN:
                self._probe_results.append(ok)
                if not ok:
                    self._transition(OPEN)
                elif len(self._probe_results) >= self._probes:
                    self._transition(CLOSED)
            elif self._state == CLOSED:
                self._window.append(ok)
                failures = self._window.count(False)
                if len(self._window) >= self._minimum and failures * 100.0 >= self._threshold * len(self._window):
                    self._transition(OPEN)
            # OPEN: a late answer of a call let through before opening changes nothing

    def _maybe_half_open(self) -> None:
        if self._state == OPEN and self._clock() - self._opened_at >= self._open_wait_s:
            self._transition(HALF_OPEN)

    def _transition(self, state: str) -> None:
        self._state = state
        if state == OPEN:
            self._opened_at = self._clock()
        elif state == HALF_OPEN:
            self._probes_left = self._probes
            self._probe_results = []
        else:
            self._window.clear()
