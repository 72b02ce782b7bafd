import time

import pytest


def ultra_settings(port=None, hourly=2, daily=6, enabled=True, policy="local", namespace="sniper_signals", **fallback):
    """The dict ultra_signals passes, with fast breaker and heartbeat settings for tests."""
    fb = {"policy": policy, "heartbeat_interval_ms": 200, "heartbeat_ttl_ms": 1500, "open_wait_ms": 300,
          "minimum_calls": 1, "sliding_window_calls": 5, "permitted_calls_in_half_open": 1}
    fb.update(fallback)
    redis = {"enabled": port is not None, "host": "127.0.0.1", "port": port or 6379, "db": 0, "password": None,
             "timeout": 5, "namespace": namespace}
    return {"redis": redis, "runtime": {"sniper_mode": {"enabled": enabled, "mtf_confirm": False,
                                                       "max_signals_per_hour": hourly, "daily_signal_cap": daily,
                                                       "fallback": fb}},
            "features": {"other": "ignored"}}


def wait_for(condition, seconds=15, what="condition"):
    """Polls condition every 50 ms; fails the test naming what did not happen within seconds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")
