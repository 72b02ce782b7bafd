"""Settings as strictly as the Java side (docs/settings.md): one line naming file:line and key, "did you mean",
secrets never shown. The examples both loaders pass (settings/vectors.yaml) run in test_settings_schema.py."""

import textwrap

import pytest

from conftest import REPO_ROOT
from sniper_client import SettingsError, load_settings, settings_from_dict

JAVA_CONFIG = REPO_ROOT / "testkit" / "src" / "main" / "resources" / "config"


def write(tmp_path, text, name="settings.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return str(path)


def error_of(path, env=None):
    with pytest.raises(SettingsError) as e:
        load_settings(path, env or {})
    assert "\n" not in str(e.value)
    return str(e.value)


def test_the_ultra_signals_sample_and_every_key_files_load(tmp_path):
    sample = load_settings(str(JAVA_CONFIG / "ultra-signals-settings.yaml"), {})
    assert sample.redis.namespace == "sniper_signals"
    every = load_settings(str(JAVA_CONFIG / "every-key.yaml"), {})
    r, m = every.redis, every.sniper_mode
    assert (r.host, r.port, r.db, r.username, r.timeout_s, r.decision_timeout_ms, r.namespace) == \
        ("redis.internal", 6380, 2, "sniper", 2.5, 80, "prod_sniper")
    assert (r.tls_enabled, r.tls_verify_peer, r.sentinel_master, [str(n) for n in r.sentinel_nodes]) == \
        (True, False, "mymaster", ["10.0.0.1:26379", "10.0.0.2:26379", "[::1]:26379"])
    assert (m.enabled, m.mtf_confirm, m.max_signals_per_hour, m.daily_signal_cap, m.window, m.enforcement) == \
        (True, True, 4, 0, "sliding", "shadow")
    f = m.fallback
    assert (f.policy, f.failure_rate_threshold, f.minimum_calls, f.sliding_window_calls, f.open_wait_ms,
            f.permitted_calls_in_half_open, f.heartbeat_interval_ms, f.heartbeat_ttl_ms, f.fleet_size) == \
        ("deny", 25.5, 10, 40, 500, 3, 250, 1500, 3)
    cluster = load_settings(str(JAVA_CONFIG / "every-key-cluster.yaml"), {})
    assert cluster.redis.cluster_nodes and cluster.redis.effective_namespace.startswith("{")


def test_a_secret_never_appears_in_an_error_or_repr(tmp_path):
    path = write(tmp_path, "redis:\n  password: [hunter2]\n")
    message = error_of(path)
    assert "hunter2" not in message and message.endswith("redis.password: expected a string or null, got a list")
    s = settings_from_dict({"redis": {"password": "hunter2"}}, {})
    assert "hunter2" not in repr(s)


def test_the_dict_ultra_signals_passes_is_read_as_strictly():
    s = settings_from_dict({"redis": {"enabled": "yes", "port": "6380", "timeout": 5},
                            "runtime": {"sniper_mode": {"enabled": "on"}, "other": 1}, "features": {"x": 1}}, {})
    assert (s.redis.enabled, s.redis.port, s.sniper_mode.enabled) == (True, 6380, True)
    with pytest.raises(SettingsError, match=r"^settings: runtime.sniper_mode.max_signal_per_hour: unknown key, "
                                            r"did you mean max_signals_per_hour\?$"):
        settings_from_dict({"runtime": {"sniper_mode": {"max_signal_per_hour": 3}}}, {})


def test_with_cluster_the_namespace_gets_a_hash_tag_unless_it_has_one():
    cluster = {"redis": {"cluster": {"nodes": ["h:7000"]}}}
    assert settings_from_dict(cluster, {}).redis.effective_namespace == "{sniper_signals}"
    cluster["redis"]["namespace"] = "{prod}:sniper"
    assert settings_from_dict(cluster, {}).redis.effective_namespace == "{prod}:sniper"
    assert settings_from_dict({"redis": {"namespace": "plain"}}, {}).redis.effective_namespace == "plain"
    with pytest.raises(SettingsError, match=r"^settings: redis.db: must be 0 with redis.cluster"):
        settings_from_dict({"redis": {"db": 1, "cluster": {"nodes": "a:1,b:2"}}}, {})
