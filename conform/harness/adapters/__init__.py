"""Adapters to systems under test, chosen by name or URL (`conform run --adapter`)."""
from __future__ import annotations

from .base import (Adapter, NotApplicable, SettlementRefused, Subject, SutError, SystemUnreachable, for_each_person,
                   takes_use_date)

__all__ = ["Adapter", "AdapterSpecError", "NotApplicable", "SettlementRefused", "SutError", "Subject",
           "SystemUnreachable", "for_each_person", "make_adapter", "takes_use_date"]


class AdapterSpecError(ValueError):
    """An --adapter value or adapter config that cannot be used."""


def make_adapter(spec: str | None = None, config=None, contained: bool = False) -> Adapter:
    """`reference` (default), an http(s):// URL, `python:package.module:Class`, or an entry-point name.

    `config` is an `AdapterConfig` (conform.harness.config) or None; its url/name is used when spec is None, and a
    config read from a file (`source` set) with neither is refused: a file given must name the system.
    Nothing is contacted here: the adapter connects in `start()`. `contained`: a plugin runs in a process of
    its own (conform.harness.adapters.plugin_process), as `conform run` runs it; else in this one."""
    from ..config import AdapterConfig
    from .python_plugin import PluginError, load_entry_point, load_python, registered

    cfg = config if isinstance(config, AdapterConfig) else AdapterConfig()
    if not spec and not cfg.spec and cfg.source:
        # a config file given names the system under test: without url/name it would certify the reference engine
        # under the file's [system] name; the reference is the default only when neither is given
        from ..config import missing_system

        raise AdapterSpecError(missing_system(cfg))
    spec = (spec or cfg.spec or "reference").strip()
    if spec == "reference":
        from .reference import ReferenceAdapter

        adapter: Adapter = ReferenceAdapter()
        adapter.concurrency = cfg.concurrency
        return adapter
    platform = spec.startswith("platform+") or (cfg.profile == "platform" and spec.startswith(("http://", "https://")))
    spec = spec.removeprefix("platform+")
    if platform and not spec.startswith(("http://", "https://")):
        raise AdapterSpecError(f"adapter URL {spec[:100]!r}: after platform+ give an http:// or https:// URL")
    if spec.startswith(("http://", "https://")):
        from ..config import credential_conflict, register_url_secrets, url_problem

        problem = url_problem(spec)
        if problem:
            from .http import public_url

            raise AdapterSpecError(f"adapter URL {public_url(spec)!r} {problem}") from None
        conflict = credential_conflict(spec, cfg.headers)  # the URL given apart from the config's headers
        if conflict:
            from .http import public_url

            raise AdapterSpecError(f"adapter URL {public_url(spec)!r}: {conflict}")
        register_url_secrets(spec)
        if platform:
            from .platform import make_platform_adapter  # the national platform's own messages

            return make_platform_adapter(spec, cfg, AdapterSpecError)
        from .http import HttpAdapter

        return HttpAdapter(spec, cfg)
    try:
        if spec.startswith("python:"):
            return load_python(spec, cfg, contained)
        found = load_entry_point(spec, cfg, contained)
    except PluginError as e:
        raise AdapterSpecError(str(e)) from None
    if found is not None:
        return found
    names = ", ".join(sorted(registered())) or "none installed"
    raise AdapterSpecError(f"unknown adapter {spec!r}; use 'reference', an http(s):// URL, python:module:Class "
                           f"or a registered plugin name (conform.adapters: {names})")
