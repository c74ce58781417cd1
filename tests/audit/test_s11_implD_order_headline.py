"""Figures that rest on the export's order of same-day settlements (A-AUDIT-ORDER) are said before every figure and split
out of the headline 多付/少付 (raudit2 D5): a date-only export sorted by institution must not read as the system's fault.

攀枝花 第七条, the example region: in service, “一个统筹年度（自然年度）起付线为200元；三级定点医疗机构……报销比例为50%”.
B settled twice on 2023-01-05 with no time (raudit4's case, test_s7_implM): the platform settled Y (H2, 100.00: deductible
100.00, pay 0.00) before X (H1, 300.00: deductible the other 100.00, (300 − 100) × 50% = 100.00), recorded so; the export
lists X first. In that order X takes the deductible (200.00, (300 − 200) × 50% = 50.00: hifp_pay +50.00) and Y none
(100 × 50% = 50.00: hifp_pay −50.00) — both resting on the export's order. C1 (C, 2023-01-06, H1) 300.00: deductible 200.00,
(300 − 200) × 50% = 50.00, recorded 70.00: +20.00, the system's own error. So 多付 50.00 + 20.00 = 70.00, of which 50.00
rests on the order; 少付 50.00, all of it.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conform.audit.run import audit

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,fixmedins_code,medfee_sumamt,inscp_scp_amt,act_pay_dedc,"
          "hifp_pay,pool_prop_selfpay,init_setl_id")
X = "X,B,1101,2023-01-05,11,tertiary,H1,300.00,300.00,100.00,100.00,0.5000,"
Y = "Y,B,1101,2023-01-05,11,tertiary,H2,100.00,100.00,100.00,0.00,0.5000,"
C1 = "C1,C,1101,2023-01-06,11,tertiary,H1,300.00,300.00,200.00,70.00,0.5000,"
ROUTES = {"plan": {}, "reference": {"retire_date": "2035-01-01"}}  # a later retirement: to the reference engine


def _run(tmp_path: Path, rows: list[str], route: str = "plan", header: str = HEADER, **engine) -> tuple[int, dict, Path]:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    pfile = tmp_path / "persons.jsonl"
    pfile.write_text("".join(json.dumps({"psn_no": p, **ROUTES[route]}) + "\n" for p in ("B", "C")), encoding="utf-8")
    out = tmp_path / "out"
    code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", str(pfile), out=out, **engine)
    return code, s, out


@pytest.mark.parametrize("route", ROUTES)
def test_the_headline_says_how_much_rests_on_the_export_order(tmp_path, route):
    code, s, out = _run(tmp_path, [X, Y, C1], route)
    assert code == 1
    assert (s["overpaid_fen"], s["underpaid_fen"]) == (7000, 5000)
    assert (s["overpaid_order_dependent_fen"], s["underpaid_order_dependent_fen"]) == (5000, 5000)
    (warning,) = s["warnings"]
    assert "2 笔差异结算的应为值取决于同日结算的先后" in warning and "A-AUDIT-ORDER" in warning
    assert "多付中 50.00 元、少付中 50.00 元" in warning
    written = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (written["overpaid_order_dependent"], written["underpaid_order_dependent"]) == ("50.00", "50.00")
    book = load_workbook(out / "audit.xlsx")
    overview = dict(r for r in book["概要"].iter_rows(values_only=True))
    assert overview["注意 note"] == warning
    assert float(overview["其中取决于同日结算先后的多付 overpaid resting on the export's order（元）"]) == 50.0
    # by institution: H1 has X (+50.00, the order's) and C1 (+20.00); H2 has Y (−50.00, the order's)
    inst = {r[0]: (r[5], r[6], r[8], r[9]) for r in book["按机构"].iter_rows(min_row=2, values_only=True)}
    assert inst == {"H1": (70, 0, 50, 0), "H2": (0, 50, 0, 50)}
    # by class: X 起付线少计 (recorded 100.00 of 200.00), Y 起付线多计, C1 统筹基金多付
    classes = {r[0][:5]: (r[4], r[5], r[9], r[10]) for r in book["按差异类型"].iter_rows(min_row=2, values_only=True)}
    assert classes == {"起付线少计": (50, 0, 50, 0), "起付线多计": (0, 50, 0, 50), "统筹基金多": (20, 0, 0, 0)}
    page = (out / "audit.html").read_text(encoding="utf-8")
    assert page.index("2 笔差异结算的应为值取决于同日结算的先后") < page.index('id="verdict"')
    assert "其中 ¥50.00 取决于同日结算的先后" in page


def test_timed_rows_in_their_order_leave_nothing_to_say(tmp_path):
    timed = HEADER.replace("setl_date", "setl_time,setl_date")
    rows = [X.replace("2023-01-05", "2023-01-05 09:00:00,2023-01-05"), Y.replace("2023-01-05", "2023-01-05 10:00:00,2023-01-05"),
            C1.replace("2023-01-06", "2023-01-06 09:00:00,2023-01-06")]
    code, s, out = _run(tmp_path, rows, header=timed)
    assert code == 1 and s["warnings"] == []
    assert (s["overpaid_order_dependent_fen"], s["underpaid_order_dependent_fen"]) == (0, 0)
    assert ORDER_COLUMN not in [c.value for c in next(load_workbook(out / "audit.xlsx")["按机构"].iter_rows(max_row=1))]


ORDER_COLUMN = "其中取决于同日结算先后的多付（元，A-AUDIT-ORDER）"


def test_spark_splits_the_headline_alike(tmp_path, spark):
    code, s, _ = _run(tmp_path, [X, Y, C1], engine="spark", spark=spark)
    assert (s["overpaid_order_dependent_fen"], s["underpaid_order_dependent_fen"]) == (5000, 5000)
