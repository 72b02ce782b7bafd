"""Layered caps from Python: the settings' scopes (strict, as the Java side), acquire(scopes=...) on a real Redis with
the blocking layer in the Decision, and the fallback, which admits nothing locally in a capped scope."""

import time

import pytest

from helpers import ultra_settings
from sniper_client import SettingsError, SniperGuard, load_settings, settings_from_dict
from sniper_client.settings import ScopeSettings

# Counts one hour's admissions on the real clock: never across the hour's end.
pytestmark = pytest.mark.within_one_hour(seconds=60)

ISSUE_EXAMPLE = """runtime:
  sniper_mode:
    max_signals_per_hour: 6
    daily_signal_cap: 20
    scopes:
      strategy: {max_signals_per_hour: 2, daily_signal_cap: 6}
      symbol:   {max_signals_per_hour: 1, values: {BTCUSDT: {max_signals_per_hour: 2}}}
"""


def load(tmp_path, text, env=None):
    path = tmp_path / "settings.yaml"
    path.write_text(text)
    return load_settings(str(path), env or {}).sniper_mode


def test_dimensions_keep_their_order_and_values_inherit_what_they_do_not_override(tmp_path):
    mode = load(tmp_path, ISSUE_EXAMPLE)
    assert list(mode.scopes) == ["strategy", "symbol"]
    assert mode.scopes["strategy"] == ScopeSettings(2, 6)
    assert mode.scope_caps({"symbol": "BTCUSDT", "account": "A1", "strategy": "momentum"}) == [
        ("strategy=momentum", 2, 6), ("symbol=BTCUSDT", 2, 0), ("account=A1", 0, 0)]
    assert mode.scope_caps({"symbol": "ETHUSDT"}) == [("symbol=ETHUSDT", 1, 0)]


def test_environment_overrides_a_dimension_and_json_sets_values_with_their_case(tmp_path):
    mode = load(tmp_path, ISSUE_EXAMPLE, {
        "ULTRA_SIGNALS_RUNTIME__SNIPER_MODE__SCOPES__SYMBOL__MAX_SIGNALS_PER_HOUR": "3",
        "ULTRA_SIGNALS_RUNTIME__SNIPER_MODE__SCOPES__SYMBOL__VALUES": '{"ETHUSDT": {"daily_signal_cap": 4}}'})
    assert mode.scopes["symbol"] == ScopeSettings(3, 0, {"BTCUSDT": {"max_signals_per_hour": 2},
                                                          "ETHUSDT": {"daily_signal_cap": 4}})


@pytest.mark.parametrize("text,expected", [
    ("runtime:\n  sniper_mode:\n    scopes:\n      symbol: {max_signal_per_hour: 1}\n",
     "line 4: runtime.sniper_mode.scopes.symbol.max_signal_per_hour: unknown key, did you mean max_signals_per_hour?"),
    ("runtime:\n  sniper_mode:\n    scopes:\n      symbol: {daily_signal_cap: -2}\n",
     "line 4: runtime.sniper_mode.scopes.symbol.daily_signal_cap: expected an integer 0..1000000000, got -2"),
    ("runtime:\n  sniper_mode:\n    scopes:\n      Symbol: {}\n",
     "line 4: runtime.sniper_mode.scopes.Symbol: a dimension is a-z 0-9 _ from a letter, up to 32 bytes"),
    ("runtime:\n  sniper_mode:\n    scopes:\n      symbol: 3\n",
     "line 4: runtime.sniper_mode.scopes.symbol: expected a mapping of keys, got 3"),
])
def test_bad_scope_settings_are_one_line_with_file_line_and_what_was_expected(tmp_path, text, expected):
    with pytest.raises(SettingsError) as e:
        load(tmp_path, text)
    assert str(e.value).endswith(expected), str(e.value)
    assert "\n" not in str(e.value)


def scoped(port, hourly=6, policy="local", namespace=None, **fallback):
    settings = ultra_settings(port, hourly=hourly, daily=0, policy=policy,
                              namespace=namespace or f"py-scopes-{time.time_ns()}", **fallback)
    settings["runtime"]["sniper_mode"]["scopes"] = {
        "strategy": {"max_signals_per_hour": 2},
        "symbol": {"max_signals_per_hour": 1, "values": {"BTCUSDT": {"max_signals_per_hour": 2}}}}
    return settings_from_dict(settings, {})


