"""Ledgers for the seven audit mutants the suite let through (/work/notes/s5/rmutant3.md, S1–S7): each test is a
case no other test had — a boundary day, a ratio with four decimals, a ratio's clause on a capped row, a mapped
psn_type, a reversal in the year after its settlement — with its figures worked by hand from the article.

Where a person can go either way, the reference engine settles it too (ROUTES, as tests/audit/test_validity_bounds.py:
a retirement years ahead changes no figure but hands the person over), and both routes must say the same.
"""
from __future__ import annotations

import duckdb
import pytest

from _kept import kept_audit
from _ledger_files import ledger_and_persons
from conform.audit.run import audit

ROUTES = {"plan": {}, "reference": {"retire_date": "2040-01-01"}}


def _persons(rows: list[str], route: str, **extra: dict) -> list[dict]:
    """One record per person in the ledger: the route's, and `extra[psn_no]`."""
    return [{"psn_no": p, **ROUTES[route], **extra.get(p, {})} for p in sorted({r.split(",")[1] for r in rows})]


def _run(tmp_path, policy: str, header: str, rows: list[str], persons: list[dict] | None = None, **kw):
    """(exit code, summary, setl_id -> the expected figures in fen / 1/10000 (FIELDS), discrepancies as
    (setl_id, field) -> (diff as text, clause))."""
    ledger, pfile = ledger_and_persons(tmp_path, header, rows, persons)
    with kept_audit([str(ledger)], policy, f"{policy}-example", pfile, write=False, **kw) as (code, s, con):
        expected = {r[0]: r[1:] for r in con.execute(
            "SELECT l.setl_id, e.status, e.act_pay_dedc, e.hifp_pay, e.pool_prop_selfpay, e.psn_part_amt, e.acct_pay, "
            "e.psn_cash_pay FROM expected_rows e JOIN ledger l ON l.rid = e.rid").fetchall()}
        found = {(sid, f): (d, c) for sid, f, d, c in duckdb.sql(
            "SELECT setl_id, field, CAST(CAST(diff AS DECIMAL(18, 4)) AS VARCHAR), clause "
            f"FROM read_parquet('{s['_discrepancies']}')").fetchall()}
    return code, s, expected, found


# --------------------------------------------------------------------------- S1 (m14): 浙江's account-reform day

REFORM_HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,act_pay_dedc,hifp_pay,"
                 "psn_part_amt,acct_pay,psn_cash_pay")


@pytest.mark.parametrize("route", ROUTES)
def test_the_account_reform_day_itself_has_its_account_audited_and_the_day_before_not(tmp_path, route):
    """浙江 二（三）: “2023年起开始实施改革” — the account rules apply from 2023-01-01, that day included. A city
    pooling from 2022-07-01 (三（二）; inline valid_from, as test_s4_account_reform.py), example region: in service,
    deductible 600, 基层 (primary) 70% (二（一）“基层医疗机构政策范围内支付比例从60％起步”).

    Each person's first visit, 1000.00 at primary care, both days alike:
      deductible 600.00; hifp_pay (1000 − 600) × 70% = 280.00; 个人负担 1000 − 280 = 720.00.
    The account pays 个人负担 (二（四）: “由个人负担的医疗费用”); no opening balance, so acct_pay is taken as
    recorded but at most 720.00 (A-AUDIT-ACCT-UNKNOWN). Recorded 800.00, cash 0.00:
      D1 on 2023-01-01: acct_pay 800.00 − 720.00 = +80.00 found; cash 720 − 720 = 0.00, as recorded.
      D0 on 2022-12-31: before the reform, acct_pay and psn_cash_pay are not assessed (A-BEFORE-VALIDITY).
    """
    rows = ["D0,A,1101,2022-12-31,11,primary,1000.00,600.00,280.00,720.00,800.00,0.00",
            "D1,B,1101,2023-01-01,11,primary,1000.00,600.00,280.00,720.00,800.00,0.00"]
    code, s, exp, found = _run(tmp_path, "zhejiang", REFORM_HEADER, rows, _persons(rows, route),
                               params_inline={"valid_from": "2022-07-01"})
    assert s["persons_reference"] == (2 if route == "reference" else 0)
    assert exp["D1"][1:] == (60000, 28000, 7000, 72000, 72000, 0)
    assert exp["D0"][1:] == (60000, 28000, 7000, 72000, None, None)
    assert found == {("D1", "acct_pay"): ("80.0000", "浙江 二（四）；A-ACCOUNT-SELFPAY；A-AUDIT-ACCT-UNKNOWN")}
    [entry] = s["fields_not_assessed"]
    assert (entry["fields"], entry["rows"], entry["example_setl_id"]) == (["acct_pay", "psn_cash_pay"], 1, "D0")
    assert code == 1


# --------------------------------------------------------------------------- S2 (m15), S7 (m43): a benefit period's bounds

