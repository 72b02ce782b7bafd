"""lua/test-vectors.json, every case, through the client's low-level call (ScriptRunner: EVALSHA of the
repository's scripts on a real redis-server), and every case that needs no raw Redis command through the
local fallback engine, which must give exactly the scripts' replies."""

import json
import os
import re
import time

import pytest
import redis

from conftest import REPO_ROOT, missing
from redis_process import RedisProcess, find_redis_servers
from sniper_client.local_engine import LocalEngine
from sniper_client.scripts import ScriptCatalog, ScriptError, ScriptRunner, default_lua_dir, to_wire

# The vectors that come with the scripts the client loads (lua/, or SNIPER_LUA_DIR).
VECTORS = json.loads((default_lua_dir() / "test-vectors.json").read_text())
CASES = VECTORS["cases"]


def matches(expected, actual) -> bool:
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(map(matches, expected, actual))
    if expected == "$run_id":
        return isinstance(actual, str) and re.fullmatch("[0-9a-f]{40}", actual) is not None
    if expected == "$any":
        return True
    if isinstance(expected, str) and expected.startswith("$"):
        if not isinstance(actual, int):
            return False
        if expected == "$now":
            return abs(actual - time.time() * 1000) < 60_000
        kind, n = expected[1:].split(":")
        n = int(n)
        return n - 60_000 < actual <= n if kind == "ttl" else 0 < actual <= n
    return expected == actual


def run_case(case, call, raw):
    for i, step in enumerate(case["steps"]):
        where = f"step {i + 1} of {case['name']!r}"
        if "wait_ms" in step:
            time.sleep(step["wait_ms"] / 1000)  # TTLs (Redis's and the local engine's) run on the real clock
            continue
        if "redis" in step:
            reply = raw(step["redis"])
            if "reply" in step:
                assert matches(step["reply"], reply), f"{where}: {step['redis']} replied {reply!r}"
            continue
        if "error" in step:
            with pytest.raises(ScriptError) as failure:
                call(step["call"], step["keys"], step["argv"])
            assert str(failure.value).startswith(step["error"]), f"{where}: error {failure.value}"
        else:
            reply = call(step["call"], step["keys"], step["argv"])
            assert matches(step["reply"], reply), f"{where}: expected {step['reply']}, got {reply}"


def test_the_vectors_cover_every_script_and_most_cases_apply_locally():
    assert {s["call"] for c in CASES for s in c["steps"] if "call" in s} == \
        {"acquire", "status", "release", "credit", "heartbeat", "control"}
    assert len([c for c in CASES if not c.get("redis_only")]) >= 25


SERVERS = find_redis_servers()


@pytest.fixture(scope="module", params=SERVERS or [None], ids=[os.path.basename(s) for s in SERVERS] or ["none"])
def shared_server(request):
    """One server per binary (Redis 7.0 and 6.2, as the Java conformance tests), shared by its cases."""
    if request.param is None:
        missing("redis-server (set SNIPER_REDIS_SERVER, or let Maven fetch the embedded-redis jars)")
    server = RedisProcess(request.param).start()
    yield server
    server.stop()


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_vector_through_evalsha(case, shared_server):
    client = shared_server.client()
    client.flushall()
    client.script_flush()  # the first call of each script goes NOSCRIPT -> EVAL, later ones EVALSHA
    runner = ScriptRunner(client, ScriptCatalog.load())
    plain = shared_server.client()
    plain.response_callbacks.clear()  # raw replies as Redis sends them ("OK", not True)
    run_case(case, runner.call, lambda command: to_wire(plain.execute_command(*command)))


LOCAL_CASES = [c for c in CASES if not c.get("redis_only")]


@pytest.mark.parametrize("case", LOCAL_CASES, ids=[c["name"] for c in LOCAL_CASES])
def test_vector_on_the_local_engine(case):
    engines = {}

    def call(name, keys, argv):
        engine = engines.setdefault(keys[0] if keys else "", LocalEngine())
        return engine.call(name, keys, argv)

    run_case(case, call, lambda command: pytest.fail(f"a case that is not redis_only ran {command}"))


def test_a_changed_script_is_refused(tmp_path):
    lua = REPO_ROOT / "lua"
    (tmp_path / "v1").mkdir()
    (tmp_path / "manifest.json").write_bytes((lua / "manifest.json").read_bytes())
    for f in (lua / "v1").iterdir():
        (tmp_path / "v1" / f.name).write_bytes(f.read_bytes())
    (tmp_path / "v1" / "acquire.lua").write_bytes((lua / "v1" / "acquire.lua").read_bytes() + b"\n")
    from sniper_client.scripts import ScriptCatalogError
    with pytest.raises(ScriptCatalogError, match=r"acquire.lua: SHA-1 .* does not match manifest.json"):
        ScriptCatalog.load(tmp_path)


def test_catalog_shas_are_what_script_load_returns(shared_server):
    client = shared_server.client()
    catalog = ScriptCatalog.load()
    for name in catalog.names():
        assert client.script_load(catalog.source(name)) == catalog.sha(name)
