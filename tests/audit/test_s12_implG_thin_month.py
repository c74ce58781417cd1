"""A month far thinner than the months beside it (a yearly file cut short, or a month's files partly given) is warned
of before every figure, naming the month and its rows against its neighbours' — a warning only: its rows are audited as
they are (raudit2 D1, the "far fewer rows" half and its capped-export variant). Needs /work/notes/s12/implG-thin-months.patch
(run.py) for the audit itself; `months_thin` alone is in report/text.py.

攀枝花 第七条, the example region: in service, “一个统筹年度（自然年度）起付线为200元；三级定点医疗机构……报销比例为50%”.
Every filler row is a person's first visit of 100.00 at a 三级 hospital: all of it below the 200.00 deductible, 0.00
paid — as recorded. O1 (person O, 2023-10-12, 三级) 300.00: deductible 200.00, (300 − 200) × 50% = 50.00; recorded
60.00, so hifp_pay +10.00 on 攀枝花 第七条 alone (no A-AUDIT-MONTH-ABSENT: the month is thin, not absent).
The ledger is one yearly file (short_files, which compares files, cannot see a month), 150 rows a month; February
holds 90 (0.6: a Spring Festival month), which is no thin month (3 × 90 = 270 ≥ 150); October holds 40 fillers and O1,
41 rows: 3 × 41 = 123 < 150, under a third of the larger neighbour.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
from openpyxl import load_workbook

from conform.audit.report.text import months_thin
from conform.audit.run import audit
from conform.audit.synth import synth_ledger

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,fixmedins_code,medfee_sumamt,inscp_scp_amt,act_pay_dedc,"
          "hifp_pay,pool_prop_selfpay,init_setl_id")
O1 = "O1,O,1101,2023-10-12,11,tertiary,H1,300.00,300.00,200.00,60.00,0.5000,"
SEVENTH = "攀枝花 第七条"


def _fill(month: int, n: int) -> list[str]:
    return [f"F{month:02d}-{i},F{month:02d}-{i},1101,2023-{month:02d}-{1 + i % 28:02d},11,tertiary,H1,100.00,100.00,"
            f"100.00,0.00,0.5000," for i in range(n)]


def _run(tmp_path: Path, october: int) -> tuple[int, dict, dict, Path]:
    rows = [row for m in range(1, 13) for row in _fill(m, 90 if m == 2 else october if m == 10 else 150)]
    (tmp_path / "2023.csv").write_text("\n".join([HEADER, *rows, O1]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code, s = audit([str(tmp_path / "2023.csv")], "panzhihua", "panzhihua-example", None, out=out)
    with open(out / "discrepancies.csv", encoding="utf-8", newline="") as f:
        found = {(r["setl_id"], r["field"]): (r["diff"], r["clause"]) for r in csv.DictReader(f)}
    return code, s, found, out


def test_a_month_cut_to_under_a_third_of_its_neighbours_is_said_and_audited_as_it_is(tmp_path):
    code, s, found, out = _run(tmp_path, october=40)
    assert code == 1
    assert found == {("O1", "hifp_pay"): ("10.00", SEVENTH)}  # October's rows audited as they are
    assert s["rows_read"] == 10 * 150 + 90 + 40 + 1  # 1,631: not a round thousand (no cap warning)
    assert s["months_thin"] == [{"month": "2023-10", "rows": 41, "neighbours": {"2023-09": 150, "2023-11": 150}}]
    assert s["months_absent"] == []
    (warning,) = s["warnings"]
    assert "2023-10 只有 41 行，而 2023-09 有 150 行、2023-11 有 150 行" in warning and "2023-02" not in warning
    assert "A-AUDIT-MONTH-ABSENT" not in {a["id"] for a in s["assumptions"]}
    book = load_workbook(out / "audit.xlsx")
    assert ("注意 note", warning) in list(book["概要"].iter_rows(values_only=True))
    page = (out / "audit.html").read_text(encoding="utf-8")
    assert page.index("2023-10 只有 41 行") < page.index('id="verdict"')
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["months_thin"] == s["months_thin"]


def test_a_festival_month_and_a_month_at_a_third_are_not_thin(tmp_path):
    """February at 0.6 of its neighbours, October at 49 + O1 = 50 rows: 3 × 50 = 150, not under the bar."""
    code, s, found, _ = _run(tmp_path, october=49)
    assert (code, found) == (1, {("O1", "hifp_pay"): ("10.00", SEVENTH)})
    assert (s["months_thin"], s["warnings"]) == ([], [])


def test_months_thin_judges_only_months_inside_the_period_beside_enough_rows():
    rows = {(2023, m): 150 for m in range(1, 13)}
    # the period's first and last months may be cut by the export's dates: never judged
    assert months_thin({**rows, (2023, 1): 10, (2023, 12): 10}) == []
    # two cut months side by side: each is under a third of its larger neighbour
    assert [t["month"] for t in months_thin({**rows, (2023, 5): 40, (2023, 6): 45})] == ["2023-05", "2023-06"]
    # beside an absent month (no key), the nearest month with rows is the neighbour
    got = months_thin({k: n for k, n in {**rows, (2023, 7): 30}.items() if k != (2023, 6)})
    assert got == [{"month": "2023-07", "rows": 30, "neighbours": {"2023-05": 150, "2023-08": 150}}]
    # a small ledger (neighbours under 120 rows) is not judged: a quiet month of a clinic is no cut export
    small = {(2023, m): 100 for m in range(1, 13)}
    assert months_thin({**small, (2023, 10): 5}) == []
    assert months_thin({**small, (2023, 9): 120, (2023, 10): 39}) == [
        {"month": "2023-10", "rows": 39, "neighbours": {"2023-09": 120, "2023-11": 100}}]


def test_a_synthetic_ledger_has_no_thin_month(tmp_path):
    """synth-ledger's person-years cross the year: its months ramp up through 2023 and down through 2024 (February 2023
    about 0.39 of the median of the year's other months, 0.74 of March) — a ramp, not a cut, and not warned of."""
    out = tmp_path / "s.parquet"
    synth_ledger(20_000, "zhejiang", out, seed=5)
    rows = {(int(y), int(m)): int(n) for y, m, n in duckdb.sql(
        f"SELECT year(setl_date), month(setl_date), count(*) FROM read_parquet('{out}') GROUP BY ALL").fetchall()}
    assert len(rows) == 24 and sorted(rows.values())[1] >= 120  # judged: the months inside are beside enough rows
    assert months_thin(rows) == []
