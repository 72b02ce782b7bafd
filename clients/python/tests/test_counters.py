"""The original module's API as a drop-in, on a real Redis and in process."""

import logging
import os
import threading

import pytest

from helpers import ultra_settings
from sniper_client import SniperCounters, get_sniper_counters, reset_sniper_counters
import sniper_client

# Counts one hour's admissions on the real clock: never across the hour's end.
pytestmark = pytest.mark.within_one_hour(seconds=60)


def test_check_and_increment_admits_up_to_each_cap_and_counts_only_admissions(redis_server):
    counters = SniperCounters(ultra_settings(redis_server.port))
    try:
        assert [counters.check_and_increment(2, 6) for _ in range(3)] == [None, None, "SNIPER_HOURLY_CAP"]
        assert counters.get_current_counts() == {"hour": 2, "day": 2}
        # the seed's keys, the seed's bucket numbers, TTL twice the window
        client = redis_server.client()
        hour_keys = client.keys("sniper_signals:hour:*")
        assert len(hour_keys) == 1 and int(client.get(hour_keys[0])) == 2
        assert 7_140_000 < client.pttl(hour_keys[0]) <= 7_200_000
        assert counters.check_and_increment(5, 3) is None
        assert counters.check_and_increment(5, 3) == "SNIPER_DAILY_CAP"
        assert counters.get_current_counts() == {"hour": 3, "day": 3}
        client.set("sniper_signals:day:19000", 3)  # an older bucket goes too; other keys stay
        client.set("other:day:1", 1)
        counters.reset()
        assert counters.get_current_counts() == {"hour": 0, "day": 0}
        assert client.keys("sniper_signals:hour:*") == [] and client.keys("sniper_signals:day:*") == []
        assert client.get("other:day:1") == b"1"
    finally:
        counters.close()


def test_in_process_counting_when_redis_is_disabled():
    counters = SniperCounters(ultra_settings(None))
    assert counters.guard.backend == "local"
    assert [counters.check_and_increment(1, 6) for _ in range(2)] == [None, "SNIPER_HOURLY_CAP"]
    assert counters.get_current_counts() == {"hour": 1, "day": 1}
    counters.reset()
    assert counters.get_current_counts() == {"hour": 0, "day": 0}


def test_one_instance_per_process():
    reset_sniper_counters()
    try:
        first = get_sniper_counters(ultra_settings(None))
        assert get_sniper_counters(ultra_settings(None)) is first
        reset_sniper_counters()
        assert get_sniper_counters(ultra_settings(None)) is not first
    finally:
        reset_sniper_counters()


def test_a_forked_child_gets_its_own_instance_with_its_own_heartbeat(redis_server):
    reset_sniper_counters()
    try:
        parent = get_sniper_counters(ultra_settings(redis_server.port))
        parent.check_and_increment(5, 6)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: report its instance's guard id and whether a heartbeat registered it
            try:
                child = get_sniper_counters(ultra_settings(redis_server.port))
                ok = child is not parent and child.guard.guard_id != parent.guard.guard_id
                ok = ok and child.check_and_increment(5, 6) is None and child.guard.live_guards == 2
                os.write(write, b"1" if ok else b"0")
            finally:
                os._exit(0)
        os.close(write)
        answer = os.read(read, 1)
        os.waitpid(pid, 0)
        assert answer == b"1"
        assert get_sniper_counters(ultra_settings(redis_server.port)) is parent
        assert parent.get_current_counts()["hour"] == 2
    finally:
        reset_sniper_counters()


def test_the_migration_is_one_import_line():
    assert {"SniperCounters", "get_sniper_counters", "reset_sniper_counters"} <= set(sniper_client.__all__)


def test_threads_of_one_process_share_the_cap_exactly(redis_server):
    counters = SniperCounters(ultra_settings(redis_server.port))
    results = []
    lock = threading.Lock()

    def runner():
        for _ in range(10):
            r = counters.check_and_increment(0, 25)
            with lock:
                results.append(r)

    threads = [threading.Thread(target=runner) for _ in range(8)]
    try:
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert results.count(None) == 25 and results.count("SNIPER_DAILY_CAP") == 55
        assert counters.get_current_counts()["day"] == 25
        assert counters.guard.backend == "redis"
    finally:
        counters.close()


