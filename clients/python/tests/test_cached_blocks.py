"""Cap blocks from memory in the Python guard, against real redis-server processes (6.2 and 7.x where found): a
capped hour costs Redis nothing, an invalidation ends the cached block so the next decision goes to Redis, tracking
is on only while a block is held, and a killed Redis changes nothing for a capped layer."""

import os
import re
import time

import pytest
from helpers import ultra_settings, wait_for
from redis_process import RedisProcess, find_redis_servers
from sniper_client import SniperCounters, SniperGuard, settings_from_dict
from sniper_client.scripts import ScriptCatalog

# Counts one hour's admissions on the real clock: never across the hour's end.
pytestmark = pytest.mark.within_one_hour(seconds=60)

NS = "cached-py"
# With tracking on, a cached block ends when Redis's invalidation arrives: well under this on any machine.
BOUND_S = 1.0
SERVERS = find_redis_servers()


@pytest.fixture(params=SERVERS or [None], ids=[os.path.basename(s) for s in SERVERS] or ["none"])
def server(request, redis_binary):
    process = RedisProcess(request.param or redis_binary).start()
    yield process
    process.stop()


def guard_on(port, hourly=2, daily=6, start=True, **fallback):
    settings = ultra_settings(port, hourly=hourly, daily=daily, namespace=NS, **fallback)
    settings["redis"]["decision_timeout_ms"] = 1000
    return SniperGuard(settings_from_dict(settings, {}), start=start)


def evalsha_calls(client) -> int:
    m = re.search(r"calls=(\d+)", str(client.info("commandstats").get("cmdstat_evalsha", "")))
    return int(m.group(1)) if m else 0


def tracked(client) -> bool:
    """Whether a client of this server has tracking on (CLIENT LIST's flag t)."""
    return any("t" in c["flags"] for c in client.client_list())


def await_cached(guard, seconds=10):
    """Blocks from memory, with tracking on, for 100 ms in a row (a late invalidation of the cap's own writes, or
    tracking coming on, drops the first entry: Redis is asked again)."""
    since = [None]

    def cached():
        d = guard.acquire(None, False)
        assert not d.allowed
        if d.backend != "cache" or not guard.invalidations_live():
            since[0] = None
            return False
        since[0] = since[0] or time.monotonic()
        return time.monotonic() - since[0] > 0.1

    wait_for(cached, seconds, "blocks from memory with tracking on")


def cap_up(guard, cap=2):
    for i in range(1, cap + 1):
        assert guard.acquire(f"a{i}", False).allowed
    blocked = guard.acquire(None, False)
    assert (blocked.reason, blocked.backend) == ("SNIPER_HOURLY_CAP", "redis")
    await_cached(guard)


def test_a_capped_hour_costs_redis_nothing_and_never_admits(server):
    client = server.client()
    # Heartbeats far apart: every EVALSHA counted below is a decision's.
    guard = guard_on(server.port, heartbeat_interval_ms=30_000, heartbeat_ttl_ms=60_000)
    try:
        cap_up(guard)
        assert tracked(client)
        before = evalsha_calls(client)
        asked, from_memory_id = 0, None
        for i in range(300):
            signal_id = None if i % 2 == 0 else f"b{i}"
            d = guard.acquire(signal_id, False)
            assert (d.allowed, d.reason, d.hour_count) == (False, "SNIPER_HOURLY_CAP", 2)
            assert 1 <= d.retry_after_ms <= 3_600_000
            if d.backend == "cache":
                from_memory_id = from_memory_id or signal_id
            else:
                assert d.backend == "redis"
                asked += 1
        assert asked <= 2
        assert evalsha_calls(client) - before == asked
        assert guard.backend == "redis"  # a block from memory is no change of backend
        assert not client.exists(f"{NS}:op:{from_memory_id}")  # not stored in Redis
        replay = guard.acquire(from_memory_id, False)
        assert (replay.allowed, replay.replayed, replay.backend) == (False, True, "cache")
    finally:
        guard.close()


def test_an_invalidation_sends_the_next_decision_to_redis(server):
    client = server.client()
    a, b = guard_on(server.port), guard_on(server.port)
    try:
        cap_up(a)
        assert b.release("a1").released  # another guard frees a slot
        released = time.monotonic()
        wait_for(lambda: a.cached_blocks() == 0, BOUND_S, "the cached block dropped after a release elsewhere")
        took = time.monotonic() - released
        following = a.acquire("next", False)
        assert (following.allowed, following.backend) == (True, "redis"), f"{took:.3f} s after the release"
        full = a.acquire(None, False)
        assert (full.allowed, full.backend) == (False, "redis")
        await_cached(a)
        # A raw release.lua from any client, not a guard: the same.
        release = client.register_script(ScriptCatalog.load().source("release"))
        assert release(keys=[NS], args=["a2"])[0] == 1
        wait_for(lambda: a.cached_blocks() == 0, BOUND_S, "the cached block dropped after a raw release")
        assert a.acquire(None, False).allowed
    finally:
        a.close()
        b.close()


