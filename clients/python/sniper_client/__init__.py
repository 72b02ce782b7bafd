"""Sniper's Python client: distributed signal caps on the v1 Lua scripts (lua/), with the Java guard's
fallback, reconciliation and metrics. ``from sniper_client import get_sniper_counters`` replaces the
original module; new code uses ``SniperGuard.acquire`` / ``release``."""

from .counters import SniperCounters, get_sniper_counters, reset_sniper_counters
from .guard import Decision, Release, SniperGuard
from .scripts import ScriptCatalog, ScriptCatalogError, ScriptError, ScriptRunner
from .settings import SettingsError, SniperSettings, load_settings, settings_from_dict

__all__ = ["SniperCounters", "get_sniper_counters", "reset_sniper_counters", "SniperGuard", "Decision", "Release",
           "ScriptCatalog", "ScriptCatalogError", "ScriptError", "ScriptRunner", "SettingsError", "SniperSettings",
           "load_settings", "settings_from_dict", "guard_from_file"]


def guard_from_file(path=None, **options) -> SniperGuard:
    """A guard from settings.yaml (None: defaults) plus ULTRA_SIGNALS_* variables, as the Java side loads them."""
    return SniperGuard(load_settings(path), **options)
