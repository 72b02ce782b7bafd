"""Real redis-server processes for the tests: the binary the Java testkit uses (SNIPER_REDIS_SERVER, else the
static 7.0.15 server inside org.signal:embedded-redis from Maven, extracted where the testkit extracts it),
else Debian's redis-server. Never a mock."""

import getpass
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path
from typing import List, Optional, Sequence

import redis

# The servers the Java testkit extracts from the embedded-redis jars (linux-amd64), newest first.
BUNDLED = ("redis-server-7.0.15-linux-amd64", "redis-server-6.2.6-v5-linux-amd64")
JAR_GLOBS = ("~/.m2/repository/org/signal/embedded-redis/*/embedded-redis-*.jar",
             "~/.m2/repository/com/github/codemonstur/embedded-redis/*/embedded-redis-*.jar")


def find_redis_servers() -> List[str]:
    """SNIPER_REDIS_SERVER (then only it), else the bundled 7.0 and 6.2 servers, else Debian's redis-server."""
    override = os.environ.get("SNIPER_REDIS_SERVER")
    if override:
        if not os.access(override, os.X_OK):
            raise RuntimeError(f"SNIPER_REDIS_SERVER={override} is not an executable redis-server")
        return [override]
    jars = os.environ.get("SNIPER_EMBEDDED_REDIS_JARS", "").split(os.pathsep)
    jars += [j for pattern in JAR_GLOBS for j in sorted(glob.glob(os.path.expanduser(pattern)))]
    found = [path for path in (_extracted(name, jars) for name in BUNDLED) if path]
    if not found and shutil.which("redis-server"):
        found.append(shutil.which("redis-server"))
    return found


def find_redis_server() -> Optional[str]:
    servers = find_redis_servers()
    return servers[0] if servers else None


def _extracted(name: str, jars: List[str]) -> Optional[str]:
    target = Path(tempfile.gettempdir()) / f"sniper-redis-{getpass.getuser()}" / name
    if os.access(target, os.X_OK):
        return str(target)
    for jar in filter(None, jars):
        try:
            with zipfile.ZipFile(jar) as z:
                data = z.read(name)
        except (OSError, KeyError, zipfile.BadZipFile):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(f"{name}.{os.getpid()}.part")
        part.write_bytes(data)
        part.chmod(0o755)
        os.replace(part, target)  # atomic, as the testkit does: a parallel run never starts a half-written binary
        return str(target)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisProcess:
    """One redis-server on a free loopback port, no persistence unless ``args`` say so; kill, pause, restart."""

    def __init__(self, binary: str, args: Sequence[str] = ()):
        self.binary = binary
        self.args = list(args)  # redis-server options after the defaults (they win), e.g. --appendonly yes
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="sniper-py-redis-")
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "RedisProcess":
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.dir] + self.args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return self
            except redis.exceptions.ConnectionError:
                time.sleep(0.02)
        raise RuntimeError(f"redis-server did not answer on port {self.port} within 10 s")

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGCONT)
        self.process.kill()
        self.process.wait(10)

    def restart(self) -> "RedisProcess":
        if self.process.poll() is None:
            self.kill()
        return self.start()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
