"""The cache of cap blocks on hand-given Redis times (no Redis, no sleeps): when it answers, when it asks Redis, and
that it never admits. The same cases as the Java agent's BlockCacheTest, under the same constants."""

import random
import re

import pytest

from conftest import REPO_ROOT
from sniper_client import block_cache
from sniper_client.block_cache import EARLY_MS, FLEET, MAX_IDS, BlockCache, tracked_prefixes
from sniper_client.guard import Decision

NS = "ns"
T0 = 1_000_000
RETRY = 60_000
T = T0 + RETRY


def argv(signal_id=None, mtf_required=False, mtf_confirmed=False, scopes=()):
    a = ["2", "6", "1" if mtf_required else "0", "1" if mtf_confirmed else "0", signal_id or "", "", "fixed"]
    if scopes:
        a += [""] + [str(x) for triple in scopes for x in triple]
    return a


def redis_block(at, retry, layer="fleet", backend="redis", replayed=False, reason="SNIPER_HOURLY_CAP"):
    return Decision(False, reason, 2, 2, retry, backend, replayed, at, False, None, layer)


def admitted(at):
    return Decision(True, "OK", 1, 1, 0, "redis", False, at)


def cached(reason, hour, day, retry, now, layer):
    return Decision(False, reason, hour, day, retry, "cache", False, now, False, None, layer)


@pytest.fixture
def cache():
    return BlockCache(True, NS)


def answer(cache, a, now):
    return cache.answer(a, now, cached)


def learn_block(cache):
    cache.learn(argv(), redis_block(T0, RETRY), cache.generation())


def test_the_rules_constants_are_javas():
    java = next(REPO_ROOT.glob("*/src/main/java/io/ultrasignals/sniper/guard/BlockCache.java")).read_text()  # its module

    def constant(name):
        return int(re.search(rf"static final (?:long|int) {name} = ([0-9_]+)L?;", java).group(1).replace("_", ""))

    assert (EARLY_MS, MAX_IDS, block_cache.ADMITTED_ID_MS) == (constant("EARLY_MS"), constant("MAX_IDS"),
                                                             constant("ADMITTED_ID_MS"))
    suffixes = re.search(r'List\.of\(("hour:"[^)]*)\)', java).group(1)
    assert tracked_prefixes(NS) == [NS + ":" + s for s in re.findall(r'"([^"]+)"', suffixes)]


def test_a_cap_block_is_answered_from_memory_until_just_before_its_bucket_ends(cache):
    assert answer(cache, argv(), T0) is None
    learn_block(cache)
    d = answer(cache, argv(), T0 + 10)
    assert (d.allowed, d.reason, d.backend, d.hour_count) == (False, "SNIPER_HOURLY_CAP", "cache", 2)
    assert d.retry_after_ms == T - (T0 + 10)  # what Redis would say: until T
    assert answer(cache, argv(), T - EARLY_MS - 1) is not None
    assert answer(cache, argv(), T - EARLY_MS) is None  # the new bucket: Redis decides
    assert cache.size() == 0


def test_only_cap_blocks_of_redis_on_a_fixed_window_are_kept(cache):
    g = cache.generation()
    cache.learn(argv(), admitted(T0), g)
    cache.learn(argv(), Decision(False, "SNIPER_MTF_REQUIRED", 1, 1, 0, "redis", False, T0), g)
    cache.learn(argv(), redis_block(T0, RETRY, backend="local"), g)
    cache.learn(argv(), redis_block(T0, RETRY, replayed=True), g)
    assert cache.size() == 0
    sliding = BlockCache.for_policy("sliding", True, NS)
    sliding.learn(argv(), redis_block(T0, RETRY), sliding.generation())
    assert answer(sliding, argv(), T0) is None  # a sliding estimate falls with no write: never cached
    assert not BlockCache.for_policy("fixed", False, NS).enabled  # no Redis: nothing to save


def test_a_block_answers_only_signals_under_the_caps_it_was_answered_under(cache):
    learn_block(cache)
    raised = ["5"] + argv()[1:]  # the drop-in passes caps per call
    assert answer(cache, raised, T0 + 1) is None  # Redis decides under the other cap
    assert answer(cache, argv(), T0 + 1) is not None
    scoped = argv(scopes=[("symbol=BTCUSDT", 1, 0)])
    cache.learn(scoped, redis_block(T0, RETRY, layer="symbol=BTCUSDT"), cache.generation())
    assert answer(cache, argv(scopes=[("symbol=BTCUSDT", 3, 0)]), T0 + 1).layer == "fleet"  # the fleet's still holds
    cache.invalidate_key(NS + ":hour:1")
    assert answer(cache, argv(scopes=[("symbol=BTCUSDT", 3, 0)]), T0 + 1) is None
    assert answer(cache, scoped, T0 + 1).layer == "symbol=BTCUSDT"