def test_tracking_is_on_only_while_a_block_is_held(server):
    client = server.client()
    a, b = guard_on(server.port), guard_on(server.port)
    try:
        assert a.acquire("a1", False).allowed
        end = time.monotonic() + 0.7  # several checks of the invalidation connection
        while time.monotonic() < end:
            assert not tracked(client), "tracking with nothing cached"
            assert not a.invalidations_live()
        assert a.acquire("a2", False).allowed
        assert not a.acquire(None, False).allowed
        await_cached(a)
        assert tracked(client)
        assert b.release("a1").released
        wait_for(lambda: a.cached_blocks() == 0, BOUND_S, "the cached block dropped")
        wait_for(lambda: not a.invalidations_live() and not tracked(client), 10, "tracking off with nothing held")
        assert a.acquire("a3", False).allowed
        assert a.acquire(None, False).backend == "redis"
        await_cached(a)
    finally:
        a.close()
        b.close()


def test_a_killed_redis_leaves_a_capped_layer_blocked_from_memory_with_no_fallback(redis_binary):
    server = RedisProcess(redis_binary).start()
    # The heartbeat driven by hand: a beat Redis answers just before the kill, whose PING on the invalidation
    # connection then fails, rightly drops every entry (a push may have been missed), and would race the kill.
    guard = guard_on(server.port, start=False)
    try:
        guard._track_invalidations()
        guard._beat()
        cap_up(guard)
        server.kill()
        guard._beat()  # not answered: entries stay, since nothing can free a slot on a Redis nobody reaches
        end, n = time.monotonic() + 1.5, 0
        while time.monotonic() < end:
            d = guard.acquire(f"k{n}" if n % 3 == 0 else None, n % 2 == 0)
            assert (d.allowed, d.backend) == (False, "cache"), f"decision {n} with Redis killed: {d}"
            n += 1
            if n % 64 == 0:
                time.sleep(0.001)
        assert n > 10
        assert guard.backend == "redis"  # no fallback episode
        assert guard.status()["pending_credits"] == 0  # nothing admitted locally
        server.start()  # empty (no persistence): the cached blocks must go once Redis is back
        wait_for(lambda: guard.cached_blocks() == 0, 15, "the cache dropped after Redis came back")

        def deciding_on_redis():
            guard._beat()
            return guard.acquire(None, False).backend == "redis"

        wait_for(deciding_on_redis, 15, "Redis deciding again")
    finally:
        guard.close()
        server.stop()


def test_a_refused_client_tracking_leaves_the_heartbeat_as_the_bound(redis_binary, caplog):
    server = RedisProcess(redis_binary).start()
    admin = server.client()
    admin.execute_command("ACL", "SETUSER", "runner", "on", ">pw", "~*", "+@all", "-client|tracking")
    settings = ultra_settings(server.port, hourly=2, daily=6, namespace=NS)
    settings["redis"].update(username="runner", password="pw", decision_timeout_ms=1000)
    a = SniperGuard(settings_from_dict(settings, {}))
    b = guard_on(server.port)
    try:
        for i in (1, 2):
            assert a.acquire(f"a{i}", False).allowed
        # Each answered heartbeat (every 200 ms here) drops the block; the next signal's reply from Redis keeps it again.
        wait_for(lambda: not a.acquire(None, False).allowed and "refused CLIENT TRACKING" in caplog.text, 10,
                 "the refusal said, once a block was held")
        wait_for(lambda: a.acquire(None, False).backend == "cache", 10, "a block from memory without tracking")
        assert not a.invalidations_live()
        assert b.release("a1").released
        # No invalidation: the next answered heartbeat (every 200 ms here) drops the block.
        wait_for(lambda: a.acquire(None, False).allowed, 5, "the freed slot after a heartbeat")
    finally:
        a.close()
        b.close()
        server.stop()


def test_the_drop_in_raising_its_cap_per_call_or_resetting_is_not_answered_from_memory(server):
    counters = SniperCounters(ultra_settings(server.port, hourly=2, daily=0, namespace=NS))
    try:
        assert counters.check_and_increment(2, 0) is None
        assert counters.check_and_increment(2, 0) is None
        wait_for(lambda: counters.check_and_increment(2, 0) == "SNIPER_HOURLY_CAP" and counters.guard.cached_blocks() > 0
                 and counters.guard.invalidations_live(), 10, "the drop-in's block held in memory")
        assert counters.check_and_increment(3, 0) is None  # a higher cap on this call: Redis admits the third
        assert counters.check_and_increment(3, 0) == "SNIPER_HOURLY_CAP"
        counters.reset()
        assert counters.check_and_increment(3, 0) is None  # reset: the counts are gone, and so are the blocks
    finally:
        counters.close()