def test_a_scope_at_its_cap_blocks_while_the_fleet_has_room_and_names_its_layer(redis_server):
    guard = SniperGuard(scoped(redis_server.port))
    try:
        first = guard.acquire("o-1", True, scopes={"strategy": "momentum", "symbol": "ETHUSDT"})
        assert (first.allowed, first.backend, first.layer) == (True, "redis", None)
        eth = guard.acquire("o-2", True, scopes={"symbol": "ETHUSDT", "strategy": "meanrev"})
        assert (eth.allowed, eth.reason, eth.layer, eth.hour_count) == (False, "SNIPER_HOURLY_CAP", "symbol=ETHUSDT", 1)
        assert guard.acquire(None, True, scopes={"symbol": "BTCUSDT", "strategy": "momentum"}).allowed
        third = guard.acquire(None, True, scopes={"symbol": "BTCUSDT", "strategy": "momentum"})
        assert third.layer == "strategy=momentum"  # the declared order: strategy before symbol
        assert guard.release("o-1").released
        assert guard.acquire("o-3", True, scopes={"symbol": "ETHUSDT"}).allowed  # release gave back every layer
        plain = guard.acquire(None, True)
        assert (plain.allowed, plain.layer) == (True, None)
    finally:
        guard.close()


def test_the_fleet_at_its_cap_blocks_every_scope(redis_server):
    guard = SniperGuard(scoped(redis_server.port, hourly=1))
    try:
        assert guard.acquire(None, True, scopes={"account": "A1"}).allowed  # an undeclared dimension: no cap
        blocked = guard.acquire(None, True, scopes={"strategy": "momentum"})
        assert (blocked.reason, blocked.layer) == ("SNIPER_HOURLY_CAP", "fleet")
        assert guard.acquire(None, True).layer == "fleet"
    finally:
        guard.close()


def test_with_room_kept_for_unseen_runners_the_scopes_still_count_and_only_the_fleets_block_says_so(redis_server):
    # fleet_size 3, one guard seen: the call on Redis carries the fleet cap less 2 x 10; its scopes go with it.
    guard = SniperGuard(scoped(redis_server.port, hourly=30, fleet_size=3))
    try:
        assert guard.acquire(None, True, scopes={"symbol": "ETHUSDT"}).allowed
        eth = guard.acquire(None, True, scopes={"symbol": "ETHUSDT"})
        assert (eth.allowed, eth.layer, eth.detail) == (False, "symbol=ETHUSDT", None)  # the scope's cap, not the room kept
        decisions = [guard.acquire(None, True, scopes={"account": f"A{i}"}) for i in range(10)]
        fleet = next(d for d in decisions if not d.allowed)
        assert (fleet.hour_count, fleet.layer) == (10, "fleet")  # 30 less the room kept for 2 unseen runners
        assert fleet.detail == ("the hourly cap less the room kept (20) for 2 runners of the stated fleet not yet seen on Redis "
                                "(fleet_size)")
    finally:
        guard.close()


def test_without_redis_a_capped_scope_is_never_admitted_locally(redis_server):
    guard = SniperGuard(scoped(redis_server.port))
    try:
        decision = guard._fallback_decision(["6", "0", "0", "1", "", "", "fixed", "", "strategy=momentum", "2", "0"],
                                            "timeout", 6, 0)
        assert (decision.allowed, decision.reason, decision.backend, decision.layer) == (
            False, "SNIPER_FALLBACK_DENY", "local", "strategy=momentum")
        assert decision.detail == "scope strategy=momentum is capped: decided on Redis only (timeout)"
    finally:
        guard.close()


def test_bad_scopes_on_a_signal_are_refused_before_anything_is_sent():
    mode = settings_from_dict(ultra_settings(None), {}).sniper_mode
    for bad in ({"Symbol": "X"}, {"symbol": "BTC USDT"}, {"symbol": ""}, {f"d{i}": "v" for i in range(9)}):
        with pytest.raises(ValueError):
            mode.scope_caps(bad)
