"""The fleet's control from Python: a stored policy and a halt apply to the Python guard's next decision (and to the
drop-in's raw caps), the guard writes the same audit entries as the Java one, and a guard deciding locally obeys
the last halt and policy it saw (lua/README.md, "Fleet policy, halt, audit")."""

import os
import time

import pytest
import redis as redis_py

from helpers import ultra_settings, wait_for
from sniper_client import SniperGuard, settings_from_dict
from sniper_client.scripts import ScriptCatalog

# Counts one hour's admissions on the real clock: never across the hour's end.
pytestmark = pytest.mark.within_one_hour(seconds=60)


def control(client, ns, *argv):
    return client.register_script(ScriptCatalog.load().source("control"))(keys=[ns], args=list(argv))


def audit(client, ns):
    return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in client.xrange(ns + ":audit")]


def guard_on(port, ns, hourly=5):
    return SniperGuard(settings_from_dict(ultra_settings(port, hourly=hourly, daily=0, namespace=ns), {}))


def test_a_policy_change_and_a_halt_apply_to_the_python_guards_next_decision(redis_server):
    ns = f"py-control-{time.time_ns()}"
    client = redis_py.Redis(port=redis_server.port)
    guard = guard_on(redis_server.port, ns)
    try:
        assert guard.acquire("p-1", True).allowed
        assert control(client, ns, "policy_set", "test", "2", "0") == [1]
        assert guard.acquire("p-2", True).allowed
        blocked = guard.acquire("p-3", True)
        assert (blocked.allowed, blocked.reason, blocked.backend) == (False, "SNIPER_HOURLY_CAP", "redis")

        control(client, ns, "policy_clear", "test")
        control(client, ns, "halt", "test", "desk stop", "0")
        halted = guard.acquire("p-4", True)
        assert (halted.allowed, halted.reason, halted.detail, halted.backend) == (False, "SNIPER_HALTED", "desk stop",
                                                                                  "redis")
        assert guard.halt_seen() == "desk stop"
        # Deciding locally now (say Redis went away), the guard obeys the last halt it saw.
        local = guard._fallback_decision(["5", "0", "0", "1", "", "", "fixed"], "timeout", 5, 0)
        assert (local.allowed, local.reason, local.backend, local.detail) == (False, "SNIPER_HALTED", "local",
                                                                              "desk stop")
        assert control(client, ns, "resume", "test") == [1]
        assert guard.acquire("p-4", True).allowed
        assert guard.halt_seen() is None
        assert guard.release("p-4").released

        entries = audit(client, ns)
        mine = [e for e in entries if e["guard"] == guard.guard_id]
        assert [(e["event"], e["signal"]) for e in mine] == [("admit", "p-1"), ("admit", "p-2"), ("admit", "p-4"),
                                                             ("release", "p-4")]
        assert mine[0]["runner"].startswith(f"{os.uname().nodename}/{os.getpid()}-")
        assert mine[1]["policy"] == "1" and mine[0]["policy"] == ""
        assert [e["event"] for e in entries if e["backend"] == "control"] == ["policy_set", "policy_clear", "halt",
                                                                              "resume"]
    finally:
        guard.close()


def test_the_heartbeat_brings_the_policy_for_local_decisions(redis_server):
    ns = f"py-control-hb-{time.time_ns()}"
    client = redis_py.Redis(port=redis_server.port)
    control(client, ns, "policy_set", "test", "1", "0", "symbol", "0", "0", "symbol=BTCUSDT", "1", "0")
    guard = guard_on(redis_server.port, ns, hourly=50)
    try:
        deadline = time.time() + 10
        while guard.policy_version_seen() != 1 and time.time() < deadline:
            time.sleep(0.05)
        assert guard.policy_version_seen() == 1
        argv = guard._under_policy(["50", "0", "0", "1", "", "", "fixed", "", "symbol=BTCUSDT", "9", "9",
                                    "symbol=ETHUSDT", "9", "9"])
        assert argv[:2] == ["1", "0"]
        assert argv[8:] == ["symbol=BTCUSDT", "1", "0", "symbol=ETHUSDT", "0", "0"]
    finally:
        guard.close()


