"""The regulator's review raudit3 (s5): a reversal left out alone, the one-fen class, the mid-year retirement's
citation, the export's order of a same-day re-settlement, the engines' discrepancies.parquet.

Figures by hand from 攀枝花 第七条 (在职: 起付线 200 a natural year, 三级 50%) with A-REVERSAL (a 2208 cancels
what its settlement counted): Y1 600.00 reversed by Y1R, so Y2 600.00 is the year's first live settlement:
deductible min(600, 200) = 200.00, pool (600 − 200) × 50% = 200.00 — as recorded. Kept without its reversal,
Y1 would use up the deductible and Y2 read 0.00 / 300.00, a false 100.00 underpayment.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from conform.audit.errors import AuditInputError
from conform.audit.report import rollups
from conform.audit.run import audit
from _kept import kept_audit

HEADER = ("setl_id,psn_no,psn_type,setl_time,med_type,facility,fixmedins_code,medfee_sumamt,inscp_scp_amt,"
          "act_pay_dedc,hifp_pay,pool_prop_selfpay,fund_pay_sumamt,psn_part_amt,init_setl_id")
Y1 = "Y1,W2,1101,2024-03-01 10:00:00,11,tertiary,H1,600.00,600.00,200.00,200.00,0.5000,200.00,400.00,"
Y1R = "Y1R,W2,1101,2024-03-02 10:00:00,11,tertiary,H1,-600.00,-600.00,-200.00,-200.00,0.5000,-200.00,-400.00,Y1"
Y2 = "Y2,W2,1101,2024-03-03 10:00:00,11,tertiary,H1,600.00,600.00,200.00,200.00,0.5000,200.00,400.00,"


def _csv(tmp_path: Path, lines: list[str], name: str = "ledger.csv") -> Path:
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def _run(paths, **kw) -> tuple[int, dict, list[tuple]]:
    with kept_audit([str(p) for p in paths], "panzhihua", "panzhihua-example", write=False, **kw) as (code, s, con):
        rows = con.execute("SELECT l.setl_id, e.act_pay_dedc, e.hifp_pay FROM expected_rows e "
                           "JOIN ledger l ON l.rid = e.rid ORDER BY l.setl_id").fetchall()
    return code, s, rows


def _map(tmp_path: Path, text: str) -> str:
    p = tmp_path / "map.toml"
    p.write_text(text, encoding="utf-8")
    return str(p)


# D1: the reversal left out (another insured city on the 2208 alone, or a [skip] code on it alone) takes its
# settlement with it, counted as such; Y2 is then the year's first settlement and clean.
def test_a_reversal_left_out_by_admdvs_takes_its_settlement_with_it(tmp_path):
    ledger = _csv(tmp_path, [HEADER + ",insuplc_admdvs,mdtrtarea_admvs", Y1 + ",510400,510400",
                             Y1R + ",510100,510400", Y2 + ",510400,510400"])
    code, s, rows = _run([ledger], admdvs="510400")
    assert (code, rows) == (0, [("Y2", 20000, 20000)])
    assert (s["rows_read"], s["rows_skipped"], s["settlements"], s["reversals"]) == (3, 2, 1, 0)
    assert s["skipped_by_code"] == [{"skip": "insuplc_admdvs=510100", "rows": 1},
                                    {"skip": "其撤销行被排除的结算（insuplc_admdvs=510100）", "rows": 1}]


def test_a_reversal_left_out_by_skip_takes_its_settlement_with_it(tmp_path):
    ledger = _csv(tmp_path, [HEADER + ",insutype", Y1 + ",310", Y1R + ",390", Y2 + ",310"])
    code, s, rows = _run([ledger], mapping=[_map(tmp_path, '[skip]\ninsutype = ["390"]\n')])
    assert (code, rows, s["rows_skipped"]) == (0, [("Y2", 20000, 20000)], 2)
    assert s["skipped_by_code"][1] == {"skip": "其撤销行被排除的结算（insutype=390）", "rows": 1}


def test_a_void_reversal_leaves_its_settlement_standing(tmp_path):
    # vali_flag 0 on Y1R: it never happened, so Y1 stands and uses up the deductible: Y2 expected 0.00 and
    # 600 × 50% = 300.00, recorded 200.00 — a real discrepancy. Also where the void 2208 carries a [skip] code:
    # void is why it is left out (counted so), and its settlement stays.
    rows_in = [HEADER + ",vali_flag,insutype", Y1 + ",1,310", Y1R + ",0,390", Y2 + ",1,310"]
    for mapping in ([], [_map(tmp_path, '[skip]\ninsutype = ["390"]\n')]):
        code, s, rows = _run([_csv(tmp_path, rows_in)], mapping=mapping)
        assert (code, rows) == (1, [("Y1", 20000, 20000), ("Y2", 0, 30000)])
        assert s["skipped_by_code"] == [{"skip": "vali_flag=0", "rows": 1}]


# D2: a fen off is classed a rounding only where a fraction of a fen was rounded. 攀枝花 第七条, retiree (起付线
# 150, 一级 65%): F1 101.10 all deductible; F2 101.10, deductible left 150 − 101.10 = 48.90, pool
# (101.10 − 48.90) × 65% = 52.20 × 0.65 = 33.93 exactly — a recorded 33.94 is no rounding's. G2 101.11:
# 52.21 × 0.65 = 33.9365 → 33.94 half-up; a recorded 33.93 is that product truncated: the rounding. CF2 (在职,
# 三级 50%, cap 1000 a year used up by CF1's 2200.00: (2200 − 200) × 50% = 1000.00): 10.00 pays 0.00; a recorded
# 0.01 is the cap not applied, 统筹基金多付.
FEN_ROWS = [
    "F1,P7,1201,2024-05-03 10:00:00,11,primary,H4,101.10,101.10,101.10,0.00,0.6500,0.00,101.10,",
    "F2,P7,1201,2024-05-04 10:00:00,11,primary,H4,101.10,101.10,48.90,33.94,0.6500,33.94,67.16,",
    "G1,P8,1201,2024-05-03 10:00:00,11,primary,H4,101.10,101.10,101.10,0.00,0.6500,0.00,101.10,",
    "G2,P8,1201,2024-05-04 10:00:00,11,primary,H4,101.11,101.11,48.90,33.93,0.6500,33.93,67.18,",
    # H2: the same 33.9365, recorded 33.95: a fen off the expected 33.94, but no rounding of 33.9365 gives it
    "H1,P9,1201,2024-05-03 10:00:00,11,primary,H4,101.10,101.10,101.10,0.00,0.6500,0.00,101.10,",
    "H2,P9,1201,2024-05-04 10:00:00,11,primary,H4,101.11,101.11,48.90,33.95,0.6500,33.95,67.16,",
    "CF2,W10,1101,2024-06-05 10:00:00,11,tertiary,H1,10.00,10.00,0.00,0.01,0.5000,0.01,9.99,",
    "CF1,W10,1101,2024-06-01 10:00:00,11,tertiary,H1,2200.00,2200.00,200.00,1000.00,0.5000,1000.00,1200.00,",
    # the reference engine's route (the ledger's type changes: A-AUDIT-PSN-TYPE-CHANGE): R1 retires after T1's
    # 100.00 in service; T2 at 二级 65%, deductible left 150 − 100 = 50: (500.01 − 50) × 65% = 292.5065 → 292.51,
    # recorded 292.50: the rounding
    "T2,R1,1201,2024-03-10 10:00:00,11,secondary,H2,500.01,500.01,50.00,292.50,0.6500,292.50,207.51,",
    "T1,R1,1101,2024-01-10 10:00:00,11,tertiary,H2,100.00,100.00,100.00,0.00,0.5000,0.00,100.00,",
]


def test_a_fen_off_is_a_rounding_only_where_a_fraction_of_a_fen_was_rounded(tmp_path):
    out = tmp_path / "out"
    code, s = audit([str(_csv(tmp_path, [HEADER, *FEN_ROWS]))], "panzhihua", "panzhihua-example", out=out)
    assert (code, s["discrepancies_by_field"]["hifp_pay"], s["persons_reference"]) == (1, 5, 1)
    con = rollups.connect(out / "discrepancies.parquet")
    try:
        rounded = dict(con.execute("SELECT setl_id, bool_and(fen_rounded) FROM d GROUP BY setl_id").fetchall())
        classes = {c["cls"]: (c["settlements"], c["overpaid"], c["underpaid"]) for c in rollups.collect(con)["classes"]}
    finally:
        con.close()
    assert rounded == {"F2": False, "G2": True, "H2": False, "CF2": False, "T2": True}
    assert classes == {"over": (3, 3, 0), "fen": (2, 0, 2)}
    sheet = {r[0]: r[1] for r in load_workbook(out / "audit.xlsx")["按差异类型"].iter_rows(min_row=2, values_only=True)}
    assert "未按四舍五入到分（A-ROUND-FEN）" in sheet["分位舍入不符（差一分）"]
    assert sheet.keys() == {"分位舍入不符（差一分）", "统筹基金多付（如未控制年度最高支付限额）"}


# Readings: the two engines' discrepancies.parquet of the same ledger are the same file, byte for byte (rows in
# discrepancies.csv's order, the same columns marked required), so they can be compared by checksum.
def test_both_engines_write_the_same_discrepancies_parquet_in_the_csvs_order(tmp_path, spark):
    ledger = _csv(tmp_path, [HEADER, *FEN_ROWS])
    files = {}
    for engine in ("duckdb", "spark"):
        out = tmp_path / engine
        code, _ = audit([str(ledger)], "panzhihua", "panzhihua-example", out=out, engine=engine, spark=spark)
        assert code == 1
        files[engine] = (out / "discrepancies.parquet").read_bytes()
    assert files["duckdb"] == files["spark"]
    table = pq.read_table(tmp_path / "duckdb" / "discrepancies.parquet")
    with open(tmp_path / "duckdb" / "discrepancies.csv", encoding="utf-8", newline="") as f:
        shown = [(r["setl_id"], r["field"]) for r in csv.DictReader(f)]
    assert list(zip(table["setl_id"].to_pylist(), table["field"].to_pylist())) == shown
    assert shown[0] == ("T2", "fund_pay_sumamt") and table["fen_rounded"].to_pylist().count(True) == 6


# D3: after a mid-year retirement the retiree's deductible counts the in-service 100.00 (150 − 100 = 50.00 left),
# and T2's pool payment (500 − 50) × 65% = 292.50 rests on that reading (A-MIDYEAR-RETIREMENT), not on 第七条's
# words alone ("退休人员：一个统筹年度内起付线为150元"); the system restarted the deductible (150.00 / 227.50).
# Dated by the ledger's types, the audit's own reading dates the retirement (A-AUDIT-PSN-TYPE-CHANGE); dated
# by the persons file, it does not. 2025's U1 (in a later year: nothing carried) cites the article alone.
RET_ROWS = ["T1,R1,1101,2024-01-10 10:00:00,11,tertiary,H2,100.00,100.00,100.00,0.00,0.5000,0.00,100.00,",
            "T2,R1,1201,2024-03-10 10:00:00,11,secondary,H2,500.00,500.00,150.00,227.50,0.6500,227.50,272.50,",
            "U1,R1,1201,2025-03-10 10:00:00,11,secondary,H2,500.00,500.00,150.00,227.50,0.6500,237.50,262.50,"]


def _clauses(tmp_path, persons_file=None) -> dict[tuple[str, str], str]:
    out = tmp_path / ("file" if persons_file else "ledger")
    code, _ = audit([str(_csv(tmp_path, [HEADER, *RET_ROWS]))], "panzhihua", "panzhihua-example", persons_file, out=out)
    assert code == 1
    with open(out / "discrepancies.csv", encoding="utf-8", newline="") as f:
        return {(r["setl_id"], r["field"]): r["clause"] for r in csv.DictReader(f)}


def test_a_deductible_carried_over_a_mid_year_retirement_cites_the_reading_on_the_pool_payment_too(tmp_path):
    ledger_dated = _clauses(tmp_path)
    both = "攀枝花 第七条；A-MIDYEAR-RETIREMENT；A-AUDIT-PSN-TYPE-CHANGE"
    assert {k: v for k, v in ledger_dated.items() if k[0] == "T2"} == {
        ("T2", f): both for f in ("act_pay_dedc", "hifp_pay", "fund_pay_sumamt", "psn_part_amt")}
    # (the ledger holds 2025 from 03-10 only, without R1's ytd: A-AUDIT-YTD-FROM-LEDGER)
    assert ledger_dated[("U1", "fund_pay_sumamt")] == "攀枝花 第七条；A-AUDIT-YTD-FROM-LEDGER"
    persons = tmp_path / "p.jsonl"
    persons.write_text('{"psn_no": "R1", "retire_date": "2024-03-01"}\n', encoding="utf-8")
    file_dated = _clauses(tmp_path, str(persons))
    assert file_dated[("T2", "hifp_pay")] == file_dated[("T2", "act_pay_dedc")] == "攀枝花 第七条；A-MIDYEAR-RETIREMENT"


# D4: without setl_time a re-settlement X1b exported before the reversal X1R of the earlier X1 (both 03-02) is
# audited with X1 standing (deductible used up: 0.00 / 300.00, 100.00 underpaid) — as A-AUDIT-ORDER says, and
# right if the export's order is the order of the day (a chronological export: X1b settled before X1 was
# reversed), but the ledger cannot tell: the findings of X1b and of the person's later settlements that year
# (X2: its deductible follows from X1b's) cite A-AUDIT-ORDER. Listed after the reversal, or with setl_time,
# the order is the ledger's own, and nothing cites it.
DATE_HEADER = HEADER.replace("setl_time", "setl_date")
X1 = "X1,W1,1101,2024-03-01,11,tertiary,H1,600.00,600.00,200.00,200.00,0.5000,200.00,400.00,"
X1R = "X1R,W1,1101,2024-03-02,11,tertiary,H1,-600.00,-600.00,-200.00,-200.00,0.5000,-200.00,-400.00,X1"
X1B = "X1b,W1,1101,2024-03-02,11,tertiary,H1,600.00,600.00,200.00,200.00,0.5000,200.00,400.00,"
X2 = "X2,W1,1101,2024-04-01,11,tertiary,H1,100.00,100.00,0.00,60.00,0.5000,60.00,40.00,"


def _found(tmp_path, header, rows, name):
    out = tmp_path / name
    code, _ = audit([str(_csv(tmp_path, [header, *rows], name=f"{name}.csv"))], "panzhihua", "panzhihua-example", out=out)
    with open(out / "discrepancies.csv", encoding="utf-8", newline="") as f:
        return code, {(r["setl_id"], r["field"]): (r["diff"], r["clause"]) for r in csv.DictReader(f)}


def test_a_same_day_resettlement_exported_before_the_reversal_cites_the_export_order(tmp_path):
    # X2 (04-01, 100.00): with X1b counting no deductible, 200.00 is left: deductible 100.00, pool 0.00 — recorded
    # 0.00 / 60.00, so X2 differs too, and rests on the same order
    code, found = _found(tmp_path, DATE_HEADER, [X1, X1B, X1R, X2], "listed")
    # (the ledger holds 2024 from 03-01 without W1's ytd: every figure rests on A-AUDIT-YTD-FROM-LEDGER too)
    ytd = "；A-AUDIT-YTD-FROM-LEDGER"
    cited = "攀枝花 第七条；A-AUDIT-ORDER" + ytd
    assert code == 1
    assert found[("X1b", "hifp_pay")] == ("-100.00", cited) and found[("X1b", "act_pay_dedc")] == ("200.00", cited)
    # X2's deductible is what is left after X1R gave back X1's 200.00: it rests on A-REVERSAL too, and so does its pool
    # payment, (100 − that deductible) × 60% (probe s29 A2 F1: no longer "decided by the ratio, reads no total")
    assert found[("X2", "hifp_pay")] == ("60.00", "攀枝花 第七条；A-REVERSAL；A-AUDIT-ORDER" + ytd)
    assert found[("X2", "act_pay_dedc")] == ("-100.00", "攀枝花 第七条；A-REVERSAL；A-AUDIT-ORDER" + ytd)
    # listed after the reversal: X1b takes the deductible (200.00 / 200.00, as recorded); X2's 100.00 is all pool
    # at 50% = 50.00 (recorded 60.00). X1R and X1b share 03-02 with no time either: had X1b come before X1R (X1
    # standing, the deductible used up), X2 would owe 100.00 of deductible and 0.00 from the pool — so X2's figures
    # rest on the export's order too (A-AUDIT-ORDER; raudit4 D4: a tie on a day at or before the row's)
    code, found = _found(tmp_path, DATE_HEADER, [X1, X1R, X1B, X2], "ordered")
    assert (code, found) == (1, {("X2", f): (d, "攀枝花 第七条；A-AUDIT-ORDER" + ytd) for f, d in
                                 (("hifp_pay", "10.00"), ("fund_pay_sumamt", "10.00"), ("psn_part_amt", "-10.00"))})
    # with times the order is known: X1b at 09:00 came before the reversal at 10:00 — no assumption
    timed = [X1.replace("2024-03-01", "2024-03-01 09:00:00"), X1B.replace("2024-03-02", "2024-03-02 09:00:00"),
             X1R.replace("2024-03-02", "2024-03-02 10:00:00")]
    code, found = _found(tmp_path, HEADER, timed, "timed")
    assert code == 1 and found[("X1b", "hifp_pay")] == ("-100.00", "攀枝花 第七条" + ytd)


def test_a_reversal_with_its_settlements_time_in_an_earlier_file_says_the_times_are_equal(tmp_path):
    t = "2024-03-01 10:00:00"
    a = _csv(tmp_path, [HEADER, X1R.replace("2024-03-02", t)], name="a.csv")
    b = _csv(tmp_path, [HEADER, X1.replace("2024-03-01", t)], name="b.csv")
    with pytest.raises(AuditInputError, match=r"a\.csv, line 2, column init_setl_id: reverses 'X1', whose setl_time is the "
                                              r"same \(2024-03-01 10:00:00\) but which the export lists after it \(.*b\.csv "
                                              r"line 2\); at equal times.*\(A-AUDIT-ORDER\): list the settlement first "
                                              r"\(give its file first\)"):
        _run([a, b])
    code, _, rows = _run([b, a])
    assert (code, [r[0] for r in rows]) == (0, ["X1", "X1R"])


# The pool payment's clause names A-ROUND-FEN where rounding to the fen changed the figure, on the plan's route as
# on the reference engine's (its ratio step cites it): G2's 33.9365 → 33.94 rests on it, F2's exact 33.93 does not.
# G3/G4/G3R (a reversal not right after its settlement) send P8 to the reference engine.
def test_the_plan_and_the_reference_cite_the_rounding_alike(tmp_path):
    g_rows = [r for r in FEN_ROWS if r[0] in "FG"]
    later = ["G3,P8,1201,2024-06-01 10:00:00,11,primary,H4,50.00,50.00,0.00,32.50,0.6500,32.50,17.50,",
             "G4,P8,1201,2024-06-02 10:00:00,11,primary,H4,50.00,50.00,0.00,32.50,0.6500,32.50,17.50,",
             "G3R,P8,1201,2024-06-03 10:00:00,11,primary,H4,-50.00,-50.00,0.00,-32.50,0.6500,-32.50,-17.50,G3"]
    cited = {}
    for name, rows in (("plan", g_rows), ("reference", g_rows + later)):
        out = tmp_path / name
        audit([str(_csv(tmp_path, [HEADER, *rows], name=f"{name}.csv"))], "panzhihua", "panzhihua-example", out=out)
        with open(out / "discrepancies.csv", encoding="utf-8", newline="") as f:
            cited[name] = {(r["setl_id"], r["route"]): r["clause"] for r in csv.DictReader(f) if r["field"] == "hifp_pay"}
    # (the ledger holds 2024 from May, without ytd: A-AUDIT-YTD-FROM-LEDGER on both routes alike)
    ytd = "；A-AUDIT-YTD-FROM-LEDGER"
    assert cited["plan"] == {("F2", "plan"): "攀枝花 第七条" + ytd, ("G2", "plan"): "攀枝花 第七条；A-ROUND-FEN" + ytd}
    assert cited["reference"] == {("F2", "plan"): "攀枝花 第七条" + ytd, ("G2", "reference"): "攀枝花 第七条；A-ROUND-FEN" + ytd}
