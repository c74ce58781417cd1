"""Figures that rest on what the ledger does not hold cite the reading they rest on (raudit4 D5, D4), alike on the plan's
route, Spark's and the reference engine's.

攀枝花 第七条, the example region: in service, “一个统筹年度（自然年度）起付线为200元；三级定点医疗机构……报销比例为50%”,
cap 1000 元 a year. A retire date years later sends a person to the reference engine (the plan does not express a
retirement after the first settlement) and changes no figure here.

D5 — one month of a correct ledger. A has J1 on 2023-01-10 (300.00: deductible 200.00, (300 − 200) × 50% = 50.00) and
M1 on 2023-03-06 (400.00: the deductible is met, 400 × 50% = 200.00), both recorded so. The whole year audits clean.
March alone, without A's opening totals, reads as if A's year began on 03-06: M1's deductible 200.00 and
(400 − 200) × 50% = 100.00 — recorded 0.00 and 200.00, 100.00 “overpaid”. That figure rests on taking A's totals before
the ledger's first day as 0 (A-AUDIT-YTD-FROM-LEDGER), which the clause, the warning and the assumptions say; A's
January totals given as ytd (200.00 and 50.00), March is clean and nothing is said.

D4 — two settlements of B on one day with nothing to order them (raudit4's d4_same_day_order.py, in January so that the
ledger holds its year from the start): the platform settled Y (H2, 100.00: deductible 100.00, pay 0.00) before X (H1,
300.00: deductible the other 100.00, (300 − 100) × 50% = 100.00), recorded so; the export lists X first. In that order X
takes the deductible (200.00, (300 − 200) × 50% = 50.00) and Y none (100 × 50% = 50.00): 4 differences whose expected
figures rest on the export's order (A-AUDIT-ORDER). With distinct times in the export's order the same 4 differences are
the ledger's own order, and cite the article alone.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from conform.audit.run import audit
from conform.harness.cli import main

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,fixmedins_code,medfee_sumamt,inscp_scp_amt,act_pay_dedc,"
          "hifp_pay,pool_prop_selfpay,init_setl_id")
J1 = "J1,A,1101,2023-01-10,11,tertiary,H1,300.00,300.00,200.00,50.00,0.5000,"
M1 = "M1,A,1101,2023-03-06,11,tertiary,H1,400.00,400.00,0.00,200.00,0.5000,"
SEVENTH = "攀枝花 第七条"
YTD = "A-AUDIT-YTD-FROM-LEDGER"
ORDER = "A-AUDIT-ORDER"
LATER_RETIREMENT = {"retire_date": "2035-01-01"}  # to the reference engine, no figure changed
ROUTES = {"plan": {}, "reference": LATER_RETIREMENT}


def _run(tmp_path: Path, name: str, rows: list[str], persons: list[dict] | None = None, header: str = HEADER,
         **engine) -> tuple[int, dict, dict]:
    folder = tmp_path / name
    folder.mkdir()
    ledger = folder / "ledger.csv"
    ledger.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    pfile = None
    if persons:
        pfile = folder / "persons.jsonl"
        pfile.write_text("".join(json.dumps(p) + "\n" for p in persons), encoding="utf-8")
    out = folder / "out"
    code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", str(pfile) if pfile else None, out=out, **engine)
    with open(out / "discrepancies.csv", encoding="utf-8", newline="") as f:
        found = {(r["setl_id"], r["field"]): (r["diff"], r["clause"], r["route"]) for r in csv.DictReader(f)}
    return code, s, found


def _stated(s: dict) -> set[str]:
    return {a["id"] for a in s["assumptions"]}


# ------------------------------------------------------------------------------------------------------------- D5
@pytest.mark.parametrize("route", ROUTES)
def test_one_month_of_a_correct_ledger_says_the_year_is_held_from_its_first_day_and_cites_the_reading(tmp_path, route):
    code, s, found = _run(tmp_path, "march", [M1], [{"psn_no": "A", **ROUTES[route]}])
    cited = f"{SEVENTH}；{YTD}"
    assert code == 1
    assert found == {("M1", "act_pay_dedc"): ("-200.00", cited, route), ("M1", "hifp_pay"): ("100.00", cited, route)}
    assert s["years_from_ledger"] == [{"year": 2023, "held_from": "2023-03-06", "persons": 1, "persons_without_ytd": 1}]
    (warning,) = s["warnings"]
    assert "清单 2023 年的结算自 2023-03-06 起" in warning and "1 人" in warning and YTD in warning
    assert YTD in _stated(s)
    overview = [r for r in load_workbook(tmp_path / "march" / "out" / "audit.xlsx")["概要"].iter_rows(values_only=True)]
    assert ("注意 note", warning) in overview
    sheet = {r[0]: r[1] for r in load_workbook(tmp_path / "march" / "out" / "audit.xlsx")["假设"].iter_rows(values_only=True)}
    assert "1 月之后" in sheet[YTD]


@pytest.mark.parametrize("route", ROUTES)
def test_the_whole_year_or_the_opening_totals_given_leave_nothing_to_say(tmp_path, route):
    code, s, found = _run(tmp_path, "year", [J1, M1], [{"psn_no": "A", **ROUTES[route]}])
    assert (code, found, s["years_from_ledger"], s["warnings"]) == (0, {}, [], [])
    assert YTD not in _stated(s)
    # March alone with A's January totals as ytd: deductible met (200.00), 400 × 50% = 200.00 as recorded
    opening = {"year": 2023, "ordinary_dedc": "200.00", "ordinary_pay": "50.00"}
    code, s, found = _run(tmp_path, "march", [M1], [{"psn_no": "A", "ytd": opening, **ROUTES[route]}])
    assert (code, found, s["warnings"]) == (0, {}, [])
    assert s["years_from_ledger"] == [{"year": 2023, "held_from": "2023-03-06", "persons": 1, "persons_without_ytd": 0}]
    assert YTD not in _stated(s)


def test_a_first_day_in_january_holds_the_year_from_its_start(tmp_path):
    """The first settlement after the New Year holiday (a 31 January one too) is no partial year; 1 February is."""
    for day, partial in (("2023-01-03", False), ("2023-01-31", False), ("2023-02-01", True)):
        _, s, found = _run(tmp_path, day, [M1.replace("2023-03-06", day)])
        assert bool(s["years_from_ledger"]) == partial, day
        assert (found[("M1", "hifp_pay")][1] == f"{SEVENTH}；{YTD}") == partial, day


def test_the_console_warns_before_the_figures(tmp_path):
    ledger = tmp_path / "march.csv"
    ledger.write_text(f"{HEADER}\n{M1}\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--out", str(tmp_path / "out")])
    assert r.exit_code == 1, r.output
    said = [line for line in r.stderr.splitlines() if "注意" in line]
    assert len(said) == 1 and "自 2023-03-06 起" in said[0] and YTD in said[0]


def test_spark_cites_the_reading_alike(tmp_path, spark):
    code, s, found = _run(tmp_path, "march", [M1], engine="spark", spark=spark)
    cited = f"{SEVENTH}；{YTD}"
    assert found == {("M1", "act_pay_dedc"): ("-200.00", cited, "plan"), ("M1", "hifp_pay"): ("100.00", cited, "plan")}
    assert s["warnings"] and s["engine"] == "spark"


# ------------------------------------------------------------------------------------------------------------- D4
X = "X,B,1101,2023-01-05,11,tertiary,H1,300.00,300.00,100.00,100.00,0.5000,"
Y = "Y,B,1101,2023-01-05,11,tertiary,H2,100.00,100.00,100.00,0.00,0.5000,"
TIMED = HEADER.replace("setl_date", "setl_time,setl_date")


def _timed(row: str, time: str) -> str:
    """The row with a setl_time (blank where `time` is empty) before its setl_date."""
    return row.replace("2023-01-05", (f"2023-01-05 {time}" if time else "") + ",2023-01-05")


def _four(clause: str, route: str) -> dict:
    # X: recorded 100.00 / 100.00, expected 200.00 / 50.00; Y: recorded 100.00 / 0.00, expected 0.00 / 50.00
    return {("X", "act_pay_dedc"): ("-100.00", clause, route), ("X", "hifp_pay"): ("50.00", clause, route),
            ("Y", "act_pay_dedc"): ("100.00", clause, route), ("Y", "hifp_pay"): ("-50.00", clause, route)}


@pytest.mark.parametrize("route", ROUTES)
def test_same_day_settlements_without_a_time_cite_the_export_order(tmp_path, route):
    persons = [{"psn_no": "B", **ROUTES[route]}]
    code, s, found = _run(tmp_path, "dates", [X, Y], persons)
    assert (code, found) == (1, _four(f"{SEVENTH}；{ORDER}", route))
    # held from January: no YTD reading; the figures resting on the order are said (raudit2 D5, test_s11_implD_order_headline)
    assert [w for w in s["warnings"] if YTD in w] == [] and "A-AUDIT-ORDER" in s["warnings"][0]
    # equal times (Excel's minute-only save): the same
    code, _, found = _run(tmp_path, "equal", [_timed(X, "10:00"), _timed(Y, "10:00")], persons, header=TIMED)
    assert (code, found) == (1, _four(f"{SEVENTH}；{ORDER}", route))
    # a blank time in a timed export is ordered before the timed rows of its day (X before Y at 09:00, though listed
    # after it): the same figures, resting on that rule as much as on the export's order
    code, _, found = _run(tmp_path, "blank", [_timed(Y, "09:00"), _timed(X, "")], persons, header=TIMED)
    assert (code, found) == (1, _four(f"{SEVENTH}；{ORDER}", route))
    # distinct times in that order: X did come first — the ledger's own order, the article alone
    code, _, found = _run(tmp_path, "timed", [_timed(X, "09:00"), _timed(Y, "10:00")], persons, header=TIMED)
    assert (code, found) == (1, _four(SEVENTH, route))


def test_spark_cites_the_export_order_alike(tmp_path, spark):
    code, _, found = _run(tmp_path, "dates", [X, Y], engine="spark", spark=spark)
    assert (code, found) == (1, _four(f"{SEVENTH}；{ORDER}", "plan"))


# A settlement and its own reversal right after it are no tie: their order is the ledger's. S1 (300.00, reversed at
# once by S1R on the same day, no times) leaves the year untouched; S2 on 01-20 (300.00) takes the deductible: 200.00
# and (300 − 200) × 50% = 50.00, recorded as a system keeping S1's deductible does (0.00, 150.00) — a finding of the
# article alone (and of A-REVERSAL: S1R gave back the deductible S2's figure reads). S3 (100.00) on S1's day, listed
# after S1R: it could have come before S1 or between S1 and S1R, so from S1 on the figures rest on the export's order.
S1 = "S1,C,1101,2023-01-05,11,tertiary,H1,300.00,300.00,200.00,50.00,0.5000,"
S1R = "S1R,C,1101,2023-01-05,11,tertiary,H1,-300.00,-300.00,-200.00,-50.00,0.5000,S1"
S2 = "S2,C,1101,2023-01-20,11,tertiary,H1,300.00,300.00,0.00,150.00,0.5000,"
S3 = "S3,C,1101,2023-01-05,11,tertiary,H1,100.00,100.00,0.00,50.00,0.5000,"


@pytest.mark.parametrize("route", ROUTES)
def test_a_settlement_and_its_own_reversal_are_no_tie(tmp_path, route):
    persons = [{"psn_no": "C", **ROUTES[route]}]
    code, _, found = _run(tmp_path, "pair", [S1, S1R, S2], persons)
    dedc = f"{SEVENTH}；A-REVERSAL"
    # S2's payment is (300 − that deductible) × 50%: it rests on A-REVERSAL as its deductible does (probe s29 A2 F1;
    # it used to cite the article alone, on the wrong premise that a ratio-decided payment reads no total)
    assert (code, found) == (1, {("S2", "act_pay_dedc"): ("-200.00", dedc, route),
                                 ("S2", "hifp_pay"): ("100.00", dedc, route)})
    # S3 after the pair on the same day: S1R gave back S1's 200.00, so S3 (100.00) counts 100.00 to the deductible and
    # pays (100 − 100) × 50% = 0.00 (recorded 0.00 / 50.00: −100.00 / +50.00); S2 then the other 100.00 and
    # (300 − 100) × 50% = 100.00 (recorded 0.00 / 150.00: −100.00 / +50.00). The deductibles read what S1R gave back
    # (A-REVERSAL), and every figure from S1 on cites the export's order.
    code, _, found = _run(tmp_path, "tied", [S1, S1R, S3, S2], persons)
    reversal = f"{SEVENTH}；A-REVERSAL；{ORDER}"
    # the payments are computed from those deductibles: A-REVERSAL on them too (probe s29 A2 F1)
    assert (code, found) == (1, {("S3", "act_pay_dedc"): ("-100.00", reversal, route),
                                 ("S3", "hifp_pay"): ("50.00", reversal, route),
                                 ("S2", "act_pay_dedc"): ("-100.00", reversal, route),
                                 ("S2", "hifp_pay"): ("50.00", reversal, route)})


def test_the_reading_texts_say_how_a_row_without_a_time_is_ordered():
    from conform.audit.run import AUDIT_ASSUMPTIONS, LEDGER_ASSUMPTIONS

    order = next(a["text"] for a in AUDIT_ASSUMPTIONS if a["id"] == ORDER)
    assert "结算时间为空的行排在同一日期有时间的结算之前" in order and "时间相同" in order
    assert "1 月之后" in LEDGER_ASSUMPTIONS[YTD] and "ytd" in LEDGER_ASSUMPTIONS[YTD]
