"""The settings the Java agent reads (settings/schema.yaml, docs/settings.md), read as strictly: the ultra_signals
settings.yaml (or the dict ultra_signals passes) plus ``ULTRA_SIGNALS_<SECTION>__<KEY>`` variables (env > file > default).
Unknown keys in the sections Sniper owns are errors with a "did you mean"; other sections are ignored.
Every error is one line: ``<source>: <key path>: <problem>``; a secret's value never appears in one."""

import json
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, List, Mapping, Optional, Tuple

ENV_PREFIX = "ULTRA_SIGNALS_"
OWNED_SECTIONS = ("redis", "runtime", "sniper_agent", "sniper_mode")
CAP_MAX = 1_000_000_000
_BOOLEANS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_MAX_DEPTH = 40  # deeper is an alias that contains itself, not settings
_SNIPER_MODE_ONLY_KEYS = ("mtf_confirm", "max_signals_per_hour", "daily_signal_cap")


class SettingsError(ValueError):
    """A setting that is malformed, out of range, unknown or contradicts another; the message is one line."""

    def __init__(self, source: Optional[str], key_path: Optional[str], problem: str, related: Optional[str] = None):
        """``related``: the other key of a contradiction; its source is named when the key itself was not set."""
        self.source, self.key_path, self.problem, self.related = source, key_path, problem, related
        text = "".join(part + ": " for part in (source, key_path) if part) + problem
        super().__init__(re.sub(r"[\r\n]+", " ", text))

    def from_source(self, source: Optional[str]) -> "SettingsError":
        return SettingsError(source, self.key_path, self.problem, self.related)


# ---- settings values (immutable; every default and range as settings/schema.yaml states it, which the tests
# hold this module to: tests/test_settings_schema.py)

DEFAULT_NAMESPACE = "sniper_signals"
DEFAULT_DECISION_TIMEOUT_MS = 100
DEFAULT_CONNECT_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class HostAndPort:
    host: str
    port: int

    def __str__(self):
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True)
class RedisSettings:
    enabled: bool = False
    host: str = "localhost"
    port: int = 6379
    db: int = 0
    username: Optional[str] = None
    password: Optional[str] = field(default=None, repr=False)
    timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S
    decision_timeout_ms: int = DEFAULT_DECISION_TIMEOUT_MS
    namespace: str = DEFAULT_NAMESPACE
    tls_enabled: bool = False
    tls_verify_peer: bool = True
    tls_ca_file: Optional[str] = None
    sentinel_master: Optional[str] = None
    sentinel_nodes: Tuple[HostAndPort, ...] = ()
    sentinel_password: Optional[str] = field(default=None, repr=False)
    cluster_nodes: Tuple[HostAndPort, ...] = ()

    @property
    def effective_namespace(self) -> str:
        """With Cluster, a namespace without a hash tag is wrapped in braces, so it lives in one slot."""
        if self.cluster_nodes and not re.search(r"\{[^}]+\}", self.namespace):
            return "{" + self.namespace + "}"
        return self.namespace


@dataclass(frozen=True)
class FallbackSettings:
    policy: str = "local"
    failure_rate_threshold: float = 50.0
    minimum_calls: int = 5
    sliding_window_calls: int = 20
    open_wait_ms: int = 2000
    permitted_calls_in_half_open: int = 2
    heartbeat_interval_ms: int = 1000
    heartbeat_ttl_ms: int = 5000
    # The runners sharing the namespace, stated for starting without Redis (docs/settings.md); 0: not stated.
    fleet_size: int = 0


@dataclass(frozen=True)
class AuditSettings:
    # The runner's readable name in the audit stream; None: SNIPER_RUNNER, else host/pid-program.
    runner: Optional[str] = None
    # The stream's bound in entries (XADD MAXLEN ~).
    max_entries: int = 100_000
    # The stream's age bound in hours (XTRIM MINID ~); 0: none.
    max_age_hours: int = 168


# A scope: <dimension>=<value>, as the scripts check it (lua/README.md, "Scopes").
_DIMENSION = re.compile(r"[a-z][a-z0-9_]{0,31}")
_SCOPE_VALUE = re.compile(r"[A-Za-z0-9._/:-]{1,64}")
MAX_SCOPES = 8


