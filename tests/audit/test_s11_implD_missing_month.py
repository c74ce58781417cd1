"""A month of the audited period with no row at all (a forgotten monthly file) is said before every figure, 按月份 shows
it as 无结算记录 (not 0.00), and the later rows of its year cite the reading their totals rest on (raudit2 D1); a file
cut at an export's cap is warned of.

攀枝花 第七条, the example region: in service, “一个统筹年度（自然年度）起付线为200元；三级定点医疗机构……报销比例为50%”,
cap 1000 元 a year. A retire date years later sends a person to the reference engine and changes no figure here.

A correct system settled, in 2023:
- B1 (B, 01-10, 三级) 300.00: deductible 200.00, (300 − 200) × 50% = 50.00 — recorded 60.00 (a real error: +10.00);
- A1 (A, 02-14) 300.00: deductible 200.00, (300 − 200) × 50% = 50.00 — recorded so;
- A2 (A, 03-06) 400.00: the deductible is met, 400 × 50% = 200.00 — recorded so.
The February file forgotten, the ledger is January and March: A2 reads as A's first visit of the year, deductible 200.00
and (400 − 200) × 50% = 100.00, so act_pay_dedc −200.00 and hifp_pay +100.00 (a false 100.00 overpaid), both resting
on February having settled nothing (A-AUDIT-MONTH-ABSENT); B1's +10.00 is before the gap and cites the article alone.
Each month also holds 20 other persons' first visits (100.00, all of it deductible, 0.00 paid, as recorded): a month
between two such months with no row at all is a missing file, not a quiet month (run.MONTH_ROWS_EXPECTED); with a few
rows a month, as a hand-made ledger has, an empty month is nothing to say.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from conform.audit.run import audit

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,fixmedins_code,medfee_sumamt,inscp_scp_amt,act_pay_dedc,"
          "hifp_pay,pool_prop_selfpay,init_setl_id")
B1 = "B1,B,1101,2023-01-10,11,tertiary,H1,300.00,300.00,200.00,60.00,0.5000,"
A1 = "A1,A,1101,2023-02-14,11,tertiary,H1,300.00,300.00,200.00,50.00,0.5000,"
A2 = "A2,A,1101,2023-03-06,11,tertiary,H1,400.00,400.00,0.00,200.00,0.5000,"
SEVENTH = "攀枝花 第七条"
ABSENT = "A-AUDIT-MONTH-ABSENT"
LATER_RETIREMENT = {"retire_date": "2035-01-01"}  # to the reference engine, no figure changed
ROUTES = {"plan": {}, "reference": LATER_RETIREMENT}


def _fill(month: str, n: int = 20) -> list[str]:
    # first visits of 100.00 at a 三级 hospital: all of it below the 200.00 deductible, 0.00 paid — as recorded
    return [f"F{month}{i},F{month}{i},1101,{month}-{1 + i % 28:02d},11,tertiary,H1,100.00,100.00,100.00,0.00,0.5000,"
            for i in range(n)]


def _run(tmp_path: Path, name: str, files: dict[str, list[str]], persons: list[dict] | None = None,
         **engine) -> tuple[int, dict, dict]:
    folder = tmp_path / name
    folder.mkdir()
    paths = []
    for fname, rows in files.items():
        (folder / fname).write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
        paths.append(str(folder / fname))
    pfile = None
    if persons:
        pfile = folder / "persons.jsonl"
        pfile.write_text("".join(json.dumps(p) + "\n" for p in persons), encoding="utf-8")
    out = folder / "out"
    code, s = audit(paths, "panzhihua", "panzhihua-example", str(pfile) if pfile else None, out=out, **engine)
    with open(out / "discrepancies.csv", encoding="utf-8", newline="") as f:
        found = {(r["setl_id"], r["field"]): (r["diff"], r["clause"], r["route"]) for r in csv.DictReader(f)}
    return code, s, found


@pytest.mark.parametrize("route", ROUTES)
def test_a_forgotten_month_is_said_and_the_later_rows_of_its_year_cite_it(tmp_path, route):
    persons = [{"psn_no": p, **ROUTES[route]} for p in ("A", "B")]
    code, s, found = _run(tmp_path, "gap", {"2023-01.csv": [B1, *_fill("2023-01")], "2023-03.csv": [A2, *_fill("2023-03")]},
                          persons)
    assert code == 1
    assert found == {("B1", "hifp_pay"): ("10.00", SEVENTH, route),
                     ("A2", "act_pay_dedc"): ("-200.00", f"{SEVENTH}；{ABSENT}", route),
                     ("A2", "hifp_pay"): ("100.00", f"{SEVENTH}；{ABSENT}", route)}
    assert s["months_absent"] == ["2023-02"]
    (warning,) = s["warnings"]
    assert "2023-02 没有任何结算记录" in warning and ABSENT in warning
    assert "多付中 100.00 元" in warning  # A2's false overpayment; B1's 10.00 is the system's own
    assert (s["overpaid_after_month_absent_fen"], s["overpaid_fen"]) == (10000, 11000)
    assert ABSENT in {a["id"] for a in s["assumptions"]}
    book = load_workbook(tmp_path / "gap" / "out" / "audit.xlsx")
    assert ("注意 note", warning) in list(book["概要"].iter_rows(values_only=True))
    months = {r[0]: r[1:] for r in book["按月份"].iter_rows(values_only=True)}
    assert months["2023-02"] == ("无结算记录", None, None, None, None)
    assert months["2023-01"][0] == 1 and months["2023-03"][0] == 1  # B1; A2 (the fillers do not differ)
    summary = json.loads((tmp_path / "gap" / "out" / "summary.json").read_text(encoding="utf-8"))
    assert (summary["overpaid_after_month_absent"], summary["underpaid_after_month_absent"]) == ("100.00", "0.00")
    page = (tmp_path / "gap" / "out" / "audit.html").read_text(encoding="utf-8")
    assert page.index("2023-02 没有任何结算记录") < page.index('id="verdict"')
    assert "无结算记录" in page[page.index('id="months"'):]


@pytest.mark.parametrize("route", ROUTES)
def test_the_whole_ledger_says_nothing_of_months(tmp_path, route):
    persons = [{"psn_no": p, **ROUTES[route]} for p in ("A", "B")]
    full = {"2023-01.csv": [B1, *_fill("2023-01")], "2023-02.csv": [A1], "2023-03.csv": [A2, *_fill("2023-03")]}
    code, s, found = _run(tmp_path, "all", full, persons)
    assert (code, found, s["months_absent"], s["warnings"]) == (1, {("B1", "hifp_pay"): ("10.00", SEVENTH, route)}, [], [])
    assert ABSENT not in {a["id"] for a in s["assumptions"]}


def test_a_month_without_rows_in_a_sparse_ledger_is_no_missing_file(tmp_path):
    """19 rows in January: an empty February is possible (e^-19 is small, but the bar is 20 a month), so nothing is said
    and A2's figure is as the ledger holds it (the same false 100.00 — the file is not known to be missing)."""
    code, s, found = _run(tmp_path, "sparse", {"2023-01.csv": [B1, *_fill("2023-01", 18)], "2023-03.csv": [A2, *_fill("2023-03")]})
    assert (s["months_absent"], s["warnings"]) == ([], [])
    assert found[("A2", "hifp_pay")] == ("100.00", SEVENTH, "plan")