def test_acquire_and_release_for_new_code(redis_server):
    settings = ultra_settings(redis_server.port, hourly=1)
    settings["runtime"]["sniper_mode"]["mtf_confirm"] = True
    counters = SniperCounters(settings)
    guard = counters.guard
    try:
        blocked = guard.acquire("s0", mtf_confirmed=False)
        assert (blocked.allowed, blocked.reason, blocked.backend) == (False, "SNIPER_MTF_REQUIRED", "redis")
        first = guard.acquire("s1", mtf_confirmed=True)
        assert (first.allowed, first.reason, first.hour_count, first.replayed) == (True, "OK", 1, False)
        again = guard.acquire("s1", mtf_confirmed=True)
        assert (again.allowed, again.replayed) == (True, True)
        second = guard.acquire("s2", mtf_confirmed=True)
        assert (second.allowed, second.reason) == (False, "SNIPER_HOURLY_CAP") and 0 < second.retry_after_ms <= 3_600_000
        released = guard.release("s1")
        assert (released.released, released.hour_count, released.backend) == (True, 0, "redis")
        assert guard.release("s1").released is False
        assert guard.acquire("s3", mtf_confirmed=True).allowed
    finally:
        counters.close()


def test_sniper_mode_off_admits_without_counting(redis_server):
    counters = SniperCounters(ultra_settings(redis_server.port, enabled=False))
    try:
        d = counters.guard.acquire("x")
        assert (d.allowed, d.backend) == (True, "off")
        assert counters.get_current_counts() == {"hour": 0, "day": 0}
    finally:
        counters.close()


def test_shadow_mode_counts_and_reports_but_never_blocks(redis_server):
    settings = ultra_settings(redis_server.port, hourly=1)
    settings["runtime"]["sniper_mode"]["enforcement"] = "shadow"
    counters = SniperCounters(settings)
    try:
        d1, d2 = counters.guard.acquire(), counters.guard.acquire()
        assert (d1.allowed, d1.reason) == (True, "OK") and (d2.allowed, d2.reason, d2.shadow) == (True, "SNIPER_HOURLY_CAP", True)
        assert counters.get_current_counts()["hour"] == 1
    finally:
        counters.close()


def test_the_seed_metric_names_are_exported(redis_server):
    try:
        import prometheus_client
    except ImportError:
        from conftest import missing
        missing("prometheus_client (python3-prometheus-client)")
    registry = prometheus_client.CollectorRegistry()
    settings = ultra_settings(redis_server.port, hourly=1, daily=2)
    settings["runtime"]["sniper_mode"]["mtf_confirm"] = True
    counters = SniperCounters(settings, metrics_registry=registry)
    try:
        g = counters.guard
        g.acquire(mtf_confirmed=False)
        g.acquire(mtf_confirmed=True)
        g.acquire(mtf_confirmed=True)
        counters.check_and_increment(5, 1)
        value = registry.get_sample_value
        assert value("sniper_mtf_required_total") == 1
        assert value("sniper_hourly_cap_total") == 1
        assert value("sniper_daily_cap_total") == 1
        assert value("sniper_signals_admitted_total", {"backend": "redis"}) == 1
        assert value("sniper_decisions_total", {"outcome": "blocked", "reason": "SNIPER_HOURLY_CAP", "backend": "redis"}) == 1
        assert value("sniper_decision_latency_seconds_count") == 4
        assert value("sniper_window_count", {"window": "day"}) == 1
        assert value("sniper_redis_errors_total", {"kind": "timeout"}) == 0
    finally:
        counters.close()


def test_a_runner_that_registered_the_seed_names_itself_keeps_deciding(redis_server, caplog):
    try:
        import prometheus_client
    except ImportError:
        from conftest import missing
        missing("prometheus_client (python3-prometheus-client)")
    registry = prometheus_client.CollectorRegistry()
    prometheus_client.Counter("sniper_hourly_cap", "the runner's own", registry=registry)
    with caplog.at_level(logging.WARNING, logger="sniper_client"):
        counters = SniperCounters(ultra_settings(redis_server.port), metrics_registry=registry)
    try:
        assert counters.check_and_increment(2, 6) is None
        assert any("metrics off" in r.getMessage() for r in caplog.records)
    finally:
        counters.close()