PERIOD_HEADER = "setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,act_pay_dedc,hifp_pay,psn_part_amt"
# 攀枝花 第七条: “建立了个人账户且在待遇享受期内的职工医保参保人员……享受普通门诊统筹保障待遇。在职职工：一个统筹年度
# （自然年度，下同）起付线为200元；……二级及以下定点医疗机构为60%；统筹年度最高支付限额为1000元。”
# A period 2023-03-01 to 2023-06-30 (persons file), both days in it (the reference's Period: begin <= d <= end):
#   B0 2023-02-28 1000.00: outside — the fund pays nothing, nothing counts: 0.00, 0.00, 个人负担 1000.00
#   B1 2023-03-01 1000.00: the first day — deductible 200.00, (1000 − 200) × 60% = 480.00, 个人负担 520.00
#   B2 2023-06-30  500.00: the last day — deductible met, 500 × 60% = 300.00 (480 + 300 = 780 < 1000), 个人负担 200.00
#   B3 2023-07-01  500.00: outside — 0.00, 0.00, 500.00
PERIOD = {"begin": "2023-03-01", "end": "2023-06-30"}
PERIOD_ROWS = ["B0,B,1101,2023-02-28,11,secondary,1000.00,0.00,0.00,1000.00",
               "B1,B,1101,2023-03-01,11,secondary,1000.00,200.00,480.00,520.00",
               "B2,B,1101,2023-06-30,11,secondary,500.00,0.00,300.00,200.00",
               "B3,B,1101,2023-07-01,11,secondary,500.00,0.00,0.00,500.00"]


@pytest.mark.parametrize("route", ROUTES)
def test_the_benefit_periods_first_and_last_days_are_inside_it(tmp_path, route):
    code, s, exp, found = _run(tmp_path, "panzhihua", PERIOD_HEADER, PERIOD_ROWS,
                               _persons(PERIOD_ROWS, route, B={"benefit_period": PERIOD}))
    assert s["persons_reference"] == (1 if route == "reference" else 0)
    got = {sid: (e[1], e[2], e[4]) for sid, e in exp.items()}
    assert got == {"B0": (0, 0, 100000), "B1": (20000, 48000, 52000), "B2": (0, 30000, 20000), "B3": (0, 0, 50000)}
    if route == "plan":
        assert [exp[k][0] for k in ("B0", "B1", "B2", "B3")] == ["none_period", "ordinary", "ordinary", "none_period"]
    assert (found, code, s["unassessed"]) == ({}, 0, 0)


# --------------------------------------------------------------------------- S6 (m32): a reversal in the next year

REVERSAL_HEADER = PERIOD_HEADER + ",init_setl_id"
# 攀枝花 第七条 (above), in service at a 二级 facility:
#   C1 2023-12-31 1000.00: the year's first visit — deductible 200.00, (1000 − 200) × 60% = 480.00, 个人负担 520.00
#   CR 2024-01-02 reverses C1: gives back C1's own figures, −200.00, −480.00, −520.00 (A-REVERSAL), which are
#      2023's (A-YEAR-BY-SETTLEMENT-DATE) — 2024's running deductible is untouched
#   C2 2024-01-05 1000.00: 2024's first visit — deductible 200.00 again, 480.00, 个人负担 520.00
REVERSAL_ROWS = ["C1,C,1101,2023-12-31,11,secondary,1000.00,200.00,480.00,520.00,",
                 "CR,C,1101,2024-01-02,11,secondary,-1000.00,-200.00,-480.00,-520.00,C1",
                 "C2,C,1101,2024-01-05,11,secondary,1000.00,200.00,480.00,520.00,"]


@pytest.mark.parametrize("route", ROUTES)
def test_a_reversal_in_the_new_year_gives_back_to_the_year_of_its_settlement(tmp_path, route):
    code, s, exp, found = _run(tmp_path, "panzhihua", REVERSAL_HEADER, REVERSAL_ROWS, _persons(REVERSAL_ROWS, route))
    assert s["persons_reference"] == (1 if route == "reference" else 0)
    got = {sid: (e[1], e[2], e[4]) for sid, e in exp.items()}
    assert got == {"C1": (20000, 48000, 52000), "CR": (-20000, -48000, -52000), "C2": (20000, 48000, 52000)}
    assert (found, code, s["reversals"]) == ({}, 0, 1)


# --------------------------------------------------------------------------- S3 (m18): a ratio with four decimals

RATIO_HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,act_pay_dedc,hifp_pay,"
                "pool_prop_selfpay,psn_part_amt")