def test_an_mtf_check_still_goes_to_redis(cache):
    learn_block(cache)
    assert answer(cache, argv(mtf_required=True), T0) is None  # Redis answers MTF before the caps
    assert answer(cache, argv(mtf_required=True, mtf_confirmed=True), T0) is not None


def test_a_write_that_may_free_a_slot_drops_the_layer(cache):
    learn_block(cache)
    cache.invalidate_key(NS + ":op:x")  # frees nothing, but drops everything (safe)
    assert cache.size() == 0
    learn_block(cache)
    cache.invalidate_key(NS + ":scope:symbol=BTC:USDT:hour:5")
    assert cache.size() == 1  # another layer's write
    cache.invalidate_key(NS + ":hour:277")
    assert answer(cache, argv(), T0) is None
    for key in (NS + ":day:11", NS + ":held", NS + ":policy", NS + ":halt", None):
        learn_block(cache)
        cache.invalidate_key(key)
        assert cache.size() == 0, key


def test_scope_keys_name_their_layer_even_with_colons_in_the_value(cache):
    assert cache.layer_of_key(NS + ":scope:symbol=BTC:USDT:hour:5") == "symbol=BTC:USDT"
    assert cache.layer_of_key(NS + ":scope:strategy=m:day:20000") == "strategy=m"
    assert cache.layer_of_key(NS + ":hour:5") == FLEET
    assert cache.layer_of_key(NS + ":held") is None
    assert tracked_prefixes(NS) == ["ns:hour:", "ns:day:", "ns:scope:", "ns:held", "ns:policy", "ns:halt"]


def test_a_reply_racing_an_invalidation_is_not_kept(cache):
    sent = cache.generation()
    cache.invalidate_key(NS + ":hour:277")  # a release ran after the script; its invalidation came before the reply
    cache.learn(argv(), redis_block(T0, RETRY), sent)
    assert cache.size() == 0
    cache.learn(argv(), redis_block(T0, RETRY), cache.generation())
    assert cache.size() == 1


def test_a_write_to_another_layer_does_not_spoil_a_reply_in_flight(cache):
    btc = argv(scopes=[("symbol=BTCUSDT", 1, 0)])
    sent = cache.generation()
    cache.invalidate_key(NS + ":hour:277")  # an open signal admitted meanwhile: the fleet's count moved
    cache.learn(btc, redis_block(T0, RETRY, layer="symbol=BTCUSDT"), sent)
    assert cache.size() == 1  # the scope's block: its keys did not move
    cache.learn(argv(), redis_block(T0, RETRY), sent)
    assert cache.size() == 1  # the fleet's block: its keys moved
    later = cache.generation()
    cache.invalidate_key(NS + ":scope:symbol=BTCUSDT:hour:277")
    cache.learn(btc, redis_block(T0, RETRY, layer="symbol=BTCUSDT"), later)
    assert cache.size() == 0
    cache.learn(btc, redis_block(T0, RETRY, layer="symbol=BTCUSDT"), cache.generation())
    cache.invalidate_key(NS + ":held")  # every layer
    cache.learn(btc, redis_block(T0, RETRY, layer="symbol=BTCUSDT"), cache.generation() - 1)
    assert cache.size() == 0


def test_an_answered_heartbeat_drops_everything_unless_tracking_proved_current_right_after_it(cache):
    learn_block(cache)
    cache.heartbeat_answered(True)
    assert cache.size() == 1
    cache.heartbeat_answered(False)
    assert cache.size() == 0  # tracking down, refused, off or silent: the heartbeat bounds the cache
    sent = cache.generation()
    cache.heartbeat_answered(False)
    cache.learn(argv(), redis_block(T0, RETRY), sent)
    assert cache.size() == 0  # a reply sent before an unproven beat


def test_tracking_going_on_or_off_drops_everything(cache):
    learn_block(cache)
    assert answer(cache, argv(), T0 + 1000) is not None  # Redis away: nothing drops it
    cache.tracking_changed(True)  # back: writes may have gone unseen
    assert cache.size() == 0


def test_tracking_is_wanted_while_an_entry_is_held_or_a_block_came_while_it_was_off(cache):
    assert not cache.wanted()  # nothing cached: admitted signals' writes need no invalidations
    learn_block(cache)
    assert cache.wanted()
    cache.invalidate_key(NS + ":hour:277")
    assert not cache.wanted()
    learn_block(cache)
    cache.tracking_changed(False)  # off: writes from now go unseen, so the entry goes
    assert cache.size() == 0 and not cache.wanted()
    learn_block(cache)
    assert cache.size() == 0  # tracking off: Redis answers blocks until it is on
    assert cache.wanted()  # a block came: tracking asked for
    assert not cache.wanted()  # asked once
    cache.tracking_changed(True)
    learn_block(cache)
    assert cache.size() == 1
    cache.tracking_lost()
    assert cache.size() == 1  # Redis may be away: the entry stays, bounded by the heartbeat
    cache.invalidate_key(NS + ":hour:277")
    learn_block(cache)
    assert cache.size() == 1  # no tracking to be had: kept under the heartbeat's bound


