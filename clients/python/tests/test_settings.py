"""Settings as strictly as the Java side (docs/settings.md): one line naming file:line and key, "did you mean",
env > file > default, secrets never shown. The parity test runs the same bad files through the Java agent."""

import os
import subprocess
import textwrap
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import REPO_ROOT, missing
from sniper_client import SettingsError, load_settings, settings_from_dict

JAVA_CONFIG = REPO_ROOT / "agent" / "src" / "test" / "resources" / "config"


def write(tmp_path, text, name="settings.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return str(path)


def error_of(path, env=None):
    with pytest.raises(SettingsError) as e:
        load_settings(path, env or {})
    assert "\n" not in str(e.value)
    return str(e.value)


BAD_FILES = {
    "unknown key": ("redis:\n  host: a\n  prot: 1\n", "{f} line 3: redis.prot: unknown key, did you mean port?"),
    "not an integer": ("runtime:\n  sniper_mode:\n    max_signals_per_hour: two\n",
                       '{f} line 3: runtime.sniper_mode.max_signals_per_hour: expected an integer 0..1000000000, got "two"'),
    "cap out of range": ("runtime:\n  sniper_mode:\n    daily_signal_cap: 1000000001\n",
                         "{f} line 3: runtime.sniper_mode.daily_signal_cap: expected an integer 0..1000000000, got 1000000001"),
    "misindented block": ("runtime:\n  max_signals_per_hour: 3\n",
                          "{f} line 2: runtime.max_signals_per_hour: belongs under runtime.sniper_mode; "
                          "is the block indented one level too little?"),
    "sniper_mode at the top": ("sniper_mode:\n  enabled: true\n",
                               "{f} line 1: sniper_mode: belongs under runtime, as runtime.sniper_mode; indent the block under runtime:"),
    "sentinel and cluster": ("redis:\n  sentinel: {master: m, nodes: ['h:1']}\n  cluster:\n    nodes: ['h:2']\n",
                             "{f} line 3: redis.cluster: contradicts redis.sentinel: Redis is either Sentinel-managed or a "
                             "Cluster, set only one of them"),
    "key twice": ("redis:\n  port: 1\n  port: 2\n", "{f} line 3: redis.port: is set twice in the same mapping; keep one"),
    "enum with a guess": ("runtime:\n  sniper_mode:\n    window: slidng\n",
                          '{f} line 3: runtime.sniper_mode.window: expected one of fixed, sliding, got "slidng"; did you mean sliding?'),
    "fallback unknown key": ("runtime:\n  sniper_mode:\n    fallback:\n      polcy: deny\n",
                             "{f} line 4: runtime.sniper_mode.fallback.polcy: unknown key, did you mean policy?"),
    "decision timeout not below timeout": ("redis:\n  timeout: 0.05\n  decision_timeout_ms: 100\n",
                                           "{f} line 3: redis.decision_timeout_ms: must be below redis.timeout (0.05 s = 50 ms), got 100"),
    "heartbeat ttl": ("runtime:\n  sniper_mode:\n    fallback:\n      heartbeat_interval_ms: 1000\n      heartbeat_ttl_ms: 1000\n",
                      "{f} line 5: runtime.sniper_mode.fallback.heartbeat_ttl_ms: must be above heartbeat_interval_ms "
                      "(1000), or every guard expires between two heartbeats; got 1000"),
    "milliseconds out of range": ("redis:\n  decision_timeout_ms: 0\n",
                                  "{f} line 2: redis.decision_timeout_ms: expected an integer 1..3600000, got 0"),
    "a node without a port": ("redis:\n  cluster:\n    nodes: ['a:b:1', 'h']\n",
                              '{f} line 3: redis.cluster.nodes[0]: expected "host:port" with a port 1..65535, got "a:b:1"'),
    "sentinel without a master": ("redis:\n  sentinel:\n    nodes: ['h:1']\n",
                                  "{f} line 2: redis.sentinel.master: is required when redis.sentinel is set: "
                                  "the master's name as the sentinels know it"),
    "a user without a password": ("redis:\n  username: sniper\n",
                                  "{f} line 2: redis.username: an ACL user needs redis.password as well (AUTH takes both)"),
    "not a boolean": ("redis:\n  enabled: maybe\n", '{f} line 2: redis.enabled: expected true or false, got "maybe"'),
    "timeout out of range": ("redis:\n  timeout: 0\n",
                             "{f} line 2: redis.timeout: expected a number of seconds from 0.001 to 3600, got 0"),
    "malformed yaml": ("redis:\n  host: a\n port: 1\n", None),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_file_is_one_line_naming_file_line_and_key(tmp_path, name):
    text, expected = BAD_FILES[name]
    path = write(tmp_path, text)
    message = error_of(path)
    if expected is None:
        assert message.startswith(f"{path} line 3, column 2: malformed YAML:")
    else:
        assert message == expected.format(f=path)


def test_bad_files_give_the_java_agents_own_messages(tmp_path):
    """The Java loader is the reference: the same file gives the same line there (`sniper-agent.jar status`)."""
    jar = os.environ.get("SNIPER_AGENT_JAR", str(REPO_ROOT / "agent" / "target" / "sniper-agent.jar"))
    if not os.path.exists(jar):
        missing(f"the agent jar {jar} (./mvnw -B verify builds it before this module)")
    cases = []
    for i, name in enumerate(sorted(BAD_FILES)):
        (tmp_path / str(i)).mkdir()
        cases.append((name, write(tmp_path / str(i), BAD_FILES[name][0])))

    def java_message(path):
        run = subprocess.run(["java", "-jar", jar, "status", "--config", path], capture_output=True, text=True,
                             timeout=120, env={k: v for k, v in os.environ.items() if not k.startswith("ULTRA_SIGNALS_")})
        assert run.returncode == 2, run.stderr
        return run.stderr.strip().splitlines()[0].removeprefix("sniper: ")

    with ThreadPoolExecutor(3) as pool:
        java = list(pool.map(java_message, [p for _, p in cases]))
    for (name, path), from_java in zip(cases, java):
        assert error_of(path) == from_java, name


def test_the_ultra_signals_sample_and_every_key_files_load(tmp_path):
    sample = load_settings(str(JAVA_CONFIG / "ultra-signals-settings.yaml"), {})
    assert sample.redis.namespace == "sniper_signals"
    every = load_settings(str(JAVA_CONFIG / "every-key.yaml"), {})
    r, m = every.redis, every.sniper_mode
    assert (r.host, r.port, r.db, r.username, r.timeout_s, r.decision_timeout_ms, r.namespace) == \
        ("redis.internal", 6380, 2, "sniper", 2.5, 80, "prod_sniper")
    assert (r.tls_enabled, r.tls_verify_peer, r.sentinel_master, [str(n) for n in r.sentinel_nodes]) == \
        (True, False, "mymaster", ["10.0.0.1:26379", "10.0.0.2:26379", "::1:26379"])
    assert (m.enabled, m.mtf_confirm, m.max_signals_per_hour, m.daily_signal_cap, m.window, m.enforcement) == \
        (True, True, 4, 0, "sliding", "shadow")
    f = m.fallback
    assert (f.policy, f.failure_rate_threshold, f.minimum_calls, f.sliding_window_calls, f.open_wait_ms,
            f.permitted_calls_in_half_open, f.heartbeat_interval_ms, f.heartbeat_ttl_ms, f.fleet_size) == \
        ("deny", 25.5, 10, 40, 500, 3, 250, 1500, 3)
    cluster = load_settings(str(JAVA_CONFIG / "every-key-cluster.yaml"), {})
    assert cluster.redis.cluster_nodes and cluster.redis.effective_namespace.startswith("{")


def test_environment_beats_file_beats_default(tmp_path):
    path = write(tmp_path, "redis:\n  host: from-file\n  port: 7000\n")
    s = load_settings(path, {"ULTRA_SIGNALS_REDIS__HOST": "from-env", "ULTRA_SIGNALS_REDIS__PASSWORD": "007",
                             "ULTRA_SIGNALS_RUNTIME__SNIPER_MODE__DAILY_SIGNAL_CAP": "10",
                             "ULTRA_SIGNALS_REDIS__CLUSTER__NODES": '["10.0.0.1:7000","10.0.0.2:7000"]',
                             "ULTRA_SIGNALS_FEATURES__X": "ignored", "ULTRA_SIGNALS_REDIS__ENABLED": "true"})
    assert (s.redis.host, s.redis.port, s.redis.password, s.sniper_mode.daily_signal_cap) == ("from-env", 7000, "007", 10)
    assert s.redis.enabled is True and len(s.redis.cluster_nodes) == 2 and s.redis.db == 0
    assert s.sniper_mode.max_signals_per_hour == 2  # default


def test_a_json_object_variable_merges_and_the_more_specific_one_wins():
    s = load_settings(None, {"ULTRA_SIGNALS_REDIS": '{"host": "a", "port": 7001}', "ULTRA_SIGNALS_REDIS__HOST": "b"})
    assert (s.redis.host, s.redis.port) == ("b", 7001)


def test_a_variable_for_an_unknown_key_names_the_variable():
    with pytest.raises(SettingsError, match=r"^env ULTRA_SIGNALS_REDIS__HOTS: redis.hots: unknown key, did you mean host\?$"):
        load_settings(None, {"ULTRA_SIGNALS_REDIS__HOTS": "x"})
    with pytest.raises(SettingsError, match=r"^env ULTRA_SIGNALS_REDIS__PORT: redis.port: expected an integer 1..65535, got 70000$"):
        load_settings(None, {"ULTRA_SIGNALS_REDIS__PORT": "70000"})


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
