"""Redis's server-assisted invalidation for the cache of cap blocks, as redis-py 4.3 can have it.

redis-py 4.3 (Debian's python3-redis) speaks RESP2 only: a RESP2 connection gets no push messages. So the
invalidations come the RESP2 way: one connection of its own runs ``CLIENT ID``, then ``CLIENT TRACKING on REDIRECT
<its own id> BCAST PREFIX ...``, then ``SUBSCRIBE __redis__:invalidate``; Redis then publishes on it the names of the
keys written under the prefixes, by any client of the fleet. (The Java agent has the same on a RESP3 connection.)
Redis 6.2 and 7 accept the redirect to the connection itself, so one connection is enough; the guard's command
connections are untouched.

Tracking is on only while the cache wants it (listener.wanted()), and off again once it has not for
IDLE_BEFORE_OFF_S: while signals are admitted every decision writes the count keys, and an invalidation per write
would cost Redis a message per decision. A subscribed RESP2 connection can send no CLIENT TRACKING off, so tracking
goes off by closing the connection (tracking ends with its client).

One daemon thread reads the connection and checks it every CHECK_S: opens it and turns tracking on when wanted
(then listener.tracking_changed(True)), closes it when not (tracking_changed(False) first), and PINGs it: a connection
that fails, or leaves a PING unanswered for PING_TIMEOUT_S, is dropped (then listener.tracking_lost()); what the cache
holds stays (Redis may be away, when nothing can free a slot) and is bounded by the heartbeat (answers() is False),
or dropped when tracking comes on again. answers() proves the stream current: the PONG comes after every invalidation of a write before it. A refused
CLIENT TRACKING (an ACL without +client|tracking, a proxy) is logged once and tried again at the same pace: the guard
then relies on its heartbeat. Cluster has none of this (the guard relies on its heartbeat there, as Java does)."""

import logging
import threading
import time
from typing import Callable, List, Optional

LOG = logging.getLogger("sniper_client")

CHANNEL = "__redis__:invalidate"


