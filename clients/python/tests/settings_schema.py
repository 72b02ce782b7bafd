"""settings/schema.yaml (every key stated once) and settings/vectors.yaml as the Python tests read them, and the
one way both the schema's values and the loaded settings are written for comparison (the Java suite writes them
the same way: SettingsSchema.java)."""

import re
from collections.abc import Mapping
from decimal import Decimal

import yaml

from conftest import REPO_ROOT



def _load(name):
    with open(REPO_ROOT / "settings" / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


SCHEMA = _load("schema.yaml")
VECTORS = _load("vectors.yaml")["vectors"]
ENTRIES = {e["key"]: e for e in SCHEMA["keys"]}
PYTHON_ENTRIES = [e for e in SCHEMA["keys"] if "python" in e]


def variable(key: str) -> str:
    return SCHEMA["env_prefix"] + key.upper().replace(".", SCHEMA["env_separator"])


def pattern(key: str):
    """A schema key as a pattern of key paths: "[]" matches an item's index, "*" a section's chosen name."""
    parts = re.split(r"(\[\]|\*)", key)
    return re.compile("".join(r"\[(\d+)\]" if p == "[]" else r"([^.\[]+)" if p == "*" else re.escape(p) for p in parts))


def named(key: str) -> str:
    """The key with a concrete name for each "*", for a test that sets it."""
    return key.replace("*", "x")


def entry(key_path: str) -> dict:
    for e in SCHEMA["keys"]:
        if pattern(e["key"]).fullmatch(key_path):
            return e
    raise AssertionError(f"{key_path} is not in settings/schema.yaml")


def loaded(settings, key_path: str) -> str:
    """The loaded value of a key (a list item's by its index, a named section's by its name), written canonically."""
    e = entry(key_path)
    places = iter(pattern(e["key"]).fullmatch(key_path).groups())
    value = settings
    for step in e["python"].split("."):
        if value is None:
            break
        if step.endswith("[]"):
            items, i = getattr(value, step[:-2]), int(next(places))
            value = items[i] if i < len(items) else None
        elif step.endswith("{}"):
            value = getattr(value, step[:-2]).get(next(places))
        else:
            value = field(value, step)
    return canonical(e["type"], value)


def field(holder, name: str):
    """A key's value on what holds it: an attribute, or an entry of a mapping (a scope value's own caps)."""
    return holder.get(name) if isinstance(holder, Mapping) else getattr(holder, name)


def canonical(kind: str, value) -> str:
    if kind == "mappings":
        return f"[{len(value)} entries]" if value else "[]"
    if kind == "host_ports":
        return "[" + ", ".join(str(n) for n in value) + "]"
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
    if isinstance(value, dict):
        return f"{{{len(value)} entries}}" if value else "{}"
    return str(value)
