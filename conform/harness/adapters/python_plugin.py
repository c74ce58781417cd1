"""In-process plugins: `python:package.module:Class`, or a name in the `conform.adapters` entry-point group.

A vendor with a Python client for their system subclasses `conform.harness.adapters.Adapter`
and either names it on the command line (`--adapter python:acme_conform:AcmeAdapter`)
or publishes it from their package:

    [project.entry-points."conform.adapters"]
    acme = "acme_conform:AcmeAdapter"

and runs `conform run --adapter acme`. The module is imported from the installed
packages or the current directory. The class is built as `Class(config)` when
its constructor takes an argument (the checked `AdapterConfig` of the TOML file,
whose `options` table is free-form), else `Class()`.
"""
from __future__ import annotations

import functools
import importlib
import inspect
import os
import sys
from importlib.metadata import EntryPoint, entry_points

from .. import evidence
from ..config import AdapterConfig
from .base import Adapter

GROUP = "conform.adapters"


class PluginError(ValueError):
    """A plugin that cannot be found, imported or built; the message says which and why."""


def registered() -> dict[str, EntryPoint]:
    """Adapters published by installed packages under the `conform.adapters` entry-point group."""
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def _build(cls: object, where: str, config: AdapterConfig) -> Adapter:
    if not (inspect.isclass(cls) and issubclass(cls, Adapter)):
        raise PluginError(f"{where} is not a subclass of conform.harness.adapters.Adapter (got {cls!r})")
    try:
        takes_config = any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
                           for p in list(inspect.signature(cls).parameters.values()))
    except (TypeError, ValueError):
        takes_config = False
    try:
        adapter = cls(config) if takes_config else cls()
    except Exception as e:  # noqa: BLE001 - a plugin's own failure, reported with its name
        raise PluginError(f"{where}: building the adapter failed: {type(e).__name__}: {e}") from None
    if not adapter.supports:
        raise PluginError(f"{where}: the adapter declares no supported operations (`supports` is empty)")
    for op in ("presettle", "settle"):
        setattr(adapter, op, _recorded(op, getattr(adapter, op)))
    return adapter


def _recorded(op: str, method):
    """A plugin's (pre)settlement, its answer kept as evidence as the reference adapter keeps its own
    ({psn_no, id} → the figures, or {"refused": …}): the report then sees where the system's figures and the
    reference's part (the causes' step), as it does from an HTTP system's envelopes. Only when the call
    recorded nothing itself (a plugin speaking HTTP records its envelopes; one wrapping the reference adapter,
    its own entry)."""
    @functools.wraps(method)
    def call(psn_no, settlement, *args, **kwargs):
        request = {"psn_no": psn_no, "id": getattr(settlement, "id", None)}
        before = evidence.recorded()
        try:
            out = method(psn_no, settlement, *args, **kwargs)
        except Exception as e:  # noqa: BLE001 - recorded, then raised as it was
            if evidence.recorded() == before:
                evidence.record(op, request, {"refused": evidence.shorten(str(e), 1000)})
            raise
        if evidence.recorded() == before:
            evidence.record(op, request, dict(out) if isinstance(out, dict)
                            else {"answer": evidence.shorten(repr(out), 1000)})
        return out
    return call


def load_python(spec: str, config: AdapterConfig) -> Adapter:
    """`python:package.module:Class` → an adapter instance."""
    target = spec.removeprefix("python:")
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise PluginError(f"adapter {spec!r}: write python:package.module:Class")
    cwd = os.getcwd()
    if cwd not in sys.path:  # like `python -m` and uvicorn's --app-dir: modules in the current directory import
        sys.path.append(cwd)
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise PluginError(f"adapter {spec!r}: cannot import module {module_name!r}: {e}") from None
    except SyntaxError as e:
        where = f"{e.filename}:{e.lineno}" if e.filename else module_name
        raise PluginError(f"adapter {spec!r}: module {module_name!r} has a syntax error at {where}: {e.msg}") from None
    except (Exception, SystemExit) as e:  # noqa: BLE001 - the module's own code failed while importing
        raise PluginError(evidence.shorten(f"adapter {spec!r}: importing module {module_name!r} failed: "
                                           f"{type(e).__name__}: {e}", 1000)) from None
    obj: object = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise PluginError(f"adapter {spec!r}: module {module_name!r} has no {attr!r}")
        obj = getattr(obj, part)
    return _build(obj, f"adapter {spec!r}", config)


def load_entry_point(name: str, config: AdapterConfig) -> Adapter | None:
    """The adapter an installed package registered under `name`, or None if none did."""
    ep = registered().get(name)
    if ep is None:
        return None
    try:
        cls = ep.load()
    except (Exception, SystemExit) as e:  # noqa: BLE001 - reported with the entry point's name
        raise PluginError(f"adapter {name!r} (entry point {ep.value!r} in group {GROUP}): cannot load: "
                          f"{type(e).__name__}: {e}") from None
    return _build(cls, f"adapter {name!r} (entry point {ep.value!r})", config)
