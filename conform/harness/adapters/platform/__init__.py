"""The `platform` wire profile: the national medical insurance platform's messages as they are.

Selected by `[adapter] profile = "platform"` in conform.toml or
`--adapter platform+http://host:port/path`. See docs/connect-your-system.md
(section 8) and the `Platform*` components of docs/openapi.yaml.
"""
from __future__ import annotations

from .adapter import PlatformAdapter
from .config import PlatformConfig

__all__ = ["PlatformAdapter", "PlatformConfig", "make_platform_adapter", "no_persons"]


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
    adapter = PlatformAdapter(url, cfg)
    problem = no_persons(adapter, cfg.source)
    if problem:
        raise error(problem)
    return adapter


def no_persons(adapter: PlatformAdapter, source: str = "") -> str | None:
    """Why no scenario can run, or None. Every scenario and property prepares a person first: without
    [[adapter.platform.pool]] persons or the person_reset hook (T001) each would be 'not applicable',
    and a run that reached nothing must be refused, not certified (`--adapter platform+URL` alone)."""
    if "prepare_person" not in adapter.supports:
        return (f"{source or 'the adapter config'}: key adapter.supports leaves out prepare_person, so no scenario can "
                f"put its person in the system under test; add it (docs/connect-your-system.md, section 4)")
    if adapter.pc.pool or "person_reset" in adapter.pc.hooks:
        return None
    where = (f"{source}: [adapter.platform] has" if source else
             "the platform profile without --config has")
    return (f"{where} no test persons, so no check could reach the system: give --config conform.toml with "
            f"[[adapter.platform.pool]] entries (persons that exist in your test environment: psn_no, policy, "
            f"psn_type, ...) or, if your test environment offers T001, hooks = [\"person_reset\"] in "
            f"[adapter.platform], and the [adapter.platform] keys it needs (facilities, catalogue, transactions, "
            f"cum_type_code; docs/connect-your-system.md, sections 8.5 and 8.6; "
            f"`python -m conform.fixtures.sample_system --profile platform --print-config` prints a complete example)")
