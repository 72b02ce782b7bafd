"""The drop-in keeps the original module's public API where that API was right: caps per call (at or below 0:
none, any size, fractions as ``count >= cap`` reads them), reset_sniper_counters() empties Redis too, settings
read only where used, no traceback per call. Real redis-server processes throughout."""

import logging
import math
import time
from decimal import Decimal
from fractions import Fraction

import pytest

from helpers import ultra_settings
from redis_process import RedisProcess, free_port
from sniper_client import (SettingsError, SniperCounters, get_sniper_counters, guard_from_file, reset_sniper_counters,
                           settings_from_dict)

# Counts one hour's admissions on the real clock: never across the hour's end.
pytestmark = pytest.mark.within_one_hour(seconds=60)

BACKENDS = ["redis", "memory"]


def patient(settings):
    """These tests are about caps, not timeouts: a loaded machine must not send a decision to the fallback."""
    settings["redis"]["decision_timeout_ms"] = 2000
    return settings


@pytest.fixture
def counters_on(redis_binary):
    """SniperCounters on a fresh redis-server ("redis") or counting in process ("memory")."""
    made, servers = [], []

    def build(backend, **settings):
        port = None
        if backend == "redis":
            servers.append(RedisProcess(redis_binary).start())
            port = servers[-1].port
        window = settings.pop("window", None)
        built = patient(ultra_settings(port, **settings))
        if window:
            built["runtime"]["sniper_mode"]["window"] = window
        made.append(SniperCounters(built))
        return made[-1]

    yield build
    for counters in made:
        counters.close()
    for server in servers:
        server.stop()


