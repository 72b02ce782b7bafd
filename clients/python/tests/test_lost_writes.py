"""A new Redis server that holds less than the guards saw acknowledged (a replica promoted before it had the master's
last admissions, a restart that lost writes): the Python guard passes what it saw to the heartbeat, which puts the
loss back once, and says so once. The new server is played on one real Redis: the namespace's server record is made
to name another server, and the last admissions are taken away, as a promotion before replication would."""

import logging
import time

import pytest
from prometheus_client import CollectorRegistry

from sniper_client.fleet import FleetView
from sniper_client.local_engine import LocalEngine
from sniper_client.lost_writes import seen_argument
from sniper_client.reconciler import Reconciler
from helpers import wait_for
from test_faults import guard_for, redis_day_count

# Counts one hour's admissions on the real clock: never across the hour's end.
pytestmark = pytest.mark.within_one_hour(seconds=60)


def test_a_loss_on_a_new_server_is_restored_once_and_said_once(redis_server, caplog):
    caplog.set_level(logging.INFO, logger="sniper_client")
    registry = CollectorRegistry()
    guard = guard_for(redis_server, metrics_registry=registry)
    client = redis_server.client()
    try:
        assert all(guard.acquire(f"s{i}").allowed for i in range(6))
        wait_for(lambda: guard._servers.replied and client.get("sniper_signals:server") is not None,
                 what="a heartbeat with seen")
        day = time.time_ns() // 86_400_000_000_000
        hour = time.time_ns() // 3_600_000_000_000
        record = client.get("sniper_signals:server").decode().split("|")
        # Another server took over holding 2 of the 6: its record names it, and 4 admissions never reached it
        # (at once: a heartbeat in between would take the 6 for what the new server held).
        takeover = client.pipeline(transaction=True)
        takeover.set("sniper_signals:server", "|".join(["0f0f"] + record[1:]))
        takeover.decrby(f"sniper_signals:hour:{hour}", 4)
        takeover.decrby(f"sniper_signals:day:{day}", 4)
        takeover.execute()
        wait_for(lambda: redis_day_count(redis_server) == 6, what="the 4 lost admissions put back")
        time.sleep(0.5)  # more heartbeats: nothing more is restored, nothing more is said
        assert redis_day_count(redis_server) == 6
        said = [r.getMessage() for r in caplog.records if "lost admissions" in r.getMessage()]
        assert len(said) == 1 and "this guard saw 4 (hour) / 4 (day) more than server" in said[0], said
        assert registry.get_sample_value("sniper_redis_data_losses_total") == 1
        assert registry.get_sample_value("sniper_redis_restored_admissions_total", {"window": "day"}) == 4
    finally:
        guard.close()


def test_seen_is_the_latest_counts_and_with_a_sliding_window_the_latest_heartbeats():
    t0 = 1_700_000_000_000  # hour bucket 472222, day bucket 19675
    fleet, ledger = FleetView(), Reconciler(LocalEngine(), "g")
    assert seen_argument(fleet, ledger, 100) == ""
    beat = [2, 30, 50, t0, t0, 1, 1, 1, 1, 0, 0]
    fleet.observe_beat(beat)
    fleet.observe_counts(t0 + 10, 40, 60)  # an acquire reply; with a sliding window, an estimate
    assert seen_argument(fleet, ledger, 100) == f"{t0 + 10}|472222|40|19675|60"
    assert seen_argument(fleet, ledger, 100, beat) == f"{t0}|472222|30|19675|50"


def test_a_scope_lost_on_a_new_server_is_restored_once_from_what_the_heartbeat_read(redis_server):
    from test_scopes import scoped
    from sniper_client import SniperGuard
    settings = scoped(redis_server.port, hourly=0, namespace="sniper_signals")
    guard = SniperGuard(settings)
    client = redis_server.client()
    hour = time.time_ns() // 3_600_000_000_000
    day = time.time_ns() // 86_400_000_000_000
    alpha = f"sniper_signals:scope:strategy=alpha:hour:{hour}"
    try:
        # strategy caps 2 an hour: two admitted in alpha, a third blocked
        assert [guard.acquire(f"a{i}", True, scopes={"strategy": "alpha"}).allowed for i in range(3)] == [True, True, False]
        wait_for(lambda: guard._servers.replied and any(a.startswith("strategy=alpha|") for a in guard._scope_counts.arguments(
            guard.clock.redis_now(), guard._reconciler, 100)), what="a heartbeat that read strategy=alpha")
        record = client.get("sniper_signals:server").decode().split("|")
        takeover = client.pipeline(transaction=True)  # another server took over without alpha's two admissions
        takeover.set("sniper_signals:server", "|".join(["0f0f"] + record[1:]))
        for key in (f"sniper_signals:hour:{hour}", f"sniper_signals:day:{day}", alpha,
                    f"sniper_signals:scope:strategy=alpha:day:{day}"):
            takeover.decrby(key, 2)
        takeover.execute()
        wait_for(lambda: int(client.get(alpha)) == 2, what="alpha's 2 lost admissions put back")
        time.sleep(0.5)  # more heartbeats: nothing more is restored
        assert int(client.get(alpha)) == 2 and int(client.get(f"sniper_signals:scope:strategy=alpha:day:{day}")) == 2
        assert not guard.acquire("a9", True, scopes={"strategy": "alpha"}).allowed  # its cap holds on the new server
    finally:
        guard.close()


def test_a_heartbeat_names_the_scopes_decided_today_with_what_it_read_less_the_unsettled():
    from sniper_client.lost_writes import ScopeCounts
    t0 = 1_700_000_000_000  # hour bucket 472222, day bucket 19675
    ledger, counts = Reconciler(LocalEngine(), "g"), ScopeCounts()
    counts.decided(["strategy=old"], t0 - 86_400_000)
    counts.decided(["strategy=alpha", "account=A1"], t0)
    named = counts.arguments(t0, ledger, 100)
    assert named == ["strategy=alpha", "account=A1"]  # not read yet; yesterday's scope is dropped
    beat = [3, 10, 10, t0, t0, 1, 1, 0, 0, 0, 0, "", "", -1, "0f0f", t0, 0, 0, 0, 0] + [10, 12, 0, 0, 0, 0, 4, 4, 0, 0, 0, 0]
    counts.observe(beat, named)
    ledger.record_ambiguous("maybe", t0 - 10, True, ("strategy=alpha",))
    ledger.record_ambiguous("later", t0 + 201, True, ("strategy=alpha",))
    assert counts.arguments(t0, ledger, 100) == [f"strategy=alpha|{t0}|472222|9|19675|11", f"account=A1|{t0}|472222|4|19675|4"]
    for i in range(ScopeCounts.MAX + 3):
        counts.decided([f"symbol=S{i}"], t0)
    assert len(counts.arguments(t0, ledger, 100)) == ScopeCounts.MAX