def test_spark_cites_the_missing_month_alike(tmp_path, spark):
    code, s, found = _run(tmp_path, "gap", {"2023-01.csv": [B1, *_fill("2023-01")], "2023-03.csv": [A2, *_fill("2023-03")]},
                          engine="spark", spark=spark)
    assert found[("A2", "hifp_pay")] == ("100.00", f"{SEVENTH}；{ABSENT}", "plan")
    assert found[("B1", "hifp_pay")] == ("10.00", SEVENTH, "plan")
    assert s["months_absent"] == ["2023-02"]


def _first_visits(n: int) -> list[str]:
    # n persons' first visit, 100.00 at a 三级 hospital: all of it below the 200.00 deductible, so 0.00 paid — as recorded
    return [f"S{i},P{i},1101,2023-01-{1 + i % 28:02d},11,tertiary,H1,100.00,100.00,100.00,0.00,0.5000," for i in range(n)]


def test_a_file_cut_at_a_round_thousand_rows_is_warned_of(tmp_path):
    code, s, found = _run(tmp_path, "cap", {"2023-01.csv": _first_visits(1000)})
    assert (code, found) == (0, {})
    (warning,) = s["warnings"]
    assert "恰好 1,000 行" in warning and "2023-01.csv" in warning
    code, s, _ = _run(tmp_path, "odd", {"2023-01.csv": _first_visits(999)})
    assert (code, s["warnings"]) == (0, [])


def test_a_parquet_file_of_a_round_thousand_rows_is_a_program_s_and_not_warned_of(tmp_path):
    rows = [dict(zip(HEADER.split(","), r.split(","))) for r in _first_visits(1000)]
    table = pa.Table.from_pylist([{k: (v or None) for k, v in r.items()} for r in rows])
    pq.write_table(table, tmp_path / "2023-01.parquet")
    code, s = audit([str(tmp_path / "2023-01.parquet")], "panzhihua", "panzhihua-example", out=tmp_path / "out")
    assert (code, s["warnings"]) == (0, [])