def admitted(counters, hourly, daily, times):
    return [counters.check_and_increment(hourly, daily) for _ in range(times)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("hourly, daily", [(0, 0), (-1, -1), (-5, 0), (0, -10 ** 12)])
def test_a_cap_at_or_below_zero_is_no_cap(counters_on, backend, hourly, daily, caplog):
    counters = counters_on(backend)
    with caplog.at_level(logging.WARNING, logger="sniper_client"):
        assert admitted(counters, hourly, daily, 40) == [None] * 40
    assert counters.get_current_counts() == {"hour": 40, "day": 40}
    assert caplog.records == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_cap_of_any_size_is_taken(counters_on, backend, caplog):
    counters = counters_on(backend)
    with caplog.at_level(logging.WARNING, logger="sniper_client"):
        assert admitted(counters, 10 ** 10, 2 ** 64, 5) == [None] * 5
        assert admitted(counters, 10 ** 9 + 1, 7, 3) == [None, None, "SNIPER_DAILY_CAP"]
    assert caplog.records == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_fractional_cap_admits_while_the_count_is_below_it(counters_on, backend):
    counters = counters_on(backend)
    # count >= 2.5 first holds at count 3: three admitted, as in the original.
    assert admitted(counters, 2.5, 100, 4) == [None, None, None, "SNIPER_HOURLY_CAP"]
    counters.reset()
    assert admitted(counters, Fraction(1, 2), 100, 2) == [None, "SNIPER_HOURLY_CAP"]
    counters.reset()
    assert admitted(counters, 100, Decimal("1.01"), 3) == [None, None, "SNIPER_DAILY_CAP"]
    counters.reset()
    assert admitted(counters, True, 100, 2) == [None, "SNIPER_HOURLY_CAP"]  # a bool is the int it stands for


def test_caps_that_are_not_numbers_never_raise_and_are_logged_once_per_kind(counters_on, caplog):
    counters = counters_on("redis")
    with caplog.at_level(logging.DEBUG, logger="sniper_client"):
        for _ in range(20):
            assert counters.check_and_increment(None, 1000) is None          # the original raised TypeError
            assert counters.check_and_increment(1000, "lots") is None
            assert counters.check_and_increment(math.nan, math.inf) is None  # never block under count >= cap
            assert counters.check_and_increment(Decimal("NaN"), 1000) is None
            assert counters.check_and_increment(1000, Decimal("sNaN")) is None    # cannot even become a float
            assert counters.check_and_increment("1000", " 1000 ") is None    # numbers written as text
    assert counters.get_current_counts() == {"hour": 120, "day": 120}
    assert [r for r in caplog.records if r.exc_info] == []
    lines = sorted((r.levelname, r.getMessage()) for r in caplog.records)
    assert lines == [
        ("ERROR", "sniper: daily_cap must be a number (at or below 0: no cap), got str; applying no daily cap"),
        ("ERROR", "sniper: max_per_hour must be a number (at or below 0: no cap), got None; applying no hourly cap"),
        ("WARNING", "sniper: daily_cap was passed as text; read as the number 1000"),
        ("WARNING", "sniper: max_per_hour was passed as text; read as the number 1000"),
    ]


def test_reset_sniper_counters_empties_the_redis_counts_between_tests(redis_server):
    settings = patient(ultra_settings(redis_server.port))
    client = redis_server.client()
    client.set("other_namespace:hour:1", 5)
    reset_sniper_counters()
    try:
        first = get_sniper_counters(settings)
        assert admitted(first, 2, 6, 3) == [None, None, "SNIPER_HOURLY_CAP"]
        reset_sniper_counters()  # what the original's test suites call first thing in every test
        assert client.keys("sniper_signals:hour:*") == [] and client.keys("sniper_signals:day:*") == []
        assert client.get("other_namespace:hour:1") == b"5"
        second = get_sniper_counters(settings)
        assert second is not first
        assert second.get_current_counts() == {"hour": 0, "day": 0}
        assert admitted(second, 2, 6, 3) == [None, None, "SNIPER_HOURLY_CAP"]
    finally:
        reset_sniper_counters()


def test_reset_with_redis_away_clears_what_it_can_and_warns_once(redis_server, caplog):
    counters = SniperCounters(patient(ultra_settings(redis_server.port)))
    try:
        counters.check_and_increment(5, 5)
        redis_server.kill()
        with caplog.at_level(logging.WARNING, logger="sniper_client"):
            counters.reset()
            counters.reset()
        resets = [r for r in caplog.records if "reset could not delete" in r.getMessage()]
        assert len(resets) == 1 and not resets[0].exc_info
    finally:
        counters.close()


def test_keys_the_original_ignored_are_one_warning_each_never_an_exception(caplog):
    settings = ultra_settings(None)
    settings["redis"].update(ssl=True, url="redis://elsewhere:6379/0", socket_timeout=3, timeout=None, db=None,
                             namespace=None)  # null: a field the app's settings model left unset
    settings["runtime"]["sniper_mode"].update(max_signals_per_hour=None, daily_signal_cap="six", enabled=None,
                                              mtf_confirm="perhaps", cooldown_minutes=15)
    settings["runtime"]["other"] = {"anything": 1}
    settings["runtime"]["max_signals_per_hour"] = 3  # misplaced: the app's business, the caps come per call
    with caplog.at_level(logging.WARNING, logger="sniper_client"):
        counters = SniperCounters(settings)
        assert counters.check_and_increment(1, 5) is None
        assert counters.check_and_increment(1, 5) == "SNIPER_HOURLY_CAP"
    warnings = sorted(r.getMessage() for r in caplog.records)
    assert warnings == [
        "sniper: settings: redis.socket_timeout: unknown key, ignored (known keys: enabled, host, port, db, username, "
        "password, timeout, decision_timeout_ms, namespace, tls, sentinel, cluster)",
        "sniper: settings: redis.ssl: unknown key, ignored (known keys: enabled, host, port, db, username, password, "
        "timeout, decision_timeout_ms, namespace, tls, sentinel, cluster)",
        "sniper: settings: redis.url: unknown key, ignored (known keys: enabled, host, port, db, username, password, "
        "timeout, decision_timeout_ms, namespace, tls, sentinel, cluster)",
        "sniper: settings: runtime.sniper_mode.cooldown_minutes: unknown key, ignored (known keys: enabled, "
        "mtf_confirm, max_signals_per_hour, daily_signal_cap, window, enforcement, fallback, audit, scopes)",
        'sniper: settings: runtime.sniper_mode.daily_signal_cap: expected an integer 0..1000000000, got "six"; '
        "the default is kept",
        'sniper: settings: runtime.sniper_mode.mtf_confirm: expected true or false, got "perhaps"; the default is kept',
    ]
    assert counters.guard.settings.sniper_mode.max_signals_per_hour == 2  # null: unset, the default
    r = counters.guard.settings.redis
    assert (r.timeout_s, r.db, r.namespace) == (5.0, 0, "sniper_signals")


def test_where_sniper_owns_the_settings_the_same_keys_stay_errors(tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text("redis:\n  ssl: true\nruntime:\n  sniper_mode:\n    max_signals_per_hour: null\n")
    with pytest.raises(SettingsError, match=r"settings.yaml line 2: redis.ssl: unknown key"):
        guard_from_file(str(path))
    path.write_text("runtime:\n  sniper_mode:\n    max_signals_per_hour: null\n")
    with pytest.raises(SettingsError, match=r"line 3: runtime.sniper_mode.max_signals_per_hour: expected an integer"):
        guard_from_file(str(path))
    settings = ultra_settings(None)
    settings["redis"]["ssl"] = True
    with pytest.raises(SettingsError, match=r"^settings: redis.ssl: unknown key"):
        settings_from_dict(settings, {})
    settings = ultra_settings(None)
    settings["runtime"]["sniper_mode"]["max_signals_per_hour"] = None
    with pytest.raises(SettingsError, match=r"^settings: runtime.sniper_mode.max_signals_per_hour: expected an integer"):
        settings_from_dict(settings, {})


def test_a_wrong_value_in_a_key_the_drop_in_uses_is_still_one_line():
    settings = ultra_settings(None)
    settings["redis"]["port"] = "abc"
    with pytest.raises(SettingsError, match=r'^settings: redis.port: expected an integer 1..65535, got "abc"$'):
        SniperCounters(settings)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_window_setting_is_honoured(counters_on, backend):
    for window, expected in (("fixed", None), ("sliding", "SNIPER_HOURLY_CAP")):
        counters = counters_on(backend, window=window)
        # A busy previous hour, weighted in when sliding: in Redis, or in the in-process counts.
        if backend == "redis":
            client = counters.guard._client
            hour = int(client.time()[0]) // 3600
            client.set(f"sniper_signals:hour:{hour - 1}", 10 ** 8)
        else:
            hour = int(time.time()) // 3600
            counters.guard.local.call("credit", ["local"], [str(hour - 1), "0", str(10 ** 8), "busy previous hour"])
        assert counters.check_and_increment(5, 0) == expected, window


def test_redis_down_at_start_then_up_moves_the_decisions_to_redis_without_a_restart(redis_binary):
    server = RedisProcess(redis_binary)
    server.port = free_port()
    start = time.monotonic()
    counters = SniperCounters(patient(ultra_settings(server.port, hourly=0, daily=1000)))
    try:
        assert time.monotonic() - start < 1.0  # a refused connection: no wait for redis.timeout
        for _ in range(5):
            start = time.monotonic()
            assert counters.check_and_increment(0, 1000) == "SNIPER_FALLBACK_SHARE"  # no share before Redis is reached
            assert time.monotonic() - start < 0.5
        server.start()
        deadline = time.monotonic() + 20
        while counters.guard.backend != "redis" and time.monotonic() < deadline:
            counters.check_and_increment(0, 1000)
            time.sleep(0.05)
        assert counters.guard.backend == "redis"
        before = counters.get_current_counts()["day"]
        assert counters.check_and_increment(0, 1000) is None
        day_keys = server.client().keys("sniper_signals:day:*")
        assert day_keys and int(server.client().get(day_keys[0])) == before + 1
    finally:
        counters.close()
        server.stop()


def test_the_apps_own_variables_are_warnings_for_the_drop_in_too(monkeypatch, caplog):
    # The app reads ULTRA_SIGNALS_* into its own settings model, which may have keys Sniper does not know.
    monkeypatch.setenv("ULTRA_SIGNALS_REDIS__SSL", "true")
    monkeypatch.setenv("ULTRA_SIGNALS_RUNTIME__SNIPER_MODE__MAX_SIGNALS_PER_HOUR", "none")
    with caplog.at_level(logging.WARNING, logger="sniper_client"):
        counters = SniperCounters(ultra_settings(None))
        assert counters.check_and_increment(1, 0) is None
    assert sorted(r.getMessage() for r in caplog.records) == [
        "sniper: env ULTRA_SIGNALS_REDIS__SSL: redis.ssl: unknown key, ignored (known keys: enabled, host, port, db, "
        "username, password, timeout, decision_timeout_ms, namespace, tls, sentinel, cluster)",
        'sniper: env ULTRA_SIGNALS_RUNTIME__SNIPER_MODE__MAX_SIGNALS_PER_HOUR: runtime.sniper_mode.max_signals_per_hour: '
        'expected an integer 0..1000000000, got "none"; the default is kept',
    ]
    with pytest.raises(SettingsError, match=r"^env ULTRA_SIGNALS_REDIS__SSL: redis.ssl: unknown key"):
        settings_from_dict(ultra_settings(None))
