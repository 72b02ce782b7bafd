"""The v1 Lua scripts, checked against their manifest.json and called with EVALSHA (EVAL once on NOSCRIPT).

Where they come from: SNIPER_LUA_DIR when set; else the copy an installed package carries (sniper_client/lua/,
made by the build from the repository's lua/ and its manifest, see setup.py); else, in a checkout, the
repository's lua/ itself. Each file's SHA-1 is checked against the manifest beside it when loaded."""

import hashlib
import json
import os
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import redis

ABI = 1
SCRIPT_NAMES = ("acquire", "status", "release", "credit", "heartbeat", "control")
LUA_DIR_VARIABLE = "SNIPER_LUA_DIR"


class ScriptError(Exception):
    """The script answered with an error (``ERR sniper: ...``): wrong data or arguments, not an outage."""


class ScriptCatalogError(Exception):
    """lua/ is missing, or a file does not match its SHA-1 in manifest.json."""


def default_lua_dir() -> Path:
    """SNIPER_LUA_DIR, else the scripts installed with the package, else the lua/ of the checkout it sits in."""
    override = os.environ.get(LUA_DIR_VARIABLE)
    if override:
        return Path(override)
    here = Path(__file__).resolve().parent
    packaged = here / "lua"
    if (packaged / "manifest.json").is_file():
        return packaged
    return here.parents[2] / "lua"


class ScriptCatalog:
    """Name -> (SHA-1, exact file bytes) of the ABI v1 scripts."""

    def __init__(self, scripts: Dict[str, tuple]):
        self._scripts = dict(scripts)

    @classmethod
    def load(cls, lua_dir: Optional[Path] = None) -> "ScriptCatalog":
        lua_dir = Path(lua_dir) if lua_dir is not None else default_lua_dir()
        manifest_path = lua_dir / "manifest.json"
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise ScriptCatalogError(f"{manifest_path}: cannot read the script manifest ({e.__class__.__name__}); "
                                     f"install the package (pip install clients/python) or set {LUA_DIR_VARIABLE} to the "
                                     f"repository's lua/ directory") from None
        scripts = {}
        for entry in manifest.get("scripts", []):
            if entry.get("abi") != ABI:
                continue
            path = lua_dir / entry["path"]
            try:
                source = path.read_bytes()
            except OSError as e:
                raise ScriptCatalogError(f"{path}: cannot read the script ({e.strerror})") from None
            sha = hashlib.sha1(source).hexdigest()
            if sha != entry["sha1"]:
                raise ScriptCatalogError(f"{path}: SHA-1 {sha} does not match manifest.json's {entry['sha1']}; "
                                         "run lua/update-manifest.sh after editing a script")
            scripts[entry["name"]] = (sha, source)
        missing = [n for n in SCRIPT_NAMES if n not in scripts]
        if missing:
            raise ScriptCatalogError(f"{manifest_path}: no ABI v{ABI} script named {', '.join(missing)}")
        return cls(scripts)

    def sha(self, name: str) -> str:
        return self._scripts[name][0]

    def source(self, name: str) -> bytes:
        return self._scripts[name][1]

    def names(self) -> List[str]:
        return sorted(self._scripts)

    @property
    def heartbeat_records_shares(self) -> bool:
        """Whether heartbeat.lua takes the caps and a state and records this guard's share (the recovery rule,
        lua/README.md); earlier v1 scripts ignore those arguments and reply 5 elements."""
        return b"reserve" in self.source("heartbeat")


def to_wire(reply):
    """redis-py's reply with bulk strings as str, as the vectors write them."""
    if isinstance(reply, list):
        return [to_wire(item) for item in reply]
    if isinstance(reply, bytes):
        return reply.decode("utf-8", "replace")
    return reply


class ScriptRunner:
    """The low-level call: ``call("acquire", [ns], argv)`` -> the script's reply list, as on the wire.

    EVALSHA first; on NOSCRIPT (restart, failover, SCRIPT FLUSH) EVAL once: NOSCRIPT proves the script
    did not run, so the retry cannot count twice. An ``ERR sniper:`` reply raises ScriptError; every
    other failure is redis-py's own exception (the guard turns those into the fallback)."""

    def __init__(self, client: redis.Redis, catalog: ScriptCatalog, on_reload: Callable[[str], None] = lambda name: None):
        self._client = client
        self._catalog = catalog
        self._on_reload = on_reload

    def call(self, name: str, keys: Sequence[str], argv: Sequence[str]):
        sha = self._catalog.sha(name)
        try:
            try:
                reply = self._client.evalsha(sha, len(keys), *keys, *argv)
            except redis.exceptions.NoScriptError:
                self._on_reload(name)
                reply = self._client.eval(self._catalog.source(name), len(keys), *keys, *argv)
        except redis.exceptions.ResponseError as e:
            text = str(e)
            if text.startswith("ERR sniper:") or text.startswith("sniper:"):
                raise ScriptError(text if text.startswith("ERR ") else "ERR " + text) from None
            raise
        return to_wire(reply)
