"""The build step that puts the Lua scripts inside the package.

The scripts have one source, the repository's lua/ directory. Building a wheel (or `pip install clients/python`)
copies lua/manifest.json and every script it lists into sniper_client/lua/ of the build, checking each file's SHA-1
against the manifest first: a package is never built with a script its manifest does not vouch for. At run time
the package loads that copy and checks it again (sniper_client.scripts). Set SNIPER_LUA_DIR to build from another
lua/ directory (a copy of this package outside the repository, say). Everything else is in pyproject.toml.
"""

import hashlib
import json
import os
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def lua_source() -> Path:
    return Path(os.environ.get("SNIPER_LUA_DIR") or HERE.parent.parent / "lua")


def copy_scripts(source: Path, target: Path) -> None:
    manifest_path = source / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise SystemExit(f"sniper_client build: cannot read {manifest_path} ({e}); build from the repository, "
                         "or set SNIPER_LUA_DIR to its lua/ directory")
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(manifest_path, target / "manifest.json")
    for entry in manifest.get("scripts", []):
        path = source / entry["path"]
        body = path.read_bytes()
        if hashlib.sha1(body).hexdigest() != entry["sha1"]:
            raise SystemExit(f"sniper_client build: {path} does not match manifest.json's SHA-1; "
                             "run lua/update-manifest.sh after editing a script")
        destination = target / entry["path"]
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(body)


class BuildWithScripts(build_py):
    def run(self):
        super().run()
        if not self.dry_run:
            copy_scripts(lua_source(), Path(self.build_lib) / "sniper_client" / "lua")


setup(cmdclass={"build_py": BuildWithScripts})