def test_an_id_blocked_from_memory_is_replayed_the_same_at_this_guard(cache):
    learn_block(cache)
    first = answer(cache, argv("a"), T0 + 100)
    replay = answer(cache, argv("a"), T0 + 5000)
    assert replay.replayed and not first.replayed
    assert (replay.reason, replay.retry_after_ms, replay.server_time_ms) == (first.reason, first.retry_after_ms,
                                                                            first.server_time_ms)
    cache.invalidate_key(NS + ":hour:277")  # a slot freed: new signals ask Redis, the id keeps its answer
    assert answer(cache, argv(), T0 + 6000) is None
    assert not answer(cache, argv("a"), T0 + 6000).allowed
    assert answer(cache, argv("a"), T - EARLY_MS) is None  # as Redis: stored until T


def test_an_id_redis_blocked_is_replayed_as_redis_would_and_an_admitted_id_always_goes_to_redis(cache):
    g = cache.generation()
    cache.learn(argv("blocked"), redis_block(T0, RETRY), g)
    replay = answer(cache, argv("blocked"), T0 + 10)
    assert replay.replayed and replay.backend == "cache"
    assert replay.retry_after_ms == RETRY  # the stored retry, as Redis replays it
    cache.learn(argv("admitted"), admitted(T0 - 5), g)
    assert answer(cache, argv("admitted"), T0 + 10) is None  # its stored admission is Redis's to replay
    cache.decided_elsewhere("local", T0)
    assert answer(cache, argv("local"), T0 + 10) is None
    assert not answer(cache, argv("new"), T0 + 10).allowed


def test_past_the_ids_it_can_remember_an_id_goes_to_redis_until_expired_ones_are_dropped(cache):
    learn_block(cache)
    for i in range(MAX_IDS):
        assert answer(cache, argv(f"id-{i}"), T0) is not None
    assert answer(cache, argv("one-more"), T0 + 1) is None  # full: Redis keeps this id's block
    assert answer(cache, argv("id-7"), T0 + 2).replayed  # a remembered one still replays
    assert answer(cache, argv(), T0 + 3) is not None  # signals without an id need no memory
    cache.learn(argv(), redis_block(T, RETRY), cache.generation())  # the next bucket, blocked again
    assert answer(cache, argv("one-more"), T + 10) is not None  # the old bucket's ids dropped


def test_a_scopes_block_answers_only_signals_of_that_scope_and_names_it(cache):
    btc = argv(scopes=[("symbol=BTCUSDT", 1, 0)])
    eth = argv(scopes=[("symbol=ETHUSDT", 1, 0)])
    cache.learn(btc, redis_block(T0, RETRY, layer="symbol=BTCUSDT"), cache.generation())
    d = answer(cache, btc, T0 + 1)
    assert (d.layer, d.backend) == ("symbol=BTCUSDT", "cache")
    assert answer(cache, eth, T0 + 1) is None  # another value of the dimension
    assert answer(cache, argv(), T0 + 1) is None  # a signal without the scope
    cache.invalidate_key(NS + ":hour:277")
    assert answer(cache, btc, T0 + 2) is not None  # a fleet write leaves the scope's block
    cache.invalidate_key(NS + ":scope:symbol=BTCUSDT:hour:277")
    assert answer(cache, btc, T0 + 3) is None
    learn_block(cache)
    assert answer(cache, eth, T0 + 4).layer == "fleet"  # the fleet's block covers every scope


def test_never_admits_whatever_happens_in_whatever_order(cache):
    rnd = random.Random(24)
    now = T0
    for _ in range(20_000):
        now += rnd.randrange(2000)
        step = rnd.randrange(7)
        some_id = None if rnd.random() < 0.5 else f"id{rnd.randrange(50)}"
        if step == 0:
            cache.learn(argv(some_id), redis_block(now, 1 + rnd.randrange(120_000)), cache.generation() - rnd.randrange(2))
        elif step == 1:
            cache.learn(argv(f"id{rnd.randrange(50)}"), admitted(now), cache.generation())
        elif step == 2:
            cache.invalidate_key(NS + ":hour:1" if rnd.random() < 0.5 else NS + ":held")
        elif step == 3:
            cache.heartbeat_answered(rnd.random() < 0.5)
        elif step == 4:
            cache.tracking_changed(rnd.random() < 0.5)
        else:
            d = answer(cache, argv(some_id), now)
            if d is not None:
                assert not d.allowed
                assert d.backend == "cache"
                assert d.reason in ("SNIPER_HOURLY_CAP", "SNIPER_DAILY_CAP")
