"""The audit report cuts long text as the conformance reports do (conform.display.cut, s9 implV): a clause list or an
institution's name cut at 400 / 60 characters never ends in the head of a figure ("…655." of 655.36)."""
from __future__ import annotations

from conform.audit.report import rollups


def test_a_long_clause_list_is_cut_before_a_figure_not_inside_it():
    text = "条" * 397 + "655.36 元"
    assert rollups._clip(text, 400) == "条" * 397 + "…"  # the one cut the audit's page and rollups share


def test_short_text_and_none_pass_unchanged():
    assert rollups._clip(None, 10) == ""
    assert rollups._clip("攀枝花 第七条", 60) == "攀枝花 第七条"
