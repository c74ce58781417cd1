"""The optional TOML file configuring a run's adapter (endpoint, headers, timeouts, concurrency).

    [adapter]
    url = "https://sut.example.com/fsi/api"   # or: name = "python:pkg.mod:Class" / an entry-point name
    timeout = 10                # seconds per request
    concurrency = 8             # independent test persons at once
    consecutive_failures = 5    # connection failures in a row before the run stops as unreachable
    insuplc_admdvs = "510400"   # optional: override the envelope's 参保地医保区划
    supports = ["prepare_person", "settle", …]   # optional: only these operations
    [adapter.headers]
    X-Api-Key = { env = "CONFORM_API_KEY" }     # secret, read from the environment
    X-Vendor = "acme"
    [adapter.options]           # free-form, handed to a python: plugin
    [system]                    # optional: name and version of the system under test, for the
    name = "…"                  # reports' certification record (read by harness/report/certify.py)
    version = "…"

A header read from the environment (and any header whose name says key, token,
secret or authorization) is registered as a secret: masked in evidence and
never printed. Every problem names the file and the key.
"""
from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import evidence

ADAPTER_KEYS = {"url", "name", "timeout", "concurrency", "consecutive_failures", "insuplc_admdvs", "supports",
                "headers", "options"}
TOP_LEVEL_KEYS = {"adapter", "system"}  # [system] name / version: read by harness/report/certify.py
SECRET_HEADER = re.compile(r"key|token|secret|auth|passw|sign", re.IGNORECASE)
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file and the key."""


@dataclass
class AdapterConfig:
    """What the [adapter] table says, checked; `source` is the file it came from."""

    source: str = ""
    spec: str | None = None
    timeout: float = 10.0
    concurrency: int = 1
    consecutive_failures: int = 5
    insuplc_admdvs: str | None = None
    supports: frozenset[str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    secret_headers: frozenset[str] = frozenset()
    options: dict[str, Any] = field(default_factory=dict)

    def public_headers(self) -> dict[str, str]:
        """Headers as they may be shown: secret values replaced by ***."""
        return {k: ("***" if k in self.secret_headers else v) for k, v in self.headers.items()}


def load_adapter_config(path: str | os.PathLike | None, environ: dict[str, str] | None = None) -> AdapterConfig:
    """Read and check a config file (None → all defaults)."""
    if not path:
        return AdapterConfig()
    env = os.environ if environ is None else environ
    src = str(path)
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{src}: no such config file")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as e:
        raise ConfigError(f"{src}: malformed TOML: {e}") from None
    return parse_adapter_config(data, src, env)


def parse_adapter_config(data: dict, src: str = "<config>", environ: dict[str, str] | None = None) -> AdapterConfig:
    env = os.environ if environ is None else environ

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"{src}: key {key}: {message}")

    unknown = sorted(set(data) - TOP_LEVEL_KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown key; allowed: {', '.join(sorted(TOP_LEVEL_KEYS))}")
    table = data.get("adapter", {})
    if not isinstance(table, dict):
        raise fail("adapter", "must be a table ([adapter])")
    unknown = sorted(set(table) - ADAPTER_KEYS)
    if unknown:
        raise fail(f"adapter.{unknown[0]}", f"unknown key; allowed: {', '.join(sorted(ADAPTER_KEYS))}")
    cfg = AdapterConfig(source=src)
    if "url" in table and "name" in table:
        raise fail("adapter.url", "give either url (an http system) or name (reference, python:…, a plugin), not both")
    for key in ("url", "name"):
        if key in table:
            v = table[key]
            if not isinstance(v, str) or not v.strip():
                raise fail(f"adapter.{key}", f"must be non-empty text, got {v!r}")
            if key == "url" and not v.startswith(("http://", "https://")):
                raise fail("adapter.url", f"must start with http:// or https://, got {v!r}")
            cfg.spec = v.strip()
    if "timeout" in table:
        v = table["timeout"]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            raise fail("adapter.timeout", f"must be a positive number of seconds, got {v!r}")
        cfg.timeout = float(v)
    for key in ("concurrency", "consecutive_failures"):
        if key in table:
            v = table[key]
            if isinstance(v, bool) or not isinstance(v, int) or v < 1 or v > 1000:
                raise fail(f"adapter.{key}", f"must be a whole number from 1 to 1000, got {v!r}")
            setattr(cfg, key, v)
    if "insuplc_admdvs" in table:
        v = table["insuplc_admdvs"]
        if not isinstance(v, str) or not re.fullmatch(r"\d{6}", v):
            raise fail("adapter.insuplc_admdvs", f"must be a six-digit 医保区划 code as text, got {v!r}")
        cfg.insuplc_admdvs = v
    if "supports" in table:
        from .adapters.base import OPERATIONS

        v = table["supports"]
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise fail("adapter.supports", "must be a list of operation names")
        bad = [x for x in v if x not in OPERATIONS]
        if bad:
            raise fail("adapter.supports", f"unknown operation {bad[0]!r}; known: {', '.join(OPERATIONS)}")
        cfg.supports = frozenset(v)
    if "options" in table:
        if not isinstance(table["options"], dict):
            raise fail("adapter.options", "must be a table ([adapter.options])")
        cfg.options = dict(table["options"])
    headers = table.get("headers", {})
    if not isinstance(headers, dict):
        raise fail("adapter.headers", "must be a table ([adapter.headers])")
    secret: set[str] = set()
    for name, v in headers.items():
        key = f"adapter.headers.{name}"
        if not HEADER_NAME.match(name):
            raise fail(key, "not a valid HTTP header name")
        if isinstance(v, dict):
            if set(v) != {"env"} or not isinstance(v["env"], str) or not v["env"]:
                raise fail(key, 'a header read from the environment is written { env = "VARIABLE" }')
            value = env.get(v["env"])
            if not value:
                raise fail(key, f"environment variable {v['env']} is not set")
            secret.add(name)
        elif isinstance(v, str):
            value = v
            if SECRET_HEADER.search(name):
                secret.add(name)
        else:
            raise fail(key, 'must be text or { env = "VARIABLE" }')
        if "\n" in value or "\r" in value:
            raise fail(key, "a header value cannot contain a line break")
        cfg.headers[name] = value
    cfg.secret_headers = frozenset(secret)
    for name in secret:
        evidence.register_secret(cfg.headers[name])
    return cfg
