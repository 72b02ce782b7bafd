"""spec/guard-scenarios.yaml, the guard's rules while Redis is away and on its return, run by the Python guard (the
Java suite runs the same file: GuardScenariosTest). A real redis-server (AOF, so a killed one comes back with its
data), the guard's heartbeat driven by hand, its clock moved by hand; see the file's header for the steps."""

import os
import shutil
import tempfile
import time

import pytest
import redis as redis_py
import yaml

from conftest import REPO_ROOT
from redis_process import RedisProcess
from sniper_client import SniperGuard, load_settings
from sniper_client.clock import local_ms
from sniper_client.fleet import DAY_MS, HOUR_MS
from sniper_client.scripts import ScriptCatalog, ScriptRunner

SPEC = yaml.safe_load((REPO_ROOT / "spec" / "guard-scenarios.yaml").read_text(encoding="utf-8"))
PERSISTENT = ["--appendonly", "yes", "--appendfsync", "always"]


def merged(base, over):
    out = dict(base)
    for key, value in (over or {}).items():
        out[key] = merged(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return out


def millis(value) -> int:
    text = str(value)
    return int(float(text[:-1]) * 1000) if text.endswith("s") else int(text)


class Run:
    """One scenario: its server, its guard, the hand-moved skew, and the admissions the guard reported."""

    def __init__(self, scenario, binary):
        self.name = scenario["name"]
        self.server = RedisProcess(binary, PERSISTENT).start()
        self.state = "up"
        self.ns = f"scn-{time.time_ns()}"
        self.skew = 0
        self.tally = 0
        self.scripts = ScriptRunner(redis_py.Redis(port=self.server.port, socket_timeout=5), ScriptCatalog.load())
        if scenario.get("start", "up") == "down":
            self.redis("down")
        text = yaml.safe_dump(merged(SPEC["base"], scenario.get("settings")))
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write(text)
        try:
            settings = load_settings(f.name, {"ULTRA_SIGNALS_REDIS__ENABLED": "true",
                                              "ULTRA_SIGNALS_REDIS__HOST": "127.0.0.1",
                                              "ULTRA_SIGNALS_REDIS__PORT": str(self.server.port),
                                              "ULTRA_SIGNALS_REDIS__NAMESPACE": self.ns})
        finally:
            os.unlink(f.name)
        self.caps = (settings.sniper_mode.max_signals_per_hour, settings.sniper_mode.daily_signal_cap)
        self.guard = SniperGuard(settings, guard_id=f"py-{self.ns}", start=False)  # the heartbeat is driven by hand
        self.guard.clock._now_ms = lambda: local_ms() + self.skew

    def close(self):
        self.guard.close()
        self.server.stop()

    def redis(self, to):
        if to == "down":
            self.server.kill()
        elif to == "lost":
            self.server.kill()
            shutil.rmtree(self.server.dir)
            os.makedirs(self.server.dir)
            to = "down"
        elif to == "paused":
            self.server.pause()
        elif to == "up":
            if self.state == "paused":
                self.server.resume()
            elif self.state == "down":
                self.server.start()
        else:
            raise AssertionError(f"redis: {to}? (up, down, paused or lost)")
        self.state = to

    def returned(self):
        """Heartbeat rounds until the books are complete and the breaker lets decisions go to Redis."""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            self.guard._beat()
            if self.guard._reconciler.caught_up and self.guard.reconciled() and self.guard.breaker.state == "CLOSED":
                return
            time.sleep(0.05)
        pytest.fail(f"{self.name}: the guard did not return to Redis within 20 s")

    def acquire(self, step, where):
        assert set(step) <= {"id", "mtf", "scopes", "expect"}, f"{where}: acquire takes id, mtf, scopes and expect"
        d = self.guard.acquire(step.get("id"), bool(step.get("mtf", False)), step.get("scopes"))
        got = {"admitted": d.allowed, "reason": d.reason, "backend": d.backend, "layer": d.layer,
               "hour_count": d.hour_count, "replayed": d.replayed, "detail": d.detail}
        for key, want in step["expect"].items():
            if key == "detail_starts":
                assert (d.detail or "").startswith(want), f"{where}: detail {d.detail!r} should start {want!r}"
            else:
                assert got[key] == want, f"{where}: {key} {got[key]!r}, expected {want!r} ({d})"
        if d.allowed and d.reason == "OK" and not d.replayed and d.backend in ("redis", "local"):
            self.tally += 1

    def release(self, step, where):
        r = self.guard.release(step["id"])
        got = {"released": r.released, "queued": r.queued, "backend": r.backend}
        for key, want in step.get("expect", {}).items():
            assert got[key] == want, f"{where}: {key} {got[key]!r}, expected {want!r} ({r})"
        if r.released or r.queued:
            self.tally -= 1

    def view(self, expected, where):
        got = {"hour_budget": self.guard.hour_budget(), "held_hour": self.guard.held("hour"),
               "reconciled": self.guard.reconciled(),
               "pending_credits": self.guard._reconciler.pending_admissions(), "live_guards": self.guard.live_guards}
        for key, want in expected.items():
            assert got[key] == want, f"{where}: guard {key} {got[key]!r}, expected {want!r}"

    def books(self, expected, where):
        assert set(expected) <= {"hour", "scopes", "credited"}, f"{where}: books takes hour, scopes and credited"
        client = redis_py.Redis(port=self.server.port, socket_timeout=5)
        seconds, micros = client.time()
        bucket = (seconds * 1000 + micros // 1000) // HOUR_MS

        def count(key):
            return int(client.get(key) or 0)

        hour = count(f"{self.ns}:hour:{bucket}")
        assert hour == expected["hour"], f"{where}: Redis's hour count {hour}, expected {expected['hour']}"
        assert hour == self.tally, f"{where}: Redis's hour count {hour}, the guard reported {self.tally} admissions"
        if "credited" in expected:
            credited = sum(int(fields[b"n"]) for _, fields in client.xrange(f"{self.ns}:audit")
                           if fields[b"event"] == b"credit")
            assert credited == expected["credited"], f"{where}: credited {credited}, expected {expected['credited']}"
        for scope, want in (expected.get("scopes") or {}).items():
            got = count(f"{self.ns}:scope:{scope}:hour:{bucket}")
            assert got == want, f"{where}: Redis's count of {scope} {got}, expected {want}"

    def step(self, step, where):
        (kind, arg), = step.items()
        if kind == "redis":
            self.redis(arg)
        elif kind == "advance":
            self.skew += millis(arg)
        elif kind == "beat":
            self.guard._beat()
        elif kind == "return":
            self.returned()
        elif kind == "peer":
            peer, state = (arg, "redis") if isinstance(arg, str) else (arg["id"], arg["state"])
            self.scripts.call("heartbeat", [self.ns], [peer, "60000", "", str(self.caps[0]), str(self.caps[1]), state,
                                                       "", "1"])
        elif kind == "control":
            self.scripts.call("control", [self.ns], [arg[0], "scenario"] + [str(a) for a in arg[1:]]
                              + (["0"] if arg[0] == "halt" else []))
        elif kind == "write":
            client = redis_py.Redis(port=self.server.port, socket_timeout=5)
            seconds, micros = client.time()
            bucket = (seconds * 1000 + micros // 1000) // (HOUR_MS if arg["key"] == "hour" else DAY_MS)
            client.set(f"{self.ns}:{arg['key']}:{bucket}", str(arg["value"]))
        elif kind == "acquire":
            self.acquire(arg, where)
        elif kind == "release":
            self.release(arg, where)
        elif kind == "guard":
            self.view(arg, where)
        elif kind == "books":
            self.books(arg, where)
        else:
            raise AssertionError(f"{where}: unknown step {kind!r}")


PYTHON_SCENARIOS = [s for s in SPEC["scenarios"] if "python" in s.get("clients", ["python"])]


@pytest.mark.parametrize("scenario", PYTHON_SCENARIOS, ids=[s["name"] for s in PYTHON_SCENARIOS])
@pytest.mark.within_one_hour(seconds=90)  # every count of a scenario in one hour bucket
def test_the_scenario_holds(scenario, redis_binary):
    run = Run(scenario, redis_binary)
    try:
        for i, step in enumerate(scenario["steps"]):
            run.step(step, f"{scenario['name']}, step {i + 1} {step}")
    finally:
        if run.state == "paused":
            run.server.resume()
        run.close()
