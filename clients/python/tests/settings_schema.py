"""settings/schema.yaml (every key stated once) and settings/vectors.yaml as the Python tests read them, and the
one way both the schema's values and the loaded settings are written for comparison (the Java suite writes them
the same way: SettingsSchema.java)."""

import re
from decimal import Decimal

import yaml

from conftest import REPO_ROOT

_INDEX = re.compile(r"\[\d+\]")


def _load(name):
    with open(REPO_ROOT / "settings" / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


SCHEMA = _load("schema.yaml")
VECTORS = _load("vectors.yaml")["vectors"]
ENTRIES = {e["key"]: e for e in SCHEMA["keys"]}
PYTHON_ENTRIES = [e for e in SCHEMA["keys"] if "python" in e]


def variable(key: str) -> str:
    return SCHEMA["env_prefix"] + key.upper().replace(".", SCHEMA["env_separator"])


def loaded(settings, key_path: str) -> str:
    """The loaded value of a key, written canonically."""
    entry = ENTRIES[_INDEX.sub("[]", key_path)]
    value = settings
    for step in entry["python"].split("."):
        value = getattr(value, step)
    return canonical(entry["type"], value)


def canonical(kind: str, value) -> str:
    if kind == "host_ports":
        return "[" + ", ".join(f"[{n.host}]:{n.port}" if ":" in n.host else f"{n.host}:{n.port}" for n in value) + "]"
    return written(value)


def written(value) -> str:
    """A value as YAML gives it (schema defaults, expected values in vectors) or as the loader holds it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return format(Decimal(str(value)).normalize(), "f")
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(written(v) for v in value) + "]"
    return str(value)
