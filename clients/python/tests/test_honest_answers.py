"""Fallback answers say what they are: a block by this guard's share (used up, or none yet) is SNIPER_FALLBACK_SHARE
with a detail, never a cap reason for a cap not reached, and counts are real (last seen from Redis plus local
admissions)."""

import socket
import time

import pytest

from helpers import ultra_settings
from sniper_client import SniperGuard, settings_from_dict
from sniper_client.counters import SniperCounters

# Counts one hour's admissions on the real clock: never across the hour's end.
pytestmark = pytest.mark.within_one_hour(seconds=60)


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def by_hand(server, hourly):
    """A guard whose heartbeat the test drives (never started) on a clock it moves by hand: (guard, [skew ms])."""
    settings = ultra_settings(server.port, hourly=hourly, daily=0)
    settings["redis"]["decision_timeout_ms"] = 300
    guard = SniperGuard(settings_from_dict(settings, {}), start=False)
    skew = [0]
    guard.clock._now_ms = lambda: int(time.time() * 1000) + skew[0]
    return guard, skew


def test_redis_down_from_the_start_blocks_by_the_share_never_by_a_cap_not_reached():
    # Reported: caps 3/10, asked every 0.2 s for 9 s: 36 x SNIPER_FALLBACK_DENY, then 9 x SNIPER_HOURLY_CAP with
    # get_current_counts() == {'hour': 3, 'day': 10} and 0 admitted.
    counters = SniperCounters(ultra_settings(unused_port(), hourly=3, daily=10))
    try:
        answers = []
        for _ in range(45):
            answers.append(counters.check_and_increment(3, 10))
            time.sleep(0.2)
        assert set(answers) == {"SNIPER_FALLBACK_SHARE"}, answers
        assert counters.get_current_counts() == {"hour": 0, "day": 0}
        d = counters.guard.acquire()
        assert (d.reason, d.backend, d.hour_count, d.day_count) == ("SNIPER_FALLBACK_SHARE", "local", 0, 0)
        assert d.detail.startswith("no share of the hourly cap: this guard has not reached Redis since it started (")
        assert d.retry_after_ms > 0
    finally:
        counters.close()


def test_redis_down_from_the_start_with_no_hourly_cap_names_the_daily_share():
    counters = SniperCounters(ultra_settings(unused_port(), hourly=0, daily=10))
    try:
        assert counters.check_and_increment(0, 10) == "SNIPER_FALLBACK_SHARE"
        assert counters.guard.acquire().detail.startswith("no share of the daily cap")
        assert counters.get_current_counts() == {"hour": 0, "day": 0}
    finally:
        counters.close()


def test_a_used_up_share_says_so_and_the_real_cap_says_the_cap(redis_server):
    guard, skew = by_hand(redis_server, hourly=4)
    try:
        guard._beat()  # alone in the fleet: share 4 recorded
        assert guard.acquire().backend == "redis"
        guard._beat()  # 1 counted: share 3 recorded
        redis_server.pause()
        try:
            assert not guard.acquire().allowed  # the gate: Redis may not hold this guard's share yet
            skew[0] += 5_000
            local = [guard.acquire() for _ in range(3)]
            assert [(d.allowed, d.backend, d.hour_count) for d in local] == [(True, "local", 2), (True, "local", 3),
                                                                                (True, "local", 4)]
            capped = guard.acquire()
            assert (capped.reason, capped.hour_count) == ("SNIPER_HOURLY_CAP", 4), "4 of 4: the cap itself"
            assert guard.status()["hour"] == 4, "1 seen from Redis + 3 local"
        finally:
            redis_server.resume()
    finally:
        guard.close()


def test_a_share_used_up_below_the_cap_is_the_share(redis_server):
    guard, skew = by_hand(redis_server, hourly=10)
    other, _ = by_hand(redis_server, hourly=10)
    try:
        other._beat()
        guard._beat()
        assert guard.acquire().backend == "redis"
        guard._beat()  # 2 guards, 1 counted: share floor(9 / 2) = 4
        assert guard.hour_budget() == 4
        redis_server.pause()
        try:
            assert not guard.acquire().allowed
            skew[0] += 5_000
            assert sum(guard.acquire().allowed for _ in range(4)) == 4
            d = guard.acquire()
            assert (d.allowed, d.reason, d.backend, d.hour_count) == (False, "SNIPER_FALLBACK_SHARE", "local", 5)
            assert d.detail == "this guard's share of the hourly cap (4) is used up while Redis is away (reconciling)"
        finally:
            redis_server.resume()
    finally:
        guard.close()
        other.close()