class KeyInvalidations:
    CHECK_S = 0.2
    PING_TIMEOUT_S = 1.0
    IDLE_BEFORE_OFF_S = 1.0

    def __init__(self, connect: Callable[[], object], prefixes: List[str], listener, clock=time.monotonic):
        """connect(): a new, unconnected redis-py Connection to the server the guard decides with.
        listener: invalidated(key or None), tracking_changed(on), tracking_lost(), wanted() -> bool."""
        self._connect = connect
        self._prefixes = list(prefixes)
        self._listener = listener
        self._clock = clock
        self._conn = None
        self._tracking = False
        self._write_lock = threading.Lock()
        self._pongs = threading.Condition()
        self._pings_sent = 0
        self._pongs_seen = 0
        self._ping_outstanding_since: Optional[float] = None
        self._last_wanted = clock()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._refused_said = False

    def start(self) -> "KeyInvalidations":
        if self._thread is None:
            self._listener.tracking_changed(False)
            self._thread = threading.Thread(target=self._run, name="sniper-invalidations", daemon=True)
            self._thread.start()
        return self

    def live(self) -> bool:
        """True while tracking is on on an open connection."""
        return self._tracking

    def answers(self, timeout_s: float) -> bool:
        """True if tracking is on and the connection answers a PING within ``timeout_s``: every invalidation of a
        write Redis ran before this call has then arrived. Never raises."""
        conn = self._conn
        if not self._tracking or conn is None:
            return False
        try:
            token = self._ping(conn)
        except Exception:
            return False
        with self._pongs:
            self._pongs.wait_for(lambda: self._pongs_seen >= token or self._conn is not conn, timeout_s)
            return self._pongs_seen >= token and self._conn is conn and self._tracking

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        conn = self._conn
        self._conn, self._tracking = None, False
        if conn is not None:
            _disconnect(conn)

    # ---- the reader thread

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._step()
            except Exception as e:
                LOG.debug("sniper: invalidation connection failed: %s", e.__class__.__name__)
                self._drop()
                self._stop.wait(self.CHECK_S)

    def _step(self) -> None:
        now = self._clock()
        wanted = self._listener.wanted()
        if wanted:
            self._last_wanted = now
        if not self._tracking:
            if wanted:
                self._track()
            else:
                self._stop.wait(self.CHECK_S)
            return
        if not wanted and now - self._last_wanted >= self.IDLE_BEFORE_OFF_S:
            self._untrack()
            return
        conn = self._conn
        since = self._ping_outstanding_since
        if since is None:
            self._ping(conn)
        elif now - since >= self.PING_TIMEOUT_S:
            raise TimeoutError("the invalidation connection left a PING unanswered")
        end = now + self.CHECK_S
        while not self._stop.is_set():
            left = end - self._clock()
            if left <= 0 or not conn.can_read(timeout=left):
                return
            self._dispatch(conn.read_response())

    def _track(self) -> None:
        conn = self._connect()
        try:
            conn.connect()
            conn.send_command("CLIENT", "ID")
            client_id = conn.read_response()
            args = ["CLIENT", "TRACKING", "on", "REDIRECT", client_id, "BCAST"]
            for p in self._prefixes:
                args += ["PREFIX", p]
            conn.send_command(*args)
            conn.read_response()  # a refusal raises here
            conn.send_command("SUBSCRIBE", CHANNEL)
            conn.read_response()
        except Exception as e:
            _disconnect(conn)
            if not self._refused_said and not _connection_trouble(e):
                self._refused_said = True
                LOG.warning("sniper: Redis refused CLIENT TRACKING (%s): cached cap blocks end at the next heartbeat "
                            "instead of at once when a slot frees up", str(e)[:160])
            raise
        with self._pongs:
            self._pongs_seen = self._pings_sent  # pings of an earlier connection are never answered
        self._conn, self._ping_outstanding_since = conn, None
        self._tracking = True
        self._listener.tracking_changed(True)

    def _untrack(self) -> None:
        """Off: the listener drops what relied on the invalidations before they stop."""
        self._tracking = False
        self._listener.tracking_changed(False)
        self._close()

    def _drop(self) -> None:
        """A failure (or a refusal): no tracking to be had for now."""
        self._close()
        self._listener.tracking_lost()

    def _close(self) -> None:
        conn = self._conn
        self._conn, self._tracking, self._ping_outstanding_since = None, False, None
        if conn is not None:
            _disconnect(conn)
        with self._pongs:
            self._pongs_seen = self._pings_sent
            self._pongs.notify_all()

    def _ping(self, conn) -> int:
        with self._write_lock:
            self._pings_sent += 1
            token = self._pings_sent
            if self._ping_outstanding_since is None:
                self._ping_outstanding_since = self._clock()
            conn.send_command("PING")
        return token

    def _dispatch(self, message) -> None:
        """[message, __redis__:invalidate, [key, ...] or nil after a flush], or [pong, ""] in subscribed mode."""
        if not isinstance(message, list) or not message:
            return
        kind = _text(message[0])
        if kind == "pong":
            with self._pongs:
                self._pongs_seen += 1
                if self._pongs_seen >= self._pings_sent:
                    self._ping_outstanding_since = None
                self._pongs.notify_all()
        elif kind == "message" and len(message) >= 3 and _text(message[1]) == CHANNEL:
            keys = message[2]
            if keys is None:
                self._listener.invalidated(None)
            else:
                for key in keys if isinstance(keys, list) else [keys]:
                    self._listener.invalidated(_text(key))


def _text(v) -> str:
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


def _connection_trouble(e: BaseException) -> bool:
    import redis
    return isinstance(e, (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError))


def _disconnect(conn) -> None:
    try:
        conn.disconnect()
    except Exception:
        pass
