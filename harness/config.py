"""The optional TOML file configuring a run (adapter, endpoint, headers, timeouts, concurrency)."""
from __future__ import annotations

import tomllib
from pathlib import Path


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file and the key."""


def load_adapter_config(path: str | None) -> dict:
    if not path:
        return {}
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{path}: no such config file")
    try:
        return tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: malformed TOML: {e}") from None