@dataclass(frozen=True)
class ScopeSettings:
    """runtime.sniper_mode.scopes.<dimension>: the caps of each value (0 = none); ``values`` overrides them per value,
    key by key (value -> {"max_signals_per_hour": n, "daily_signal_cap": n})."""
    max_signals_per_hour: int = 0
    daily_signal_cap: int = 0
    values: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def cap_for(self, dimension: str, value: str) -> Tuple[str, int, int]:
        own = self.values.get(value, {})
        return (f"{dimension}={value}", own.get("max_signals_per_hour", self.max_signals_per_hour),
                own.get("daily_signal_cap", self.daily_signal_cap))


@dataclass(frozen=True)
class SniperModeSettings:
    enabled: bool = False
    mtf_confirm: bool = False
    max_signals_per_hour: int = 2
    daily_signal_cap: int = 6
    window: str = "fixed"
    enforcement: str = "enforce"
    fallback: FallbackSettings = FallbackSettings()
    scopes: Mapping[str, ScopeSettings] = field(default_factory=dict)  # dimension -> caps, in the order decided
    audit: AuditSettings = AuditSettings()

    def scope_caps(self, signal_scopes: Mapping[str, str]) -> List[Tuple[str, int, int]]:
        """(scope, hourly cap, daily cap) for a signal's dimension -> value: the declared dimensions it has a value
        for, in the order declared, then any other dimension it names, counted without a cap."""
        if not signal_scopes:
            return []
        if len(signal_scopes) > MAX_SCOPES:
            raise ValueError(f"a signal has at most 8 scopes, got {len(signal_scopes)}")
        for dimension, value in signal_scopes.items():
            if not isinstance(dimension, str) or not _DIMENSION.fullmatch(dimension):
                raise ValueError(f"scope dimension must be a-z 0-9 _ from a letter, up to 32 bytes, got {dimension!r}")
            if not isinstance(value, str) or not _SCOPE_VALUE.fullmatch(value):
                raise ValueError(f"scope {dimension} must have a value of A-Z a-z 0-9 . _ / : -, 1..64 bytes, got {value!r}")
        caps = [settings.cap_for(d, signal_scopes[d]) for d, settings in self.scopes.items() if d in signal_scopes]
        return caps + [(f"{d}={v}", 0, 0) for d, v in signal_scopes.items() if d not in self.scopes]


@dataclass(frozen=True)
class SniperSettings:
    redis: RedisSettings = RedisSettings()
    sniper_mode: SniperModeSettings = SniperModeSettings()


# ---- the untyped tree every source becomes: nodes that know where they were written

class _Scalar:
    def __init__(self, origin, value, text):
        self.origin, self.value, self.text = origin, value, text

    def describe(self):
        if self.value is None:
            return "null"
        if isinstance(self.value, (bool, int, float, Decimal)):
            return self.text
        return quote(self.text)


class _Sequence:
    def __init__(self, origin, items):
        self.origin, self.items = origin, items

    def describe(self):
        return "a list"


class _Mapping:
    def __init__(self, origin):
        self.origin = origin
        self.entries: Dict[str, Tuple[str, Any]] = {}  # key -> (origin of the key, value node)
        self.repeated: Dict[str, str] = {}

    def describe(self):
        return "a mapping"

    def add(self, key, origin, value):
        if key in self.entries:
            self.repeated.setdefault(key, origin)
        self.entries[key] = (origin, value)

    def override(self, key, origin, value):
        """Sets a key over whatever the mapping held; mappings merge key by key (as the Java side), anything else
        is replaced."""
        self.repeated.pop(key, None)
        existing = self.entries.get(key)
        if existing is not None and isinstance(existing[1], _Mapping) and isinstance(value, _Mapping):
            for inner, (inner_origin, inner_value) in value.entries.items():
                existing[1].override(inner, inner_origin, inner_value)
        else:
            self.entries[key] = (origin, value)


def quote(text: str) -> str:
    shown = text if len(text) <= 60 else text[:60] + "..."
    return json.dumps(shown, ensure_ascii=False)


