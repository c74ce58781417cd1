"""The `platform` wire profile: the national medical insurance platform's messages as they are.

Selected by `[adapter] profile = "platform"` in conform.toml or
`--adapter platform+http://host:port/path`. See docs/connect-your-system.md
(section 8) and the `Platform*` components of docs/openapi.yaml.
"""
from __future__ import annotations

from .adapter import PlatformAdapter
from .config import PlatformConfig

__all__ = ["PlatformAdapter", "PlatformConfig", "make_platform_adapter"]


def make_platform_adapter(url: str, config, error: type[Exception]) -> PlatformAdapter:
    """The adapter for `url` (http:// or https://); a bad URL raises `error` with a clear message."""
    import dataclasses

    import httpx

    from ...config import AdapterConfig

    if not url.startswith(("http://", "https://")):
        raise error(f"adapter URL {url!r}: after platform+ give an http:// or https:// URL")
    try:
        httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as e:
        raise error(f"adapter URL {url!r} is not a valid URL: {e}") from None
    cfg = config if isinstance(config, AdapterConfig) else AdapterConfig()
    cfg = dataclasses.replace(cfg, profile="platform")
    return PlatformAdapter(url, cfg)
