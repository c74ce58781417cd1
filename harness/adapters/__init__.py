"""Adapters to systems under test, chosen by name or URL (`conform run --adapter`)."""
from __future__ import annotations

from .base import Adapter, NotApplicable, SettlementRefused, SutError, Subject

__all__ = ["Adapter", "NotApplicable", "SettlementRefused", "SutError", "Subject", "make_adapter"]


class AdapterSpecError(ValueError):
    """An --adapter value or adapter config that cannot be used."""


def make_adapter(spec: str | None = None, config: dict | None = None) -> Adapter:
    """`reference` (default), an http(s):// URL, or `python:package.module:Class`."""
    spec = spec or "reference"
    if spec == "reference":
        from .reference import ReferenceAdapter

        return ReferenceAdapter()
    raise AdapterSpecError(f"unknown adapter {spec!r}; use 'reference', an http:// URL or python:module:Class")
