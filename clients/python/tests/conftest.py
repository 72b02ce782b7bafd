import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from redis_process import RedisProcess, find_redis_server  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[3]
UNDER_CI = os.environ.get("CI", "").lower() == "true"


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
