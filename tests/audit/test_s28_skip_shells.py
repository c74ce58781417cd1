"""[skip] on a column the audit does not otherwise read (insutype) matched its codes only as written: an export's text
shell (="390", '390) or a float's '.0' (390.0) left the row of 城乡居民医保 in, audited by the employee rules without a
word, and a [skip] code that matched no row was never mentioned (probe s28 A F7).

The ledger is docs/audit.md's worked example (攀枝花 第七条, 15 discrepancies by hand) with an insutype column; W1 is
the row given insutype 390. W1's own discrepancies (act_pay_dedc, hifp_pay, pool_prop_selfpay, fund_pay_sumamt,
psn_part_amt, psn_cash_pay: 6) leave with it, so a left-out W1 gives 15 − 6 = 9.
"""
from __future__ import annotations

import pytest

from conform.audit.run import audit
from test_sources_input import _rows, _write_csv


def _ledger(tmp_path, w1_insutype: str):
    rows = _rows()
    rows[0] = rows[0] + ["insutype"]
    for r in rows[1:]:
        r.append(w1_insutype if r[0] == "W1" else "310")
    return _write_csv(tmp_path / "ledger.csv", rows)


def _run(tmp_path, w1_insutype: str, codes: str = '"390"'):
    m = tmp_path / "map.toml"
    m.write_text(f"[skip]\ninsutype = [{codes}]\n", encoding="utf-8")
    said: list[str] = []
    code, s = audit([str(_ledger(tmp_path, w1_insutype))], "panzhihua", "panzhihua-example", mapping=(str(m),),
                    write=False, workers=1, progress=said.append)
    return code, s, said


@pytest.mark.parametrize("written", ["390", " 390 ", '="390"', "'390", "390.0", "390.00", '="390.0"'])
def test_a_skip_code_is_matched_without_its_text_shell_or_float_zeros(tmp_path, written):
    code, s, said = _run(tmp_path, written)
    assert s["skipped_by_code"] == [{"skip": "insutype=390", "rows": 1}]
    assert (s["rows_read"], sum(s["discrepancies_by_field"].values())) == (5, 9)
    assert not [n for n in said if "[skip]" in n]


@pytest.mark.parametrize("written", ["3900", "390.5", "39", '="391"'])
def test_other_codes_are_not_taken_for_it(tmp_path, written):
    code, s, said = _run(tmp_path, written)
    assert s["skipped_by_code"] == []
    assert (s["rows_read"], sum(s["discrepancies_by_field"].values())) == (5, 15)


def test_a_skip_code_no_row_has_is_noted_not_refused(tmp_path):
    code, s, said = _run(tmp_path, "390", codes='"39O", "390", "391"')
    assert s["skipped_by_code"] == [{"skip": "insutype=390", "rows": 1}]
    notes = [w for w in s["warnings"] if "[skip]" in w]
    assert len(notes) == 1
    assert notes[0].startswith("--map [skip] insutype: '39O', '391' left out no row")
    assert "'390'" not in notes[0]
    assert ["注意 note: " + notes[0]] == [n for n in said if "[skip]" in n]  # on the console too


def test_a_mistyped_skip_code_alone_leaves_the_row_audited_and_says_so(tmp_path):
    code, s, said = _run(tmp_path, "390", codes='"39O"')
    assert (code, s["skipped_by_code"], sum(s["discrepancies_by_field"].values())) == (1, [], 15)
    assert any(w.startswith("--map [skip] insutype: '39O' left out no row") for w in s["warnings"])
