"""The console prints three counterexamples in full and names the rest (all are in the reports): a run with many
failing properties printed ~400 lines of them before its causes (rvendor s11 Q2)."""
from __future__ import annotations

import types

from conform.harness.properties import settings


class _Writer:
    def __init__(self):
        self.lines = []
        self._tw = types.SimpleNamespace(_file=None)

    def write_sep(self, sep, title):
        self.lines.append(title)

    def write_line(self, text):
        self.lines.append(text)


def test_three_in_full_the_rest_named(monkeypatch):
    failed = [settings._Failed(f"prop{i}", f"x.py::prop{i}", f"# language: zh-CN\n功能: 反例{i}") for i in range(5)]
    monkeypatch.setattr(settings, "_failed_properties", lambda tr, config: failed)
    config = types.SimpleNamespace(stash={})
    tr = _Writer()
    settings.pytest_terminal_summary(tr, 1, config)
    out = "\n".join(tr.lines)
    assert all(f"功能: 反例{i}" in out for i in range(3))
    assert "功能: 反例3" not in out and "另有 2 个反例见报告" in out and "prop3、prop4" in out