def _from_yaml(text: str, source: str) -> _Mapping:
    import yaml  # only needed for files: the drop-in API takes a dict

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{source} line {mark.line + 1}, column {mark.column + 1}" if mark else source
        # Only the problem and its position: the parser's own message quotes the line, which may hold a password.
        context = ""
        if e.context:
            started = e.context_mark
            elsewhere = started is not None and mark is not None and started.line != mark.line
            context = f" ({e.context}{f' that starts on line {started.line + 1}' if elsewhere else ''})"
        raise SettingsError(where, None, f"malformed YAML: {e.problem or 'unreadable'}{context}") from None
    except yaml.YAMLError as e:
        raise SettingsError(source, None, f"malformed YAML: {e.__class__.__name__}") from None
    if root is None:
        return _Mapping(source)
    constructor = yaml.constructor.SafeConstructor()

    def origin(node):
        return f"{source} line {node.start_mark.line + 1}"

    def convert(node, depth):
        if depth > _MAX_DEPTH:
            raise SettingsError(origin(node), None, f"nested deeper than {_MAX_DEPTH} levels (an alias that contains itself?)")
        if isinstance(node, yaml.MappingNode):
            result = _Mapping(origin(node))
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise SettingsError(origin(key_node), None, "a key must be plain text")
                name = key_node.value
                if depth == 0 and name not in OWNED_SECTIONS:
                    continue  # sections Sniper does not own are never looked at
                result.add(name, origin(key_node), convert(value_node, depth + 1))
            return result
        if isinstance(node, yaml.SequenceNode):
            return _Sequence(origin(node), [convert(item, depth + 1) for item in node.value])
        try:
            value = constructor.construct_object(node)
        except yaml.YAMLError:
            value = node.value
        if not isinstance(value, (type(None), bool, int, float, str)):
            value = node.value  # timestamps, binary: as written
        return _Scalar(origin(node), value, node.value)

    tree = convert(root, 0)
    if not isinstance(tree, _Mapping):
        raise SettingsError(origin(root), None, f"the settings must be a YAML mapping of sections (redis:, runtime:, ...), got {tree.describe()}")
    return tree


def _from_value(value, origin: str):
    """A plain Python value (the ultra_signals dict, or parsed JSON of a variable) as a tree."""
    if isinstance(value, Mapping):
        result = _Mapping(origin)
        for key, item in value.items():
            result.add(str(key), origin, _from_value(item, origin))
        return result
    if isinstance(value, (list, tuple)):
        return _Sequence(origin, [_from_value(item, origin) for item in value])
    if value is None:
        return _Scalar(origin, None, "null")
    if isinstance(value, bool):
        return _Scalar(origin, value, "true" if value else "false")
    if isinstance(value, (int, float, Decimal)):
        return _Scalar(origin, value, str(value))
    return _Scalar(origin, str(value), str(value))


def _apply_environment(environment: Mapping[str, str], root: _Mapping) -> None:
    """Sorted by name, so a more specific variable (..._REDIS__HOST) wins over its parent's object (..._REDIS)."""
    for name in sorted(environment):
        raw = environment[name]
        if not name.startswith(ENV_PREFIX) or len(name) == len(ENV_PREFIX) or raw is None:
            continue
        path = name[len(ENV_PREFIX):].lower().split("__")
        if path[0] not in OWNED_SECTIONS:
            continue
        origin = f"env {name}"
        if "" in path:
            raise SettingsError(origin, None, f"empty key in {'.'.join(path)}: levels are separated by exactly two underscores")
        parent = root
        for key in path[:-1]:
            existing = parent.entries.get(key)
            if existing is not None and isinstance(existing[1], _Mapping):
                parent = existing[1]
            else:
                created = _Mapping(origin)
                parent.override(key, origin, created)
                parent = created
        parent.override(path[-1], origin, _parse_variable(raw, origin))


