"""Redis trouble on a real server: SIGSTOP past the decision timeout, SIGKILL and restart without persistence.
Each: no exception reaches the caller, no decision waits much past the timeout, and once Redis is back its
books hold exactly the admissions made. Plus allow/deny, and two guards sharing a cap through an outage."""

import logging
import threading
import time

import pytest

from helpers import ultra_settings, wait_for
from sniper_client import ScriptCatalog, SniperGuard, settings_from_dict

# Counts one hour's admissions on the real clock: never across the hour's end.
pytestmark = pytest.mark.within_one_hour(seconds=60)

DECISION_TIMEOUT_S = 0.1
# The bound on one decision: the timeout plus scheduling slack on a loaded 2-core machine.
WAIT_BOUND_S = DECISION_TIMEOUT_S + 0.4


def guard_for(server, policy="local", daily=100, **kw):
    return SniperGuard(settings_from_dict(ultra_settings(server.port, hourly=0, daily=daily, policy=policy), {}), **kw)


def timed(guard, signal_id=None):
    start = time.monotonic()
    d = guard.acquire(signal_id)
    took = time.monotonic() - start
    assert took < WAIT_BOUND_S, f"a decision waited {took:.3f} s"
    return d


def redis_day_count(server):
    return sum(int(server.client().get(k)) for k in server.client().keys("sniper_signals:day:*"))


def cut_off(guard):
    """Redis is away: one decision notices, then (recovery rule) local admissions wait until Redis must hold
    this guard's share (its redis heartbeat lapsed). Returns whether that first decision was admitted."""
    first = timed(guard)
    assert first.backend == "local"
    wait_for(guard.local_admissions_open, what="local admissions to open")
    return first.allowed


def settle(guard):
    """Redis back: wait until everything local is credited and decisions are back on Redis; returns how many
    of the decisions made meanwhile were admitted (each is in the books too)."""
    wait_for(lambda: guard.reconciled() and guard._reconciler.caught_up, what="reconciliation")
    made = []

    def back_on_redis():
        made.append(guard.acquire())
        return made[-1].backend == "redis" and guard.backend == "redis"

    wait_for(back_on_redis, what="decisions back on Redis")
    wait_for(lambda: guard.reconciled(), what="the last local admissions credited")
    return sum(d.allowed for d in made)


def test_pause_past_the_timeout_with_and_without_ids(redis_server, caplog):
    guard = guard_for(redis_server)
    admitted = 0
    try:
        with caplog.at_level(logging.INFO, logger="sniper_client"):
            for i in range(5):
                admitted += timed(guard, f"before-{i}").allowed
            wait_for(lambda: guard.clock.known, what="a heartbeat")
            redis_server.pause()
            admitted += cut_off(guard)
            outage = [timed(guard, f"during-{i}") for i in range(8)] + [timed(guard) for _ in range(8)]
            assert all(d.allowed and d.backend == "local" for d in outage)
            admitted += sum(d.allowed for d in outage)
            redis_server.resume()
            admitted += settle(guard)
            after = [guard.acquire() for _ in range(3)]
            assert all(d.backend == "redis" for d in after)
            admitted += sum(d.allowed for d in after)
            assert redis_day_count(redis_server) == admitted
        changes = [r.getMessage() for r in caplog.records if "decisions now made by" in r.getMessage()]
        assert len(changes) == 2 and changes[1] == "sniper: decisions now made by redis (were local)"
        assert changes[0].startswith("sniper: decisions now made by local (were redis; cause: ") and "timeout" in changes[0]
    finally:
        redis_server.resume()
        guard.close()


def test_kill_and_restart_without_persistence_books_stay_complete(redis_server):
    guard = guard_for(redis_server)
    try:
        before = [timed(guard, f"k{i}") for i in range(4)]
        assert all(d.allowed and d.backend == "redis" for d in before)
        # What a restore can put back is what the last heartbeat saw (at most one interval stale).
        wait_for(lambda: guard._last_beat is not None and guard._last_beat[2] == 4, what="a heartbeat seeing 4")
        redis_server.kill()
        first = cut_off(guard)
        outage = [timed(guard, f"o{i}") for i in range(10)]
        assert all(d.allowed and d.backend == "local" for d in outage)
        redis_server.restart()
        meanwhile = settle(guard)
        # the 4 lost with the process are restored once, the 10 local ones credited
        assert redis_day_count(redis_server) == 4 + first + 10 + meanwhile
    finally:
        guard.close()