def test_a_region_ratio_with_four_decimals_is_expected_to_the_last_decimal(tmp_path):
    """浙江 二（一） leaves the ratio to the city (基层 “从60％起步”): a city with 61.25% at primary care
    (inline ordinary.ratio.primary; the recorded ratio is read to four decimals, docs/audit.md §1). Deductible
    600 in service; a retiree's “起付线减半执行、报销比例提高5个百分点”: 300 and 66.25%.
      Q1 in service, 1000.00: (1000 − 600) × 61.25% = 245.00, ratio 0.6125, 个人负担 755.00
      Q2 retiree,    1000.00: (1000 − 300) × 66.25% = 463.75, ratio 0.6625, 个人负担 536.25
    The export records exactly these: nothing to find (truncated to three decimals: 0.6120 / 0.6620)."""
    rows = ["Q1,A,1101,2023-03-01,11,primary,1000.00,600.00,245.00,0.6125,755.00",
            "Q2,B,1201,2023-03-01,11,primary,1000.00,300.00,463.75,0.6625,536.25"]
    code, s, exp, found = _run(tmp_path, "zhejiang", RATIO_HEADER, rows,
                               params_inline={"ordinary.ratio.primary": "0.6125"})
    assert {sid: e[1:5] for sid, e in exp.items()} == {"Q1": (60000, 24500, 6125, 75500),
                                                       "Q2": (30000, 46375, 6625, 53625)}
    assert (found, code) == ({}, 0)


# --------------------------------------------------------------------------- S4 (m28): the ratio's clause on a capped row

@pytest.mark.parametrize("route", ROUTES)
def test_a_ratio_error_on_a_capped_pharmacy_row_cites_the_pharmacy_ratio_not_the_cap(tmp_path, route):
    """南昌 四（二）1: “普通门诊统筹的起付线为600元；……一级及以下60%、二级55%、三级50%；最高支付限额1800元”; 四（四）
    lets pharmacies settle but gives them no ratio: the region gives it (A-NC-PHARMACY; nanchang-example 58%).
      P1 in service at a pharmacy, 10000.00: deductible 600.00; (10000 − 600) × 58% = 5452.00, capped at 1800.00
      (hifp_pay right); 个人负担 10000 − 1800 = 8200.00. The recorded ratio 0.6000 is 0.0200 above 0.5800, a figure
      the pharmacy's article and its assumption decide (docs/audit.md §5: `南昌 四（四）；A-NC-PHARMACY`), not
      the cap that decided hifp_pay."""
    rows = ["P1,P,1101,2023-03-01,41,pharmacy,10000.00,600.00,1800.00,0.6000,8200.00"]
    code, s, exp, found = _run(tmp_path, "nanchang", RATIO_HEADER, rows, _persons(rows, route))
    assert s["persons_reference"] == (1 if route == "reference" else 0)
    assert exp["P1"][1:5] == (60000, 180000, 5800, 820000)
    assert found == {("P1", "pool_prop_selfpay"): ("0.0200", "南昌 四（四）；A-NC-PHARMACY")}
    assert code == 1


# --------------------------------------------------------------------------- S5 (m31): the ledger's psn_type mapped

def test_the_ledgers_psn_type_is_mapped_with_its_own_code_table(tmp_path):
    """docs/audit.md §2's example: a vendor's 1102 (公务员在职) mapped to 1101, and 1202 to 1201, with
    [codes.psn_type]; a med_type table beside it maps a code that is also a psn_type code (1101) and must
    not touch psn_type. 攀枝花 第七条, 二级, 1000.00 each:
      M1 (1102 → in service): deductible 200.00, (1000 − 200) × 60% = 480.00, ratio 0.6000, 个人负担 520.00
      M2 (1202 → retiree):    deductible 150.00, (1000 − 150) × 65% = 552.50, ratio 0.6500, 个人负担 447.50"""
    mapping = tmp_path / "vendor.toml"
    mapping.write_text('[codes.psn_type]\n"1102" = "1101"\n"1202" = "1201"\n[codes.med_type]\n"1101" = "11"\n',
                       encoding="utf-8")
    rows = ["M1,A,1102,2023-03-01,1101,secondary,1000.00,200.00,480.00,0.6000,520.00",
            "M2,B,1202,2023-03-01,11,secondary,1000.00,150.00,552.50,0.6500,447.50"]
    code, s, exp, found = _run(tmp_path, "panzhihua", RATIO_HEADER, rows, mapping=(str(mapping),))
    assert {sid: e[1:5] for sid, e in exp.items()} == {"M1": (20000, 48000, 6000, 52000),
                                                       "M2": (15000, 55250, 6500, 44750)}
    assert (found, code) == ({}, 0)


# --------------------------------------------------------------------------- the boundary days on Spark

def test_the_benefit_period_and_a_new_year_reversal_settle_alike_on_spark(tmp_path, spark):
    """The two 攀枝花 persons above (B: PERIOD_ROWS, C: REVERSAL_ROWS) in one ledger, on Spark: nothing to find,
    and the fund's expected total is theirs: B 0 + 480 + 300 + 0, C 480 − 480 + 480 — 1260.00."""
    ledger, pfile = ledger_and_persons(tmp_path, REVERSAL_HEADER, [r + "," for r in PERIOD_ROWS] + REVERSAL_ROWS,
                                       [{"psn_no": "B", "benefit_period": PERIOD}, {"psn_no": "C"}])
    code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", pfile, write=False, engine="spark", spark=spark)
    assert (s["engine"], s["persons_reference"], s["unassessed"]) == ("spark", 0, 0)
    assert sum(s["discrepancies_by_field"].values()) == 0 and code == 0
    assert s["expected_hifp_pay_fen"] == 126000
