"""The return to Redis and a local decision in flight, interleaved by hand (as the Java ReturnOrderingTest): the
decision has passed the backend check and the local-admission gate and is held just before the local engine
admits it, while the heartbeat runs the return. The return must wait for it and credit it before its "redis"
beat (which releases this guard's share); a decision arriving meanwhile waits and goes to Redis. Before, the
return credited, beat and ended first, and the admission was credited a round later, after Redis had stopped
holding this guard's share."""

import threading
import time

import pytest

from helpers import ultra_settings
from sniper_client import SniperGuard, settings_from_dict
from sniper_client.clock import local_ms

# Counts one hour's admissions on the real clock: never across the hour's end.
pytestmark = pytest.mark.within_one_hour(seconds=60)


def test_the_return_credits_the_local_decision_in_flight_before_its_redis_beat(redis_server):
    settings = ultra_settings(redis_server.port, hourly=10, daily=0)
    settings["redis"]["decision_timeout_ms"] = 300
    guard = SniperGuard(settings_from_dict(settings, {}), start=False)  # the heartbeat is driven by hand
    skew = [0]
    guard.clock._now_ms = lambda: local_ms() + skew[0]  # the hand-moved clock
    release = threading.Event()
    try:
        guard._beat()  # registered: share 10 recorded
        assert guard.acquire().backend == "redis"
        assert guard.acquire().backend == "redis"

        redis_server.pause()
        try:
            assert not guard.acquire().allowed, "the gate: Redis may not hold this guard's share yet"
            skew[0] += 5_000  # past the gate's wait (ttl 1500 + 2 x 200 + 300 ms)
            time.sleep(0.5)  # the timed-out call's deadline passes while Redis is stopped: it counts nothing
        finally:
            redis_server.resume()

        # D: books open, so the fallback decides; the gate is open; held just before the local engine admits it.
        holding = threading.Event()
        engine_call = guard.local.call

        def held_call(name, keys, argv):
            if name == "acquire" and threading.current_thread().name == "decision-in-flight":
                holding.set()
                assert release.wait(30)
            return engine_call(name, keys, argv)

        guard.local.call = held_call
        in_flight = []
        d = threading.Thread(target=lambda: in_flight.append(guard.acquire()), name="decision-in-flight")
        d.start()
        assert holding.wait(10), "the decision reached the local engine"

        b = threading.Thread(target=guard._beat, name="return")
        b.start()
        while guard._returning is None and b.is_alive():
            b.join(0.001)
        after_switch = []
        e = threading.Thread(target=lambda: after_switch.append(guard.acquire()), name="after-the-switch")
        e.start()
        b.join(0.5)
        assert b.is_alive(), "the return waits for the local decision in flight"
        assert not after_switch, "a decision arriving during the return waits for it"

        release.set()
        for t in (b, d, e):
            t.join(10)
        assert in_flight[0].allowed and in_flight[0].backend == "local"
        assert after_switch[0].allowed and after_switch[0].backend == "redis", "decided after the switch: by Redis"
        assert guard.status()["pending_credits"] == 0, "credited by the return itself"
        assert guard.reconciled()
        assert guard.status()["hour"] == 4, "Redis books every admission: 2 + 1 local + 1"
    finally:
        release.set()
        guard.close()
