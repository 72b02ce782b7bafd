"""The Python loader holds to settings/schema.yaml, where every key is stated once (the Java suite holds the
agent to it too): defaults, ranges, accepted names, secrets, the keys each section takes; it passes the shared
examples in settings/vectors.yaml; and docs/settings.md's key table is the one generated from the schema."""

import subprocess
import sys

import pytest

import settings_schema as schema
from conftest import REPO_ROOT
from sniper_client import SettingsError, SniperSettings, load_settings, settings_from_dict

WHOLE_NUMBERS = [e for e in schema.PYTHON_ENTRIES if e["type"] in ("integer", "milliseconds") and "[]" not in e["key"]]
PYTHON_VECTORS = [v for v in schema.VECTORS if "python" in v.get("clients", ["python"])]
# Keys of one whole: not of a list item or a named section.
WHOLE = [e for e in schema.PYTHON_ENTRIES if "[]" not in e["key"] and "*" not in e["key"]]


def test_docs_settings_md_is_generated_from_the_schema():
    run = subprocess.run([sys.executable, str(REPO_ROOT / "settings" / "generate_docs.py"), "--check"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr.strip()


def test_schema_keys_match_list_items_and_named_sections_and_name_their_variables():
    sys.path.insert(0, str(REPO_ROOT / "settings"))
    from generate_docs import env_variable
    assert schema.pattern("sniper_agent.instrument[].method").fullmatch("sniper_agent.instrument[12].method")
    assert schema.pattern("a.scopes.*.cap").fullmatch("a.scopes.btc_usd.cap")
    assert not schema.pattern("a.scopes.*.cap").fullmatch("a.scopes.b.c.cap")
    assert not schema.pattern("redis.port").fullmatch("redis_port")
    assert env_variable(schema.SCHEMA, "a.scopes.*.cap") == "ULTRA_SIGNALS_A__SCOPES__<NAME>__CAP"
    assert env_variable(schema.SCHEMA, "sniper_agent.instrument[].method") == ""


def item_with_defaults(key: str):
    """An item of a list (or a named section) with only its required keys set, for the defaults of the rest."""
    if key.startswith("runtime.sniper_mode.scopes.*."):
        # A dimension that sets nothing, and a value that sets nothing: as the loader fills them.
        scopes = settings_from_dict({"runtime": {"sniper_mode": {"scopes": {"x": {}, "y": {"values": {"V": {}}}}}}}).sniper_mode.scopes
        return scopes["y"].values["V"] if key.startswith("runtime.sniper_mode.scopes.*.values.*.") else scopes["x"]
    raise AssertionError(f"{key}: add how to build an item with its defaults to item_with_defaults")


@pytest.mark.parametrize("entry", schema.PYTHON_ENTRIES, ids=lambda e: e["key"])
def test_the_default_is_the_schemas(entry):
    if entry["default"] == "required":  # no default: a shared vector must show the error when it is missing
        assert any(schema.pattern(entry["key"] + ": is required").search(v.get("error", "")) for v in PYTHON_VECTORS)
        return
    if entry in WHOLE:
        loaded = schema.loaded(SniperSettings(), entry["key"])
    else:
        loaded = schema.canonical(entry["type"], schema.field(item_with_defaults(entry["key"]), entry["python"].split(".")[-1]))
    assert loaded == schema.written(entry["default"])


@pytest.mark.parametrize("entry", WHOLE, ids=lambda e: e["key"])
def test_setting_the_default_by_its_variable_changes_nothing(entry):
    assert load_settings(None, {schema.variable(entry["key"]): schema.written(entry["default"])}) == SniperSettings()


@pytest.mark.parametrize("entry", WHOLE_NUMBERS, ids=lambda e: e["key"])
def test_a_whole_number_outside_the_schemas_range_is_refused_with_it(entry):
    low, high = entry["range"]
    key = schema.named(entry["key"])
    name = schema.variable(key)
    for outside in (low - 1, high + 1):
        with pytest.raises(SettingsError) as e:
            load_settings(None, {name: str(outside)})
        assert str(e.value) == f"env {name}: {key}: expected an integer {low}..{high}, got {outside}"


def test_the_decimal_ranges_are_the_schemas():
    for key, expected in (("redis.timeout", "a number of seconds from {} to {}"),
                          ("runtime.sniper_mode.fallback.failure_rate_threshold", "a percentage above {} and at most {}")):
        low, high = schema.ENTRIES[key]["range"]
        for outside in (low, high * 2) if key != "redis.timeout" else (low / 2, high * 2):
            with pytest.raises(SettingsError) as e:
                load_settings(None, {schema.variable(key): schema.written(outside)})
            assert str(e.value) == f"env {schema.variable(key)}: {key}: expected {expected.format(low, high)}, got {schema.written(outside)}"


@pytest.mark.parametrize("entry", [e for e in schema.PYTHON_ENTRIES if e["type"] == "enum"], ids=lambda e: e["key"])
def test_an_enumeration_takes_exactly_the_schemas_names(entry):
    key = schema.named(entry["key"])
    with pytest.raises(SettingsError) as e:
        load_settings(None, {schema.variable(key): "zzzzzzzzzz"})
    assert f"expected one of {', '.join(entry['values'])}, got" in str(e.value)
    for name in entry["values"]:
        assert schema.loaded(load_settings(None, {schema.variable(key): name.upper()}), key) == name


# What a key needs beside it to load at all.
_COMPANIONS = {"redis.username": {"redis.password": "p"},
               "redis.sentinel.master": {"redis.sentinel.nodes": "h:1"},
               "redis.sentinel.password": {"redis.sentinel.master": "m", "redis.sentinel.nodes": "h:1"}}


@pytest.mark.parametrize("entry", [e for e in schema.PYTHON_ENTRIES if e["type"] in ("secret", "string", "optional_string")],
                         ids=lambda e: e["key"])
def test_a_secret_is_never_shown_and_nothing_else_is_hidden(entry):
    key = schema.named(entry["key"])
    environment = {schema.variable(k): v for k, v in _COMPANIONS.get(key, {}).items()}
    environment[schema.variable(key)] = "Zq7-value"
    settings = load_settings(None, environment)
    assert schema.loaded(settings, key) == "Zq7-value"
    assert ("Zq7-value" in repr(settings)) == (entry["type"] != "secret")


def test_each_section_takes_exactly_the_schemas_keys():
    keys = [schema.named(e["key"]) for e in schema.PYTHON_ENTRIES if "[]" not in e["key"]]
    for section in sorted({k.rpartition(".")[0] for k in keys}):
        known = {k[len(section) + 1:].split(".")[0] for k in keys if k.startswith(section + ".")}
        with pytest.raises(SettingsError) as e:
            load_settings(None, {schema.variable(section + ".zzzzzzzzzz"): "1"})
        listed = str(e.value).rpartition("(known keys: ")[2].rstrip(")")
        assert set(listed.split(", ")) == known, section


@pytest.mark.parametrize("vector", PYTHON_VECTORS, ids=lambda v: v["name"])
def test_the_shared_vector_holds(vector, tmp_path, monkeypatch):
    environment = {k: str(v) for k, v in (vector.get("env") or {}).items()}
    path = None
    if "yaml" in vector:
        monkeypatch.chdir(tmp_path)
        (tmp_path / "settings.yaml").write_text(vector["yaml"], encoding="utf-8")
        path = "settings.yaml"
    if "error" in vector:
        with pytest.raises(SettingsError) as e:
            load_settings(path, environment)
        assert str(e.value) == vector["error"]
        return
    settings = load_settings(path, environment)
    assert {k: schema.loaded(settings, k) for k in vector["values"]} == \
        {k: schema.written(v) for k, v in vector["values"].items()}
