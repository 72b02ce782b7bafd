"""A Python guard and a Java guard (the command-line tool's `demo`, a child JVM: four runner threads into one guard)
share one cap on one Redis: together they admit exactly the cap, each sees the other in the heartbeat
registry, and Redis's count is the cap."""

import json
import os
import subprocess
import time

import pytest

from conftest import REPO_ROOT, missing
from helpers import ultra_settings
from sniper_client import SniperGuard, settings_from_dict

# Counts one hour's admissions on the real clock: never across the hour's end.
pytestmark = pytest.mark.within_one_hour(seconds=60)

CAP = 40


def test_a_python_and_a_java_guard_share_one_cap_exactly(redis_server, tmp_path):
    jar = os.environ.get("SNIPER_CLI_JAR", str(REPO_ROOT / "cli" / "target" / "sniper-cli.jar"))
    if not os.path.exists(jar):
        missing(f"the command-line tool's jar {jar} (./mvnw -B verify builds it before this module)")
    config = tmp_path / "settings.yaml"
    config.write_text(f"redis:\n  enabled: true\n  host: 127.0.0.1\n  port: {redis_server.port}\n  namespace: shared\n"
                      "  decision_timeout_ms: 2000\n")
    # The demo decides in <namespace>-demo with MTF required and the caps it is given: the Python side matches.
    settings = ultra_settings(redis_server.port, hourly=0, daily=CAP, namespace="shared-demo")
    settings["redis"]["decision_timeout_ms"] = 2000
    settings["runtime"]["sniper_mode"]["mtf_confirm"] = True
    guard = SniperGuard(settings_from_dict(settings, {}))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ULTRA_SIGNALS_")}
    java = subprocess.Popen(["java", "-jar", jar, "demo", "--config", str(config), "--json", "--hourly-cap", "100000",
                             "--daily-cap", str(CAP), "--runners", "2", "--interval-ms", "15", "--unconfirmed", "0",
                             "--redis-seconds", "3", "--outage-seconds", "0", "--recovery-seconds", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    client = redis_server.client()
    python_admitted, python_backends, live_seen = 0, set(), 0
    try:
        # Start once the Java guard is deciding, so the two really race for the same cap.
        deadline = time.monotonic() + 120
        while not client.keys("shared-demo:day:*") and java.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        i = 0
        while java.poll() is None and time.monotonic() < deadline:
            d = guard.acquire(f"py-{i}", mtf_confirmed=True)
            python_admitted += d.allowed
            python_backends.add(d.backend)
            live_seen = max(live_seen, guard.live_guards)
            i += 1
            time.sleep(0.005)
        out, err = java.communicate(timeout=120)
        assert java.returncode == 0, err
        summary = json.loads(out.strip().splitlines()[-1])
        java_admitted = summary["admitted"]
        # Redis decided every signal: itself, or by a cap block (the demo's capped strategy) repeated from memory.
        assert set(summary["backend_counts"]) <= {"redis", "cache"}, summary
        assert sum(summary["backend_counts"].values()) == summary["signals"], summary
        assert "redis" in python_backends and python_backends <= {"redis", "cache"}, python_backends  # cache: blocks
        assert python_admitted > 0 and java_admitted > 0, (python_admitted, java_admitted)
        assert python_admitted + java_admitted == CAP
        assert sum(int(client.get(k)) for k in client.keys("shared-demo:day:*")) == CAP
        assert live_seen == 3  # the Python guard and both demo runners registered in the heartbeat registry
        assert not guard.acquire("py-last", mtf_confirmed=True).allowed
    finally:
        if java.poll() is None:
            java.kill()
        guard.close()
