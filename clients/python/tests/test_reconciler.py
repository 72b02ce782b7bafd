"""The reconciliation ledger without Redis and without sleeping: a second LocalEngine plays Redis's books (it answers
as the scripts do, lua/test-vectors.json), on a clock the test moves by hand (as Java's ReconcilerTest)."""
from sniper_client.local_engine import LocalEngine
from sniper_client.reconciler import Reconciler

T0 = 1_700_000_000_000  # hour bucket 472222, day bucket 19675


def engines():
    now = [T0]
    local, books = LocalEngine(clock=lambda: now[0]), LocalEngine(clock=lambda: now[0])
    return local, books, Reconciler(local, "g"), lambda name, argv: books.call(name, ["t"], argv)


def admit(local, signal_id):
    reply = local.call("acquire", ["t"], ["100", "1000", "0", "0", signal_id, str(T0), "fixed"])
    assert reply[0] == 1


def hour_in_books(books):
    return books.call("status", ["t"], [str(T0)])[0]


def test_a_local_release_after_its_credit_is_taken_back_from_redis():
    local, books, ledger, call = engines()
    admit(local, "a")
    admit(local, "b")
    ledger.mark_dirty()
    assert ledger.flush(call) == 2
    assert hour_in_books(books) == 2
    assert local.call("release", ["t"], ["a"])[0] == 1
    ledger.mark_dirty()
    assert ledger.flush(call) == 0
    assert hour_in_books(books) == 1, "the release reached Redis's books"
    assert not ledger.has_pending()
    assert ledger.flush(call) == 0
    assert hour_in_books(books) == 1, "once"


def test_a_settled_id_already_credited_in_an_earlier_batch_is_taken_back():
    local, books, ledger, call = engines()
    admit(local, "x")
    ledger.mark_dirty()
    assert ledger.flush(call) == 1  # credited: Redis counts x once
    # x's Redis call had an unknown outcome and did run: the settle finds it counted there as well.
    books.call("acquire", ["t"], ["0", "0", "0", "0", "x", str(T0), "fixed"])
    ledger.record_ambiguous("x", T0, True)
    assert hour_in_books(books) == 2
    ledger.flush(call)
    assert hour_in_books(books) == 1, "one admission, in the books once"
    assert not ledger.has_pending()
