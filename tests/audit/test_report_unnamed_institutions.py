"""A ledger that names no institution (fixmedins_code is only 建议, docs/audit.md §1): the report says the
institutions are not given, never "涉及定点机构 0" beside settlements that differ, and the settlements
without a code are one row per level labelled as such, never a row that reads as one institution.

The ledger is docs/audit.md's worked example (see test_sources_input.py): 5 settlements, 3 of them differ
(V2, W1, C2); 多付 200.00 at 三级 (V2, C2), 少付 142.50.
"""
from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook

from conform.audit.run import audit
from test_sources_input import EXAMPLE

UNNAMED = "未提供定点机构编码的结算（按机构等级合计）"  # conform/audit/report/rollups.py UNNAMED


def _report(tmp_path, drop: bool = False, blank: tuple[str, ...] = ()):
    rows = list(csv.reader(io.StringIO(EXAMPLE)))
    at = rows[0].index("fixmedins_code")
    for r in rows[1:]:
        if r[0] in blank:
            r[at] = ""
    if drop:
        rows = [r[:at] + r[at + 1:] for r in rows]
    ledger = tmp_path / "ledger.csv"
    with ledger.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    out = tmp_path / "out"
    code, _ = audit([str(ledger)], "panzhihua", "panzhihua-example", out=out)
    assert code == 1
    page = (out / "audit.html").read_text(encoding="utf-8")
    sheet = list(load_workbook(out / "audit.xlsx")["按机构"].iter_rows(min_row=2, values_only=True))
    return page, sheet


def _box(page: str) -> str:
    return re.search(r"<div[^>]*>涉及定点机构.*?</div>", page).group(0)


def test_a_ledger_without_fixmedins_code_says_the_institutions_are_not_given(tmp_path):
    page, sheet = _report(tmp_path, drop=True)
    box = _box(page)
    assert "未提供定点机构编码" in box and "<b>0</b>" not in box
    top = page[page.index("多付最多的定点机构"):page.index('id="assumptions"')]
    assert "差异无法按定点机构列出" in top and "<table>" not in top
    assert [(r[0], r[1], r[2], r[3]) for r in sheet] == [(None, UNNAMED, "三级定点医疗机构", 2),
                                                         (None, UNNAMED, "二级定点医疗机构", 1)]


def test_settlements_without_a_code_are_counted_apart_and_labelled(tmp_path):
    """C2 (三级, overpaid) has an empty code; V2 and W1 name theirs: 2 institutions, 1 settlement apart."""
    page, sheet = _report(tmp_path, blank=("C2",))
    box = _box(page)
    assert "<b>2</b>" in box and "另有 1 笔差异结算未提供机构编码" in box
    top = page[page.index("多付最多的定点机构"):page.index('id="assumptions"')]
    assert f"<td>{UNNAMED}</td>" in top
    unnamed = [r for r in sheet if r[0] is None]
    assert [(r[1], r[2], r[3]) for r in unnamed] == [(UNNAMED, "三级定点医疗机构", 1)]


def test_a_ledger_naming_every_institution_shows_the_count_alone(tmp_path):
    page, sheet = _report(tmp_path)
    box = _box(page)
    assert "<b>2</b>" in box and "未提供" not in box
    assert all(r[0] for r in sheet)
