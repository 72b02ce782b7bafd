"""SniperGuard.acquire (one EVALSHA of acquire.lua, no id) vs redis-py PING and vs a bare EVALSHA of the same
script through ScriptRunner (the floor: what the guard adds is the rest), one thread, interleaved rounds
(A B C A B C ...) on a fresh redis-server; prints per-round p50/p99 and the median ratios. Run: /usr/bin/python3 clients/python/benchmarks/acquire_vs_ping.py [rounds] [calls per round]"""

import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parent / "tests")]

from redis_process import RedisProcess, find_redis_server  # noqa: E402
from helpers import ultra_settings  # noqa: E402
from sniper_client import ScriptCatalog, ScriptRunner, SniperGuard, settings_from_dict  # noqa: E402


def timings(call, n):
    out = []
    for _ in range(n):
        start = time.perf_counter_ns()
        call()
        out.append(time.perf_counter_ns() - start)
    out.sort()
    return out[len(out) // 2] / 1000, out[int(len(out) * 0.99)] / 1000


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    server = RedisProcess(find_redis_server()).start()
    guard = SniperGuard(settings_from_dict(ultra_settings(server.port, hourly=0, daily=0), {}))
    ping = server.client()
    runner = ScriptRunner(server.client(), ScriptCatalog.load())
    argv = ["0", "0", "0", "0", "", "", "fixed", ""]

    def bare():
        return runner.call("acquire", ["bench"], argv)

    try:
        timings(guard.acquire, 500), timings(ping.ping, 500), timings(bare, 500)  # warm-up
        vs_ping, vs_bare = [], []
        for r in range(rounds):
            p50_ping, p99_ping = timings(ping.ping, calls)
            p50_bare, p99_bare = timings(bare, calls)
            p50_acq, p99_acq = timings(guard.acquire, calls)
            vs_ping.append(p50_acq / p50_ping)
            vs_bare.append(p50_acq / p50_bare)
            print(f"round {r + 1}: PING p50 {p50_ping:.0f} us p99 {p99_ping:.0f} | bare EVALSHA p50 {p50_bare:.0f} "
                  f"p99 {p99_bare:.0f} | acquire p50 {p50_acq:.0f} p99 {p99_acq:.0f} | "
                  f"acquire/PING {vs_ping[-1]:.2f}, acquire/EVALSHA {vs_bare[-1]:.2f}")
        print(f"median p50 ratios: acquire/PING {statistics.median(vs_ping):.2f}, "
              f"acquire/bare EVALSHA {statistics.median(vs_bare):.2f} (backend {guard.backend})")
    finally:
        guard.close()
        server.stop()


if __name__ == "__main__":
    main()
