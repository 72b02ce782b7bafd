"""Runners that start while Redis is unreachable (README, fallback: "Starting without Redis"). By default a guard
without a share admits nothing and says so; with fleet_size N stated it may admit floor(cap / N) per window, and
guards on Redis keep that room for each runner they have not seen, so the fleet stays within the cap: two cold
runners plus one on Redis, cap 30, N = 3. The Java ColdStartTest runs the same fleet."""

import logging
import socket
import threading
import time

import pytest

from helpers import ultra_settings, wait_for
from sniper_client import SniperGuard, settings_from_dict

# Counts one hour's admissions on the real clock: never across the hour's end.
pytestmark = pytest.mark.within_one_hour(seconds=60)


class Forwarder:
    """Listens on a port reserved now and, once started, forwards each connection to Redis: until then nothing
    listens there (connection refused), as for a runner started while Redis is unreachable."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self._server = None

    def start(self):
        self._server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        if self._server is not None:
            self._server.close()


def guard(port, hourly=30, daily=0, fleet_size=0):
    settings = ultra_settings(port, hourly=hourly, daily=daily, fleet_size=fleet_size)
    settings["redis"]["decision_timeout_ms"] = 300
    return SniperGuard(settings_from_dict(settings, {}))


def test_two_cold_runners_and_one_on_redis_stay_within_the_cap_and_the_books_end_exact(redis_server, caplog):
    forwarder = Forwarder(redis_server.port)
    guards = []
    try:
        with caplog.at_level(logging.INFO, logger="sniper_client"):
            warm = guard(redis_server.port, fleet_size=3)
            cold_a, cold_b = guard(forwarder.port, fleet_size=3), guard(forwarder.port, fleet_size=3)
            guards = [warm, cold_a, cold_b]
            decided = [(g, g.acquire(f"s-{i}-{n}")) for i in range(20) for n, g in enumerate(guards)]
            assert sum(d.allowed for g, d in decided if g is warm) == 10, "30 less 10 kept for each unseen runner"
            assert [d.backend for g, d in decided if g is warm and d.allowed] == ["redis"] * 10
            for cold in (cold_a, cold_b):
                mine = [d for g, d in decided if g is cold]
                assert sum(d.allowed for d in mine) == 10, "floor(30 / 3)"
                assert {d.reason for d in mine if not d.allowed} <= {"SNIPER_FALLBACK_SHARE"}
            share_used = next(d for g, d in decided if d.reason == "SNIPER_FALLBACK_SHARE")
            assert share_used.detail.startswith(
                "this guard's share of the hourly cap for a start without Redis (10, the cap / fleet_size) is used up")
            assert all(d.reason != "SNIPER_HOURLY_CAP" for g, d in decided if g is not warm)

            forwarder.start()
            wait_for(lambda: cold_a.reconciled() and cold_b.reconciled() and cold_a._last_epoch and cold_b._last_epoch
                     and warm.live_guards == 3, seconds=30, what="the cold runners credited and registered")
            decided += [(g, g.acquire(f"t-{i}-{n}")) for i in range(5) for n, g in enumerate(guards)]
            total = sum(d.allowed for _, d in decided)
            assert total <= 30, "the fleet within the cap"
            assert warm.status()["hour"] == total, "Redis books every admission"
        messages = [r.getMessage() for r in caplog.records]
        assert any(m.startswith("sniper: Redis unreachable at start; deciding with local (up to floor(cap / 3) per "
                                "window until it reaches Redis (fleet_size 3); cause: ") for m in messages), messages
        assert not any("were redis" in m for m in messages)
    finally:
        for g in guards:
            g.close()
        forwarder.close()


def test_a_single_process_deployment_that_says_so_works_normally_without_redis(caplog):
    with caplog.at_level(logging.INFO, logger="sniper_client"):
        g = guard(Forwarder(1).port, hourly=5, fleet_size=1)
        try:
            decided = [g.acquire() for _ in range(7)]
            assert [d.allowed for d in decided] == [True] * 5 + [False] * 2
            assert (decided[5].reason, decided[5].hour_count) == ("SNIPER_HOURLY_CAP", 5), "5 of 5: the cap itself"
        finally:
            g.close()
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("sniper: Redis unreachable at start; deciding with local (up to floor(cap / 1)")
               for m in messages), messages
    assert not any("were redis" in m for m in messages)
