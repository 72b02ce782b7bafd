"""Whether a local admission now is one Redis already holds back (the recovery rule, lua/README.md): a guard
admits locally only during an outage (a Redis call failed since it last told Redis it is on Redis), and only
once Redis must be holding its share: its "redis" heartbeat has lapsed there (``wait_ms`` after the latest
moment it could have run: long enough for another guard's heartbeat to have recomputed what acquire holds
back), or Redis applied its "local" heartbeat. Before that a fallback decision blocks: a guard cut off alone
must not admit what the others, still on Redis, cannot see. Times are Redis time in ms, from the caller."""


class LocalAdmissionGate:
    def __init__(self, wait_ms: int):
        """wait_ms: heartbeat ttl + 2 heartbeat intervals + the decision timeout."""
        self._wait_ms = wait_ms
        self._outage = False
        self.open_from_ms = 0

    def redis_failed(self) -> None:
        self._outage = True

    def sending_redis_beat(self, redis_now: int) -> None:
        """From here Redis may count this guard as on Redis (and hold nothing back for it)."""
        self._outage = False
        self.open_from_ms = redis_now + self._wait_ms

    def local_beat_applied(self) -> None:
        """Redis holds this guard's share until its next "redis" heartbeat."""
        self.open_from_ms = 0

    def may_admit(self, redis_now: int) -> bool:
        return self._outage and redis_now >= self.open_from_ms