@pytest.mark.parametrize("policy, allowed, reason", [("allow", True, "OK"), ("deny", False, "SNIPER_FALLBACK_DENY")])
def test_allow_and_deny_policies(redis_server, policy, allowed, reason):
    guard = guard_for(redis_server, policy=policy)
    try:
        assert guard.acquire().backend == "redis"
        redis_server.kill()
        for _ in range(5):
            d = timed(guard)
            assert (d.allowed, d.reason, d.backend) == (allowed, reason, policy)
        assert guard.release("never-seen").queued is True
    finally:
        guard.close()


def test_two_guards_share_what_was_left_of_the_cap_through_an_outage(redis_server):
    guards = [guard_for(redis_server, daily=21, guard_id=f"g{i}") for i in range(2)]
    try:
        for i in range(5):
            assert guards[i % 2].acquire().allowed
        today = time.time_ns() // 86_400_000_000_000
        wait_for(lambda: all(g.live_guards == 2 and g._fleet.count("day", today) == 5 for g in guards),
                 what="both heartbeats seeing 2 guards and 5 admitted")
        assert [g.day_budget() for g in guards] == [8, 8]  # floor((21 - 5) / 2)
        redis_server.kill()
        local = [cut_off(g) for g in guards]
        local = [n + sum(timed(g).allowed for _ in range(15)) for n, g in zip(local, guards)]
        assert local == [8, 8]  # the fleet admits exactly the cap: 5 + 16 = 21
        redis_server.restart()
        for g in guards:
            wait_for(lambda: g.reconciled() and g._reconciler.caught_up, what="reconciliation")
        assert redis_day_count(redis_server) == 21
        assert all(g.acquire().reason == "SNIPER_DAILY_CAP" for g in guards)
    finally:
        for g in guards:
            g.close()


def test_redis_unreachable_from_the_start_decides_locally_without_waiting(redis_binary):
    from redis_process import free_port
    settings = settings_from_dict(ultra_settings(free_port(), hourly=0, daily=3), {})
    start = time.monotonic()
    guard = SniperGuard(settings)
    try:
        assert time.monotonic() - start < 5.5  # waits at most redis.timeout for the first beat
        results = [timed(guard) for _ in range(5)]
        if ScriptCatalog.load().heartbeat_records_shares:
            # The recovery rule: no heartbeat reply, no recorded share: nothing is admitted locally.
            assert [d.allowed for d in results] == [False] * 5
        else:
            # The earlier v1 rule: a guard that never heard of others enforces the whole cap alone.
            assert [d.allowed for d in results] == [True, True, True, False, False]
        assert {d.backend for d in results} == {"local"}
    finally:
        guard.close()


def test_redis_holds_back_the_share_of_a_guard_not_yet_credited(redis_server):
    """The overshoot bound through recovery (lua/README.md, "Recovery"): after an outage, a guard back on Redis
    cannot admit against books that miss another guard's uncredited local admissions."""
    if not ScriptCatalog.load().heartbeat_records_shares:
        pytest.skip("the installed lua/v1/heartbeat.lua predates the recovery rule (it records no shares)")
    fast = guard_for(redis_server, daily=20, guard_id="fast")
    slow = guard_for(redis_server, daily=20, guard_id="slow", start=False)  # its heartbeats are driven by the test
    try:
        slow._beat()
        wait_for(lambda: fast.live_guards == 2, what="the fast guard seeing both")
        slow._beat()
        wait_for(lambda: fast.day_budget() == 10 and slow.day_budget() == 10, what="shares of 10 recorded for both")
        redis_server.pause()
        assert cut_off(fast) + sum(timed(fast).allowed for _ in range(12)) == 10
        assert cut_off(slow) + sum(timed(slow).allowed for _ in range(3)) == 4  # less than its share
        redis_server.resume()
        wait_for(lambda: fast.reconciled() and fast._reconciler.caught_up, what="the fast guard crediting")
        wait_for(lambda: fast.acquire().backend == "redis", what="the fast guard back on Redis")
        # Redis has 10 (the fast guard's credit) and holds back the slow guard's share of 10.
        assert not slow.reconciled() and fast.held("day") == 10
        blocked = [fast.acquire() for _ in range(5)]
        assert [(d.allowed, d.reason, d.backend) for d in blocked] == [(False, "SNIPER_DAILY_CAP", "redis")] * 5
        time.sleep(0.35)  # the slow guard's breaker half-opens
        slow._beat()  # beats "local", credits its 4, beats "redis": nothing is held any more
        assert slow.reconciled() and slow._reconciler.caught_up
        wait_for(lambda: fast.held("day") == 0, what="the hold lifted")
        assert sum(fast.acquire().allowed for _ in range(10)) == 6
        assert redis_day_count(redis_server) == 20
    finally:
        redis_server.resume()
        fast.close()
        slow.close()


