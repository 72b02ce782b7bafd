import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from redis_process import RedisProcess, find_redis_server  # noqa: E402
from sniper_client.fleet import HOUR_MS  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[3]
UNDER_CI = os.environ.get("CI", "").lower() == "true"


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "within_one_hour(seconds=60): the test counts one hour's admissions on the real clock and must not cross "
        "the hour's end (after it the next hour has room and admits, as it should); when fewer than `seconds` "
        "remain in the hour, it starts in the next one. Local Redis servers read this machine's clock.",
    )


def wait_for_room_in_the_hour(now_ms: int, needed_ms: int) -> int:
    """How long a test needing `needed_ms` within one hour waits at `now_ms`: 0, or into the next hour."""
    if needed_ms >= HOUR_MS:
        raise ValueError(f"a test within one hour needs less than an hour, got {needed_ms} ms")
    left = HOUR_MS - now_ms % HOUR_MS
    return left + 100 if left < needed_ms else 0


@pytest.fixture(autouse=True)
def _within_one_hour(request):
    marker = request.node.get_closest_marker("within_one_hour")
    if marker is not None:
        wait = wait_for_room_in_the_hour(int(time.time() * 1000), int(marker.kwargs.get("seconds", 60)) * 1000)
        if wait:
            time.sleep(wait / 1000)


def missing(what: str):
    """A missing tool fails under CI=true and skips elsewhere (never a skip counted as a pass in CI)."""
    if UNDER_CI:
        pytest.fail(f"{what} is missing (CI=true: a missing tool is a failure)", pytrace=False)
    pytest.skip(f"{what} is missing")


@pytest.fixture(scope="session")
def redis_binary():
    binary = find_redis_server()
    if binary is None:
        missing("redis-server (set SNIPER_REDIS_SERVER, or let Maven fetch org.signal:embedded-redis)")
    return binary


@pytest.fixture
def redis_server(redis_binary):
    server = RedisProcess(redis_binary).start()
    yield server
    server.stop()