def test_the_audit_settings_name_the_runner_and_bound_the_stream(monkeypatch):
    monkeypatch.setenv("SNIPER_RUNNER", "from-env")
    named = SniperGuard(settings_from_dict({"runtime": {"sniper_mode": {"audit": {
        "runner": "desk-a/momentum", "max_entries": 5000, "max_age_hours": 0}}}}), guard_id="g1", start=False)
    assert named._who == ["@who=g1", "desk-a/momentum", "5000"]
    unnamed = SniperGuard(settings_from_dict({}), guard_id="g1", start=False)
    assert unnamed._who == ["@who=g1", "from-env", "100000:604800000"]  # a week by default


def test_a_stored_policy_keeps_the_room_for_unseen_runners_and_the_answer_says_which_blocked(redis_server):
    # Settings cap 30 with fleet_size 3: a runner not yet seen may admit floor(30 / 3) = 10 before it reaches Redis,
    # so the one guard on Redis keeps 2 x 10. The stored policy (60) replaces the caps; the room stays.
    ns = f"py-control-room-{time.time_ns()}"
    client = redis_py.Redis(port=redis_server.port)
    assert control(client, ns, "policy_set", "test", "60", "0") == [1]
    guard = SniperGuard(settings_from_dict(ultra_settings(redis_server.port, hourly=30, daily=0, namespace=ns,
                                                          fleet_size=3), {}))
    try:
        decided = [guard.acquire(f"{ns}-{i}", False) for i in range(45)]
        assert sum(d.allowed for d in decided) == 40  # the policy's 60 less the 20 kept
        for d in (d for d in decided if not d.allowed):
            assert (d.backend, d.reason, d.hour_count) == ("redis", "SNIPER_HOURLY_CAP", 40)
            assert d.detail == ("the hourly cap less the room kept (20) for 2 runners of the stated fleet not yet seen on "
                                "Redis (fleet_size)")  # the cap had room: the room kept blocked it
        # At the policy's cap itself the cap blocks, and the answer says the cap, not the room.
        assert control(client, ns, "policy_set", "test", "40", "0") == [2]
        at_the_cap = guard.acquire(f"{ns}-cap", False)
        assert (at_the_cap.reason, at_the_cap.detail) == ("SNIPER_HOURLY_CAP", None)
        assert client.get(f"{ns}:hour:{time.time_ns() // 1_000_000 // 3_600_000}") == b"40"
    finally:
        guard.close()


def test_a_stored_policy_keeps_the_room_for_unseen_runners_in_the_shares_the_heartbeat_records(redis_server):
    # The share a guard may admit if cut off is what Redis holds back for it: the policy's 60 less the 2 x 10 kept for
    # the runners not yet seen (40, this guard alone on Redis), not the policy's whole 60, of which those runners may
    # be admitting 20 on their own. The Java ColdStartTest checks the same record.
    ns = f"py-control-room-share-{time.time_ns()}"
    client = redis_py.Redis(port=redis_server.port)
    assert control(client, ns, "policy_set", "test", "60", "0") == [1]
    guard = SniperGuard(settings_from_dict(ultra_settings(redis_server.port, hourly=30, daily=0, namespace=ns,
                                                          fleet_size=3, heartbeat_interval_ms=100), {}))
    try:
        guard.acquire(f"{ns}-0", False)  # a decision sets the caps the heartbeat records its share of
        wait_for(lambda: client.hvals(f"{ns}:reserve"), 10, "a share recorded")
        record = client.hvals(f"{ns}:reserve")[0].decode().split("|")
        assert record[0] == "c" and record[2:4] == ["40", "40"], record
    finally:
        guard.close()
