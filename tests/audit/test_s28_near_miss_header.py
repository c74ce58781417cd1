"""A header spelled a small edit away from a figure the audit reads (hifp-pay, hifppay for hifp_pay) left that figure
silently out of the audit: the column is still not read (a near name may be another figure of the vendor's), but a
note on the console and in summary.json's warnings names it with the --map that reads it (probe s28 A F6).

The ledger is docs/audit.md's worked example (攀枝花 第七条): without hifp_pay its 3 hifp_pay discrepancies go, 12 stay.
"""
from __future__ import annotations

import pytest

from conform.audit.run import audit
from test_sources_input import _rows, _write_csv


def _run(tmp_path, rename=None, extra=None):
    rows = _rows()
    rows[0] = [(rename or {}).get(h, h) for h in rows[0]]
    if extra:
        rows[0].append(extra)
        for r in rows[1:]:
            r.append("1.00")
    ledger = _write_csv(tmp_path / "ledger.csv", rows)
    said: list[str] = []
    code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", write=False, workers=1, progress=said.append)
    return ledger, s, said


@pytest.mark.parametrize("near", ["hifp-pay", "hifppay", "HIFP PAY"])
def test_a_near_miss_of_a_recorded_figure_is_noted(tmp_path, near):
    ledger, s, said = _run(tmp_path, {"hifp_pay": near})
    assert "hifp_pay" not in s["discrepancies_by_field"]  # still not read: a note, not a guess
    expected = f"column {near!r} ({ledger}) is not read; did you mean hifp_pay? --map {near}=hifp_pay"
    notes = [w for w in s["warnings"] if "is not read" in w]
    assert len(notes) == 1 and notes[0].startswith(expected)
    assert [n for n in said if "is not read" in n] == ["注意 note: " + notes[0]]


def test_the_noted_map_reads_the_figure(tmp_path):
    rows = _rows()
    rows[0] = ["hifp-pay" if h == "hifp_pay" else h for h in rows[0]]
    ledger = _write_csv(tmp_path / "ledger.csv", rows)
    code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", mapping=("hifp-pay=hifp_pay",), write=False,
                    workers=1)
    assert s["discrepancies_by_field"]["hifp_pay"] == 3
    assert not [w for w in s["warnings"] if "is not read" in w]


def test_no_note_where_the_figure_is_read_or_the_name_is_far(tmp_path):
    _, s, said = _run(tmp_path, extra="hifp-pay")  # hifp_pay is there too: nothing lost
    assert not [w for w in s["warnings"] if "is not read" in w]
    _, s, said = _run(tmp_path, {"hifp_pay": "fund_note"})
    assert not [w for w in s["warnings"] if "is not read" in w]


def test_a_name_with_a_control_character_is_shown_escaped(tmp_path):
    _, s, said = _run(tmp_path, {"hifp_pay": "hifp\x00pay"})
    notes = [w for w in s["warnings"] if "is not read" in w]
    assert len(notes) == 1 and "\x00" not in notes[0] and "'hifp\\x00pay'" in notes[0]
    assert "--map" not in notes[0]  # no command line can give the name