def _parse_variable(raw: str, origin: str):
    """JSON if the whole value is JSON, else the text itself; a scalar keeps the variable's exact text."""
    if raw.strip() == "":
        return _Scalar(origin, raw, raw)
    try:
        value = json.loads(raw, parse_float=Decimal, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    except ValueError:
        return _Scalar(origin, raw, raw)
    if isinstance(value, (dict, list)):
        return _from_value(value, origin)
    if isinstance(value, str):
        return _Scalar(origin, value, value)
    return _Scalar(origin, value, "null" if value is None else raw.strip())


# ---- conversions: from a node to one key's value, with the error a user needs

def _expected(key_path, expectation, node):
    return SettingsError(None, key_path, f"expected {expectation}, got {node.describe()}")


def _bool(node, key_path):
    if isinstance(node, _Scalar) and node.value is not None:
        if isinstance(node.value, bool):
            return node.value
        parsed = _BOOLEANS.get(node.text.strip().lower())
        if parsed is not None:
            return parsed
    raise _expected(key_path, "true or false", node)


def _integer(low, high):
    def convert(node, key_path):
        value = None
        if isinstance(node, _Scalar) and not isinstance(node.value, bool):
            if isinstance(node.value, int):
                value = node.value
            elif isinstance(node.value, str) and _INTEGER.match(node.value.strip()):
                value = int(node.value.strip())
        if value is None or not -2 ** 63 <= value < 2 ** 63:
            raise _expected(key_path, f"an integer {low}..{high}", node)
        if not low <= value <= high:
            raise SettingsError(None, key_path, f"expected an integer {low}..{high}, got {value}")
        return value
    return convert


def _millis(low, high):
    """A *_ms key: whole milliseconds in the range (the Java side's message, without a unit)."""
    return _integer(low, high)


def _decimal(node):
    if not isinstance(node, _Scalar) or isinstance(node.value, bool) or node.value is None:
        return None
    if isinstance(node.value, (int, Decimal)):
        return Decimal(node.value)
    if isinstance(node.value, float):
        return None if node.value != node.value or node.value in (float("inf"), float("-inf")) else Decimal(repr(node.value))
    if isinstance(node.value, str) and _DECIMAL.match(node.value.strip()):
        try:
            return Decimal(node.value.strip())
        except InvalidOperation:
            return None
    return None


def _seconds(node, key_path):
    seconds = _decimal(node)
    if seconds is None or seconds <= 0 or seconds > 3600 or seconds * 1000 < 1:
        raise _expected(key_path, "a number of seconds from 0.001 to 3600", node)
    return float(seconds)


def _percent(node, key_path):
    percent = _decimal(node)
    if percent is None or percent <= 0 or percent > 100:
        raise _expected(key_path, "a percentage above 0 and at most 100", node)
    return float(percent)


def _string(node, key_path):
    if isinstance(node, _Scalar) and node.value is not None:
        return node.text
    raise _expected(key_path, "a string", node)


def _optional_string(node, key_path):
    if isinstance(node, _Scalar):
        return None if node.value is None or node.text == "" else node.text
    raise _expected(key_path, "a string or null", node)


def _secret(node, key_path):
    if isinstance(node, _Scalar):
        return None if node.value is None or node.text == "" else node.text
    raise SettingsError(None, key_path, f"expected a string or null, got {node.describe()}")


def _enumeration(*names):
    def convert(node, key_path):
        if isinstance(node, _Scalar) and node.value is not None:
            text = node.text.strip()
            for name in names:
                if name.lower() == text.lower():
                    return name
            guess = closest(text, names)
            hint = f"; did you mean {guess}?" if guess else ""
            raise SettingsError(None, key_path, f"expected one of {', '.join(names)}, got {node.describe()}{hint}")
        raise _expected(key_path, "one of " + ", ".join(names), node)
    return convert


_HOST_PORT_EXPECTED = '"host:port" with a port 1..65535'


def _host_and_ports(node, key_path):
    texts = []
    if isinstance(node, _Sequence):
        texts = [_string(item, f"{key_path}[{i}]") for i, item in enumerate(node.items)]
    elif isinstance(node, _Scalar) and node.value is None:
        return ()
    elif isinstance(node, _Scalar) and isinstance(node.value, str):
        texts = [t.strip() for t in node.text.split(",") if t.strip()]
    else:
        raise _expected(key_path, "a list of " + _HOST_PORT_EXPECTED, node)
    return tuple(_host_and_port(f"{key_path}[{i}]", text) for i, text in enumerate(texts))


def _host_and_port(key_path, text):
    """host:port, with brackets around an IPv6 address."""
    wrong = SettingsError(None, key_path, f"expected {_HOST_PORT_EXPECTED}, got {quote(text)}")
    host, colon, port = text.strip().rpartition(":")
    if not colon or not host or not port:
        raise wrong
    if host.startswith("[") and host.endswith("]") and len(host) > 2:
        host = host[1:-1]
    elif any(c in host for c in ":[]"):
        raise wrong
    if not port.isdigit() or len(port) > 5 or not 1 <= int(port) <= 65535 or not host.strip() \
            or any(c.isspace() for c in host):
        raise wrong
    return HostAndPort(host, int(port))


def closest(typed: str, candidates) -> Optional[str]:
    """The candidate within a few edits (a swap of two letters is one), else None."""
    best, best_distance = None, None
    for candidate in candidates:
        d = _distance(typed.lower(), candidate.lower())
        if best_distance is None or d < best_distance:
            best, best_distance = candidate, d
    allowed = 1 if len(typed) < 4 else max(2, len(typed) // 3)
    return best if best_distance is not None and best_distance <= allowed else None


def _distance(x: str, y: str) -> int:
    d = [[0] * (len(y) + 1) for _ in range(len(x) + 1)]
    for i in range(len(x) + 1):
        d[i][0] = i
    for j in range(len(y) + 1):
        d[0][j] = j
    for i in range(1, len(x) + 1):
        for j in range(1, len(y) + 1):
            cost = 0 if x[i - 1] == y[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and x[i - 1] == y[j - 2] and x[i - 2] == y[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(x)][len(y)]


# ---- binding: the one list of keys Sniper reads

class _Section:
    """``warn`` set: unknown keys are reported through it and skipped (the drop-in), instead of raising."""

    def __init__(self, mapping: _Mapping, path: str, origins: Dict[str, str], warn=None):
        self.mapping, self.path, self.origins, self.warn = mapping, path, origins, warn
        self.known: List[str] = []

    def key_path(self, key):
        return f"{self.path}.{key}" if self.path else key

    def _entry(self, key):
        if key not in self.known:
            self.known.append(key)
        if key in self.mapping.repeated:
            raise SettingsError(self.mapping.repeated[key], self.key_path(key), "is set twice in the same mapping; keep one")
        entry = self.mapping.entries.get(key)
        if entry is not None:
            self.origins[self.key_path(key)] = entry[0]
        return entry

    def read(self, key, conversion, values: dict, name=None, lenient=False):
        """``lenient`` (the drop-in's reading of the app's own keys): a wrong value is a warning. For the drop-in
        (``warn`` set) null is unset in every key, as an app's settings model writes a field nobody set."""
        entry = self._entry(key)
        if entry is None or (self.warn is not None and isinstance(entry[1], _Scalar) and entry[1].value is None):
            return
        try:
            values[name or key] = conversion(entry[1], self.key_path(key))
        except SettingsError as e:
            e = e if e.source else e.from_source(entry[0])
            if not lenient:
                raise e from None
            self.warn(f"{e}; the default is kept")

    def section(self, key) -> Optional["_Section"]:
        entry = self._entry(key)
        if entry is None or (isinstance(entry[1], _Scalar) and entry[1].value is None):
            return None
        if not isinstance(entry[1], _Mapping):
            raise SettingsError(entry[0], self.key_path(key), f"expected a mapping of keys, got {entry[1].describe()}")
        return _Section(entry[1], self.key_path(key), self.origins, self.warn)

    def named_sections(self, key, name_problem) -> List[Tuple[str, "_Section"]]:
        """The sections under ``key`` whose names the user chooses (a dimension, a value), in the order written; a
        null value is an empty section."""
        entry = self._entry(key)
        if entry is None or (isinstance(entry[1], _Scalar) and entry[1].value is None):
            return []
        if not isinstance(entry[1], _Mapping):
            raise SettingsError(entry[0], self.key_path(key), f"expected a mapping of names to sections, got {entry[1].describe()}")
        sections = []
        for name, (origin, node) in entry[1].entries.items():
            path = f"{self.key_path(key)}.{name}"
            if name in entry[1].repeated:
                raise SettingsError(entry[1].repeated[name], path, "is set twice in the same mapping; keep one")
            problem = name_problem(name)
            if problem:
                raise SettingsError(origin, path, problem)
            if isinstance(node, _Scalar) and node.value is None:
                node = _Mapping(origin)
            elif not isinstance(node, _Mapping):
                raise SettingsError(origin, path, f"expected a mapping of keys, got {node.describe()}")
            self.origins[path] = origin
            sections.append((name, _Section(node, path, self.origins)))
        return sections

    def reject_if_present(self, key, problem):
        entry = self.mapping.entries.get(key)
        if entry is not None:
            raise SettingsError(entry[0], self.key_path(key), problem)

    def sets_anything(self):
        return any(not (isinstance(v, _Scalar) and v.value is None) and not (isinstance(v, _Sequence) and not v.items)
                   for _, v in self.mapping.entries.values())

    def reject_unknown_keys(self):
        for key, (origin, _) in self.mapping.entries.items():
            if key not in self.known:
                guess = closest(key, self.known)
                hint = f", did you mean {guess}?" if guess else f" (known keys: {', '.join(self.known)})"
                if self.warn is None:
                    raise SettingsError(origin, self.key_path(key), "unknown key" + hint)
                self.warn(str(SettingsError(origin, self.key_path(key), "unknown key, ignored" + hint)))


def _check_token(key_path, value):
    if value == "":
        raise SettingsError(None, key_path, "must not be empty")
    if any(c.isspace() or not c.isprintable() for c in value):
        raise SettingsError(None, key_path, f"must not contain spaces or control characters, got {quote(value)}")


def _bind(root: _Mapping, warn=None) -> SniperSettings:
    origins: Dict[str, str] = {}
    top = _Section(root, "", origins, warn)
    # The drop-in takes its caps with each call: where the app keeps them is not its business.
    strict = warn is None
    if strict:
        top.reject_if_present("sniper_mode", "belongs under runtime, as runtime.sniper_mode; indent the block under runtime:")
    runtime = top.section("runtime")
    if strict and runtime is not None:
        for key in _SNIPER_MODE_ONLY_KEYS:
            runtime.reject_if_present(key, "belongs under runtime.sniper_mode; is the block indented one level too little?")
    try:
        redis_section = top.section("redis")
        redis_settings = _redis(redis_section) if redis_section else RedisSettings()
        mode_section = runtime.section("sniper_mode") if runtime else None
        mode = _sniper_mode(mode_section, caps_per_call=warn is not None) if mode_section else SniperModeSettings()
    except SettingsError as e:
        raise (e if e.source or not e.key_path else e.from_source(_origin_of(e.key_path, origins, e.related))) from None
    return SniperSettings(redis_settings, mode)


def _origin_of(key_path: str, origins: Dict[str, str], related: Optional[str] = None) -> Optional[str]:
    """Where the key was set, else where the other key of a contradiction was, else where its nearest enclosing
    block was (a required key that is missing)."""
    if key_path not in origins and related in origins:
        return origins[related]
    while key_path:
        if key_path in origins:
            return origins[key_path]
        key_path = key_path.rpartition(".")[0]
    return None


def _redis(s: _Section) -> RedisSettings:
    v: Dict[str, Any] = {}
    s.read("enabled", _bool, v)
    s.read("host", _string, v)
    s.read("port", _integer(1, 65535), v)
    s.read("db", _integer(0, 2 ** 31 - 1), v)
    s.read("username", _optional_string, v)
    s.read("password", _secret, v)
    s.read("timeout", _seconds, v, "timeout_s")
    s.read("decision_timeout_ms", _millis(1, 3_600_000), v)
    s.read("namespace", _string, v)
    tls = s.section("tls")
    if tls is not None:
        tls.read("enabled", _bool, v, "tls_enabled")
        tls.read("verify_peer", _bool, v, "tls_verify_peer")
        tls.read("ca_file", _optional_string, v, "tls_ca_file")
        tls.reject_unknown_keys()
        if v.get("tls_enabled") and v.get("tls_ca_file") and not os.access(v["tls_ca_file"], os.R_OK):
            raise SettingsError(s.origins.get("redis.tls.ca_file"), "redis.tls.ca_file",
                                f"cannot read the CA file {quote(v['tls_ca_file'])}")
    sentinel = s.section("sentinel")
    has_sentinel = False
    if sentinel is not None:
        sv: Dict[str, Any] = {}
        sentinel.read("master", _optional_string, sv)
        sentinel.read("nodes", _host_and_ports, sv)
        sentinel.read("password", _secret, sv)
        sentinel.reject_unknown_keys()
        if sentinel.sets_anything():
            has_sentinel = True
            if not sv.get("master"):
                raise SettingsError(None, "redis.sentinel.master",
                                    "is required when redis.sentinel is set: the master's name as the sentinels know it")
            if not sv.get("nodes"):
                raise SettingsError(None, "redis.sentinel.nodes", "expected at least one " + _HOST_PORT_EXPECTED)
            v.update(sentinel_master=sv["master"], sentinel_nodes=sv["nodes"], sentinel_password=sv.get("password"))
    cluster = s.section("cluster")
    has_cluster = False
    if cluster is not None:
        cv: Dict[str, Any] = {}
        cluster.read("nodes", _host_and_ports, cv)
        cluster.reject_unknown_keys()
        if cluster.sets_anything():
            has_cluster = True
            if not cv.get("nodes"):
                raise SettingsError(None, "redis.cluster.nodes", "expected at least one " + _HOST_PORT_EXPECTED)
            v["cluster_nodes"] = cv["nodes"]
    s.reject_unknown_keys()
    r = RedisSettings(**v)
    _check_token("redis.host", r.host)
    if r.username is not None:
        _check_token("redis.username", r.username)
        if r.password is None:
            raise SettingsError(None, "redis.username", "an ACL user needs redis.password as well (AUTH takes both)",
                                "redis.password")
    if r.decision_timeout_ms >= r.timeout_s * 1000:
        raise SettingsError(None, "redis.decision_timeout_ms",
                            f"must be below redis.timeout ({r.timeout_s:g} s = {round(r.timeout_s * 1000)} ms), got {r.decision_timeout_ms}",
                            "redis.timeout")
    _check_token("redis.namespace", r.namespace)
    if len(r.namespace) > 128:
        raise SettingsError(None, "redis.namespace", f"must be at most 128 characters, got {len(r.namespace)}")
    if has_sentinel and has_cluster:
        raise SettingsError(None, "redis.cluster",
                            "contradicts redis.sentinel: Redis is either Sentinel-managed or a Cluster, set only one of them",
                            "redis.sentinel")
    if has_cluster and r.db != 0:
        raise SettingsError(None, "redis.db", f"must be 0 with redis.cluster (Redis Cluster has only database 0), got {r.db}",
                            "redis.cluster")
    return r


def _sniper_mode(s: _Section, caps_per_call: bool = False) -> SniperModeSettings:
    v: Dict[str, Any] = {}
    # The drop-in takes its caps with each call; these keys are the app's, and only SniperGuard.acquire reads them.
    s.read("enabled", _bool, v, lenient=caps_per_call)
    s.read("mtf_confirm", _bool, v, lenient=caps_per_call)
    s.read("max_signals_per_hour", _integer(0, CAP_MAX), v, lenient=caps_per_call)
    s.read("daily_signal_cap", _integer(0, CAP_MAX), v, lenient=caps_per_call)
    s.read("window", _enumeration("fixed", "sliding"), v)
    s.read("enforcement", _enumeration("enforce", "shadow"), v)
    fallback = s.section("fallback")
    if fallback is not None:
        v["fallback"] = _fallback(fallback)
    audit = s.section("audit")
    if audit is not None:
        v["audit"] = _audit(audit)
    scopes = {dimension: _scope(section) for dimension, section in s.named_sections(
        "scopes", lambda name: None if _DIMENSION.fullmatch(name) else "a dimension is a-z 0-9 _ from a letter, up to 32 bytes")}
    if len(scopes) > MAX_SCOPES:
        raise SettingsError(None, "runtime.sniper_mode.scopes", f"at most 8 dimensions, got {len(scopes)}")
    v["scopes"] = scopes
    s.reject_unknown_keys()
    return SniperModeSettings(**v)


def _scope(s: "_Section") -> ScopeSettings:
    v: Dict[str, Any] = {}
    s.read("max_signals_per_hour", _integer(0, CAP_MAX), v)
    s.read("daily_signal_cap", _integer(0, CAP_MAX), v)
    values = {}
    for value, section in s.named_sections(
            "values", lambda name: None if _SCOPE_VALUE.fullmatch(name) else "a value is A-Z a-z 0-9 . _ / : -, 1..64 bytes"):
        own: Dict[str, Any] = {}
        section.read("max_signals_per_hour", _integer(0, CAP_MAX), own)
        section.read("daily_signal_cap", _integer(0, CAP_MAX), own)
        section.reject_unknown_keys()
        values[value] = own
    s.reject_unknown_keys()
    return ScopeSettings(values=values, **v)


def _audit(s: _Section) -> AuditSettings:
    v: Dict[str, Any] = {}
    s.read("runner", _optional_string, v)
    s.read("max_entries", _integer(1, 100_000_000), v)
    s.read("max_age_hours", _integer(0, 8784), v)
    s.reject_unknown_keys()
    runner = v.get("runner")
    if runner is not None and (not runner.strip() or len(runner.encode("utf-8")) > 256):
        raise SettingsError(None, "runtime.sniper_mode.audit.runner", "expected 1..256 bytes of text or null, got "
                            + ("blank text" if not runner.strip() else f"{len(runner)} characters"))
    return AuditSettings(**v)


def _fallback(s: _Section) -> FallbackSettings:
    path = "runtime.sniper_mode.fallback."
    v: Dict[str, Any] = {}
    s.read("policy", _enumeration("local", "allow", "deny"), v)
    s.read("failure_rate_threshold", _percent, v)
    s.read("minimum_calls", _integer(1, 100_000), v)
    s.read("sliding_window_calls", _integer(1, 100_000), v)
    s.read("open_wait_ms", _millis(1, 86_400_000), v)
    s.read("permitted_calls_in_half_open", _integer(1, 100_000), v)
    s.read("heartbeat_interval_ms", _millis(1, 86_400_000), v)
    s.read("heartbeat_ttl_ms", _millis(1, 86_400_000), v)
    s.read("fleet_size", _integer(0, 100_000), v)
    s.reject_unknown_keys()
    f = FallbackSettings(**v)
    if f.minimum_calls > f.sliding_window_calls:
        raise SettingsError(None, path + "minimum_calls",
                            f"must be at most sliding_window_calls ({f.sliding_window_calls}), got {f.minimum_calls}",
                            path + "sliding_window_calls")
    if f.heartbeat_ttl_ms <= f.heartbeat_interval_ms:
        raise SettingsError(None, path + "heartbeat_ttl_ms",
                            f"must be above heartbeat_interval_ms ({f.heartbeat_interval_ms}), or every guard expires "
                            f"between two heartbeats; got {f.heartbeat_ttl_ms}", path + "heartbeat_interval_ms")
    return f


# ---- entry points

def load_settings(path: Optional[str] = None, environment: Optional[Mapping[str, str]] = None) -> SniperSettings:
    """settings.yaml (None: defaults only) plus ULTRA_SIGNALS_* variables; raises SettingsError."""
    environment = os.environ if environment is None else environment
    if path is None:
        root = _Mapping("defaults")
    else:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            raise SettingsError(str(path), None, f"cannot read the settings file ({e.strerror})") from None
        except UnicodeDecodeError:
            raise SettingsError(str(path), None, "cannot read the settings file (not UTF-8 text)") from None
        root = _from_yaml(text, str(path))
    _apply_environment(environment, root)
    return _bind(root)


def settings_from_dict(settings: Mapping, environment: Optional[Mapping[str, str]] = None,
                       source: str = "settings", *, warn=None) -> SniperSettings:
    """The dict ultra_signals passes (``{"redis": {...}, "runtime": {"sniper_mode": {...}}}``), as strictly.

    With ``warn`` (the drop-in, which takes its caps with each call): a key Sniper does not know is passed to it,
    one line, and skipped; so is a wrong value in the seed's sniper_mode keys (enabled, mtf_confirm, the two caps),
    which keep their defaults; null in any key means unset. A wrong value in any other key is a SettingsError."""
    environment = os.environ if environment is None else environment
    if not isinstance(settings, Mapping):
        raise SettingsError(source, None, f"expected a dict of sections, got {type(settings).__name__}")
    root = _from_value({k: v for k, v in settings.items() if str(k) in OWNED_SECTIONS}, source)
    _apply_environment(environment, root)
    return _bind(root, warn)
