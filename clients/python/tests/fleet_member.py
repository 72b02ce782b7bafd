"""A Python guard as one member of a mixed Java and Python fleet, driven by the Java suite (MixedFleetOutageTest)
over stdin and stdout, one command and one reply a line:

    python3 fleet_member.py SETTINGS_YAML ID_PREFIX PAUSE_MS
    live             -> the guards this guard last heard of in Redis's registry
    before N         -> {"admitted": n}: N MTF-confirmed signals with ids, one after another
    run              -> "running": a thread offers a confirmed signal with an id every PAUSE_MS until stop
    stop             -> {"admitted", "local", "decisions", "exceptions", "reconciled", "guard_id"} once the thread
                        has stopped and the guard is back on Redis with nothing left to credit (at most 30 s;
                        nudged with unconfirmed signals, which count nothing); then the guard closes and this exits

The guard is the package's SniperGuard with its own heartbeat thread, on the settings file given."""

import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sniper_client import SniperGuard, load_settings  # noqa: E402


def main() -> int:
    settings_path, prefix, pause_s = sys.argv[1], sys.argv[2], int(sys.argv[3]) / 1000.0
    guard = SniperGuard(load_settings(settings_path, {}))
    stopping = threading.Event()
    tally = {"admitted": 0, "local": 0, "decisions": 0, "exceptions": 0}

    def offer():
        n = 0
        while not stopping.is_set():
            n += 1
            try:
                d = guard.acquire(f"{prefix}run-{n}", True)
                tally["decisions"] += 1
                if d.allowed:
                    tally["admitted"] += 1
                    tally["local"] += d.backend == "local"
            except Exception:  # the guard must never raise into a runner: counted, and the run fails
                tally["exceptions"] += 1
            stopping.wait(pause_s)

    runner = threading.Thread(target=offer, name="offer", daemon=True)

    def reply(value):
        print(value if isinstance(value, str) else json.dumps(value), flush=True)

    try:
        reply("ready")
        for line in sys.stdin:
            command = line.split()
            if not command:
                continue
            if command[0] == "live":
                reply(str(guard.live_guards))
            elif command[0] == "before":
                reply({"admitted": sum(guard.acquire(f"{prefix}before-{i}", True).allowed for i in range(int(command[1])))})
            elif command[0] == "run":
                runner.start()
                reply("running")
            elif command[0] == "stop":
                stopping.set()
                runner.join(30)
                deadline = time.monotonic() + 30
                reconciled = False
                while time.monotonic() < deadline and not reconciled:
                    guard.acquire(None, False)
                    reconciled = guard.reconciled() and guard.backend == "redis"
                    if not reconciled:
                        time.sleep(0.05)
                reply(dict(tally, reconciled=reconciled, guard_id=guard.guard_id))
                return 0
            else:
                reply(f"unknown command {command[0]!r}")
        return 1
    finally:
        guard.close()


if __name__ == "__main__":
    sys.exit(main())
