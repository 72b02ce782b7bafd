"""The package as a user installs it: `pip install clients/python` and a built wheel give a sniper_client that works
outside the repository, with the Lua scripts inside the package and checked against the manifest.

Offline (no PyPI): pip builds with the interpreter's own setuptools (--no-build-isolation) and installs into a
temporary --target directory, never into the system. The package is copied out of the repository first, so the
installed copy cannot reach lua/ through the checkout, and the build reads the scripts from SNIPER_LUA_DIR."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT, missing

PACKAGE = REPO_ROOT / "clients" / "python"
LUA = REPO_ROOT / "lua"

# Runs in a fresh interpreter, from a directory outside the repository: where the scripts came from, their SHA-1s,
# and a decision on a real Redis when a port is given.
PROBE = r"""
import json, sys
import sniper_client
from sniper_client.scripts import ScriptCatalog, default_lua_dir
catalog = ScriptCatalog.load()
out = {"module": sniper_client.__file__, "lua_dir": str(default_lua_dir()),
       "shas": {name: catalog.sha(name) for name in catalog.names()}}
port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
redis = {"enabled": True, "host": "127.0.0.1", "port": port, "namespace": "installed"} if port else {"enabled": False}
settings = {"redis": redis, "runtime": {"sniper_mode": {"enabled": True, "max_signals_per_hour": 1}}}
counters = sniper_client.get_sniper_counters(settings)
out["first"] = counters.check_and_increment(1, 0)
out["second"] = counters.check_and_increment(1, 0)
out["counts"] = counters.get_current_counts()
print(json.dumps(out))
"""


def pip_available():
    try:
        import setuptools  # noqa: F401
        import wheel  # noqa: F401
    except ImportError:
        missing("setuptools and wheel for building the package (Debian: python3-setuptools python3-wheel)")
    if subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode != 0:
        missing("pip (Debian: python3-pip)")


def build_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ULTRA_SIGNALS_", "PYTHON"))}
    env["SNIPER_LUA_DIR"] = str(LUA)           # the build reads the scripts from the repository's lua/
    env["PIP_NO_INDEX"] = "1"                  # offline: nothing from PyPI
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["HOME"] = str(tmp_path)                # no user pip configuration or cache
    return env


def pip(args, tmp_path):
    result = subprocess.run([sys.executable, "-m", "pip", *args], env=build_env(tmp_path), capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def source_copy(tmp_path) -> Path:
    """The package's sources outside the repository (no build/ or egg-info left in the checkout)."""
    copy = tmp_path / "src"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("tests", "benchmarks", "build", "dist", "*.egg-info",
                                                                  "__pycache__", "target"))
    return copy


def probe(site: Path, tmp_path: Path, *args):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ULTRA_SIGNALS_", "SNIPER_", "PYTHON"))}
    env["PYTHONPATH"] = str(site)
    result = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=elsewhere, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def manifest_shas():
    manifest = json.loads((LUA / "manifest.json").read_text(encoding="utf-8"))
    return {e["name"]: e["sha1"] for e in manifest["scripts"] if e.get("abi") == 1}


def assert_installed(out, site: Path):
    assert Path(out["module"]).resolve().is_relative_to(site.resolve()), out["module"]
    assert Path(out["lua_dir"]).resolve() == (site / "sniper_client" / "lua").resolve(), out["lua_dir"]
    assert out["shas"] == manifest_shas()
    for name, sha in out["shas"].items():
        entry = next(e for e in json.loads((LUA / "manifest.json").read_text())["scripts"] if e["name"] == name)
        assert hashlib.sha1((site / "sniper_client" / "lua" / entry["path"]).read_bytes()).hexdigest() == sha


def test_pip_install_works_outside_the_repository(tmp_path, redis_server):
    pip_available()
    site = tmp_path / "site"
    pip(["install", "--no-build-isolation", "--no-deps", "--target", str(site), str(source_copy(tmp_path))], tmp_path)
    local = probe(site, tmp_path)
    assert_installed(local, site)
    assert local["first"] is None and local["second"] == "SNIPER_HOURLY_CAP", local
    on_redis = probe(site, tmp_path, str(redis_server.port))
    assert on_redis["first"] is None and on_redis["second"] == "SNIPER_HOURLY_CAP", on_redis
    assert redis_server.client().get(f"installed:hour:{int(redis_server.client().time()[0]) // 3600}") == b"1"


def test_a_built_wheel_carries_the_scripts(tmp_path):
    pip_available()
    dist = tmp_path / "dist"
    pip(["wheel", "--no-build-isolation", "--no-deps", "-w", str(dist), str(source_copy(tmp_path))], tmp_path)
    wheels = list(dist.glob("sniper_client-*.whl"))
    assert len(wheels) == 1, list(dist.iterdir())
    site = tmp_path / "site"
    pip(["install", "--no-deps", "--target", str(site), str(wheels[0])], tmp_path)
    out = probe(site, tmp_path)
    assert_installed(out, site)
    assert out["first"] is None and out["second"] == "SNIPER_HOURLY_CAP", out


def test_a_script_that_does_not_match_its_manifest_fails_the_build(tmp_path):
    pip_available()
    lua = tmp_path / "lua"
    shutil.copytree(LUA, lua)
    manifest = json.loads((lua / "manifest.json").read_text())
    tampered = lua / manifest["scripts"][0]["path"]
    tampered.write_bytes(tampered.read_bytes() + b"\n-- edited\n")
    env = build_env(tmp_path)
    env["SNIPER_LUA_DIR"] = str(lua)
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "-w",
                             str(tmp_path / "dist"), str(source_copy(tmp_path))], env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode != 0
    assert "does not match manifest.json's SHA-1" in result.stdout + result.stderr