def test_script_flush_mid_run_reloads_without_a_fallback(redis_server):
    guard = guard_for(redis_server)
    try:
        assert guard.acquire().backend == "redis"
        redis_server.client().script_flush()
        after = [guard.acquire() for _ in range(3)]
        assert [d.backend for d in after] == ["redis"] * 3 and guard.backend == "redis"
        assert redis_day_count(redis_server) == 4
    finally:
        guard.close()


def test_an_acl_change_revoking_evalsha_falls_back_and_books_stay_complete(redis_server):
    guard = guard_for(redis_server)
    admin = redis_server.client()
    try:
        assert guard.acquire().backend == "redis"
        admin.execute_command("ACL", "SETUSER", "default", "-evalsha", "-eval")
        first = timed(guard)
        assert first.backend == "local" and "permission" in first.detail
        wait_for(guard.local_admissions_open, what="local admissions to open")
        denied = [timed(guard) for _ in range(3)]
        assert all(d.allowed and d.backend == "local" for d in denied)
        admin.execute_command("ACL", "SETUSER", "default", "+@all")
        meanwhile = settle(guard)
        assert redis_day_count(redis_server) == 1 + first.allowed + 3 + meanwhile
    finally:
        admin.execute_command("ACL", "SETUSER", "default", "+@all")
        guard.close()


def test_a_call_that_reaches_redis_after_its_deadline_is_sent_once_more(redis_server):
    """Held up between taking the time and sending (a loaded machine): Redis refuses the late call and writes
    nothing, so the guard tries once more rather than falling back."""
    guard = guard_for(redis_server)
    real_deadline = guard.clock.deadline
    deadlines = []

    def first_one_already_past(timeout_ms):
        if threading.current_thread().name == "sniper-heartbeat":
            return real_deadline(timeout_ms)
        deadlines.append(timeout_ms)
        return "1" if len(deadlines) == 1 else real_deadline(timeout_ms)

    try:
        guard.clock.deadline = first_one_already_past
        d = guard.acquire()
        assert (d.allowed, d.backend, guard.backend, len(deadlines)) == (True, "redis", "redis", 2)
        assert redis_day_count(redis_server) == 1
    finally:
        guard.close()


def test_no_decision_is_held_back_for_the_guards_own_share_while_it_returns(redis_server):
    """Redis holds a returning guard's own share until its "redis" beat: no decision may reach Redis before that
    beat, or Redis blocks it against that share (seen with a slow log sink between the credit and the beat)."""
    guard = guard_for(redis_server, daily=100_000)

    class SlowSink(logging.Handler):
        def emit(self, record):
            if "credited" in record.getMessage():
                time.sleep(0.5)

    sink = SlowSink()
    logger = logging.getLogger("sniper_client")
    logger.addHandler(sink)
    logger.setLevel(logging.INFO)
    blocked, admitted, running = [], [0], [True]

    def signals():
        while running[0]:
            d = guard.acquire()
            if d.allowed:
                admitted[0] += 1
            elif not (d.detail or "").startswith("local admissions wait"):
                blocked.append(d)
            time.sleep(0.005)

    worker = threading.Thread(target=signals)
    try:
        wait_for(lambda: guard.clock.known, what="a heartbeat")
        worker.start()
        redis_server.pause()
        wait_for(lambda: guard.backend == "local" and guard.local_admissions_open(), what="local admissions")
        time.sleep(0.1)
        redis_server.resume()
        wait_for(lambda: guard.reconciled() and guard._reconciler.caught_up, what="reconciliation")
        time.sleep(0.7)
        running[0] = False
        worker.join(10)
        assert blocked == [], f"{len(blocked)} decisions blocked with the cap 100,000 far away: {blocked[:2]}"
        assert redis_day_count(redis_server) == admitted[0]
    finally:
        running[0] = False
        logger.removeHandler(sink)
        redis_server.resume()
        guard.close()
