"""A failing figure names the reading it rests on, wherever the other reading gives another figure (probe s29 H5).

- F1 吉林 二（三）“统筹基金年度最高支付限额不超过6500元”: read as the ceiling of every cap (A-JL-CHRONIC-CAP-PER-DISEASE).
  A system reading it as one person's chronic total pays V2 of the scenario “一人两个病种各自用满限额” 6500 − 5000 =
  1500.00, not 3000.00: that payment (and the part it sends on) rests on the reading, cited only where another cap
  bucket was paid this year and the person's total passes 6500.
- F3 which costs a deductible accumulates: 北京（五）and three other texts are silent (A-DEDUCTIBLE-SCOPE); 浙江 二（一）
  (“起付标准以上…政策范围内费用”) decides it, and its article alone is cited.
- F4 a mid-year retiree's visit the deductible takes whole still records the retiree's ratio (pool_prop_selfpay),
  which a “type at 1 January” system records otherwise: A-MIDYEAR-RETIREMENT, whatever the payment.
"""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import duckdb
import pytest

from conform.harness.report.causes import blame
from conform.reference.case import Disease, Person, Settlement
from conform.reference.engine import PersonLedger, rules_for

PER_DISEASE = "A-JL-CHRONIC-CAP-PER-DISEASE"
SCOPE = "A-DEDUCTIBLE-SCOPE"
MIDYEAR = "A-MIDYEAR-RETIREMENT"


def _settle(policy: str, region: str | None, person: Person, visits: list[Settlement]) -> dict[str, object]:
    led = PersonLedger(rules_for(policy, region), person)
    return {s.id: led.settle(s) for s in visits}


def _steps(res) -> list[dict]:
    return [{"step": label, "clause": clause, "value": None if value is None else str(value)}
            for label, _tpl, _args, clause, value in res.trace._steps]


def _clause(res, step: str) -> list[str]:
    return [c for label, _t, _a, c, _v in res.trace._steps if label == step]


# jilin-example: M00500 capped 5000 on its own, M00100 under the shared 3000; 70%, ordinary 二级 55%; 起付线 200.
JL_PERSON = Person("JL", "1101", birth_date=dt.date(1980, 1, 1),
                   diseases=(Disease("M00500", "chronic"), Disease("M00100", "chronic")))


def _jl(*amounts: tuple[str, str, str]) -> dict:
    return _settle("jilin", "jilin-example", JL_PERSON,
                   [Settlement(f"V{i}", dt.date(2023, 3 + i, 1), "14", "secondary", Decimal(a), dise_codg=code)
                    for i, (code, a, _) in enumerate(amounts, 1)])


def test_f1_a_payment_past_6500_in_total_rests_on_the_per_cap_reading():
    # V1 M00500 7400.00: (7400 − 200) × 70% = 5040 → cap 5000.00; V2 M00100 4300.00: 3010 → shared cap 3000.00, the
    # person's chronic total 8000 > 6500 (under the other reading 1500.00); V3 M00100 100.00: its cap spent, 0.00 either way
    got = _jl(("M00500", "7400.00", ""), ("M00100", "4300.00", ""), ("M00100", "100.00", ""))
    assert (got["V1"].chronic_pay, got["V2"].chronic_pay, got["V3"].chronic_pay) == (
        Decimal("5000.00"), Decimal("3000.00"), Decimal("0.00"))
    assert PER_DISEASE not in _clause(got["V1"], "慢特病支付")[0].split("；")  # no other bucket paid: its own cap bounds it
    assert PER_DISEASE in _clause(got["V2"], "慢特病支付")[0].split("；")
    assert PER_DISEASE in _clause(got["V2"], "转入普通门诊统筹")[0].split("；")  # 14.29 sent on; 2157.14 under the other
    assert PER_DISEASE not in _clause(got["V3"], "慢特病支付")[0].split("；")
    # the lawful twin (6500 a person's total) pays V2 1500.00: its failure names the reading, not 二(三) alone
    tags, named = blame([{"field": "chronic_pay", "expected": "3000.00", "actual": "1500.00", "item": "V2"}],
                        {"V2": _steps(got["V2"])}, "jilin")
    assert PER_DISEASE in named, (tags, named)


def test_f1_two_caps_within_6500_in_total_cite_no_reading():
    # the scenario “单设限额的病种与共用限额的病种分别计算限额”: 3500 + 2800 + 200 = 6500.00, never past the ceiling
    got = _jl(("M00500", "5200.00", ""), ("M00100", "4000.00", ""), ("M00100", "1000.00", ""))
    assert (got["V2"].chronic_pay, got["V3"].chronic_pay) == (Decimal("2800.00"), Decimal("200.00"))
    for v in ("V1", "V2", "V3"):
        assert PER_DISEASE not in _clause(got[v], "慢特病支付")[0].split("；"), v


BJ_PERSON = Person("B", "1101", birth_date=dt.date(1980, 1, 1))
VISITS = [Settlement("V1", dt.date(2023, 3, 1), "11", "secondary", Decimal("300.00"), preselfpay_amt=Decimal("100.00")),
          Settlement("V2", dt.date(2023, 4, 1), "11", "secondary", Decimal("300.00"))]


def test_f3_beijing_deductible_on_a_bill_with_preselfpay_rests_on_the_scope_reading():
    # beijing-example 在职 起付线 1800: V1 政策范围内 300 − 100 = 200.00 all to the deductible; counting the 100.00
    # 先行自付 too (the lawful twin) charges 300.00. V2 has no such costs, but V1's 先行自付 came before the deductible
    # was met: the twin has 1500.00 left, not 1600.00, so V2's deductible rests on the reading too (probe s29 R R1; here
    # both give 300.00 — the year keeps whether, not how much, so a later visit is cited wherever it counts something)
    got = _settle("beijing", "beijing-example", BJ_PERSON, VISITS)
    assert got["V1"].act_pay_dedc == Decimal("200.00")
    assert SCOPE in _clause(got["V1"], "起付线")[0].split("；")
    assert SCOPE in _clause(got["V2"], "起付线")[0].split("；")
    tags, named = blame([{"field": "act_pay_dedc", "expected": "200.00", "actual": "300.00", "item": "V1"}],
                        {"V1": _steps(got["V1"])}, "beijing")
    assert SCOPE in named, (tags, named)


def test_f3_zhejiang_decides_the_scope_itself():
    got = _settle("zhejiang", "zhejiang-example", BJ_PERSON, VISITS)
    clause = _clause(got["V1"], "起付线")[0].split("；")
    assert clause[0] == "浙江 二（一）" and SCOPE not in clause, clause


def test_f4_a_zero_pay_midyear_retiree_visit_names_the_reading_on_its_ratio():
    # 南昌 四（二）1: retired 2023-02-06; V1 that day at 三级, 0.02 元, all to the deductible: fund 0.00, the retiree's
    # ratio 55% (在职 50% + 5); a "type at 1 January" system records 0.50
    got = _settle("nanchang", None, Person("N", "1101", birth_date=dt.date(1963, 1, 1), retire_date=dt.date(2023, 2, 6)),
                  [Settlement("V1", dt.date(2023, 2, 6), "11", "tertiary", Decimal("0.02"))])
    res = got["V1"]
    assert (res.hifp_pay, res.pool_prop_selfpay) == (Decimal("0.00"), Decimal("0.55"))
    assert MIDYEAR in _clause(res, "支付比例")[0].split("；")
    _, named = blame([{"field": "pool_prop_selfpay", "expected": "0.5500", "actual": "0.5000", "item": "V1"}],
                     {"V1": _steps(res)}, "nanchang")
    assert MIDYEAR in named, named


# The audit: the plan and the reference engine (a person with a reversal elsewhere is the reference's) cite alike.
HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,dise_codg,medfee_sumamt,preselfpay_amt,act_pay_dedc,"
          "hifp_pay,psn_part_amt,acct_pay,psn_cash_pay,init_setl_id")
# A reversal not right after its settlement (a year later, nothing of 2023 changes) sends the person to the reference
# engine, as tests/audit/test_clauses.py's ZHEJIANG_ROUTES.
ROUTES = {"plan": [], "reference": [
    "B2,B,1101,2024-02-01,11,primary,,10.00,0.00,10.00,0.00,10.00,0.00,10.00,",
    "B3,B,1101,2024-02-02,11,primary,,10.00,0.00,10.00,0.00,10.00,0.00,10.00,",
    "B4,B,1101,2024-02-03,11,primary,,-10.00,0.00,-10.00,0.00,-10.00,0.00,-10.00,B2"]}


def _audit(tmp_path, policy: str, rows: list[str], persons: list[dict], header: str = HEADER) -> dict:
    from conform.audit.run import audit

    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    pfile = tmp_path / "persons.jsonl"
    pfile.write_text("".join(json.dumps(p) + "\n" for p in persons), encoding="utf-8")
    out = tmp_path / "out"
    audit([str(ledger)], policy, f"{policy}-example", str(pfile), out=out)
    got = duckdb.sql(f"SELECT setl_id, field, clause, route FROM read_parquet('{out}/discrepancies.parquet')").fetchall()
    return {(s, f): (c, r) for s, f, c, r in got}


@pytest.mark.parametrize("route", ROUTES)
def test_f3_audit_cites_the_scope_reading_on_either_route(tmp_path, route):
    # 北京 beijing-example 在职, opening ytd 0: 300.00 with 100.00 先行自付: deductible 200.00, fund 0.00. Recorded as the
    # twin would: deductible 300.00 (the 先行自付 counted too). The same clause whichever route settles the person.
    got = _audit(tmp_path, "beijing", ["B1,B,1101,2023-03-01,11,secondary,,300.00,100.00,300.00,0.00,300.00,0.00,300.00,",
                                       *ROUTES[route]],
                 [{"psn_no": "B", "psn_type": "1101", "ytd": {"year": 2023}}])
    clause, settled_by = got[("B1", "act_pay_dedc")]
    assert settled_by == route
    assert clause == "北京 (五)；A-YEAR-BY-SETTLEMENT-DATE；A-DEDUCTIBLE-SCOPE", clause


@pytest.mark.parametrize("route", ROUTES)
def test_f4_audit_cites_the_midyear_reading_on_a_zero_pay_ratio_on_either_route(tmp_path, route):
    # 北京 beijing-example: retired 2023-02-06 (persons file); V1 that day at 二级, 100.00, all to the deductible: fund
    # 0.00 at the retiree's ratio, recorded with the in-service one (the type of 1 January)
    from conform.reference.benefits import ordinary_ratio

    rules = rules_for("beijing", "beijing-example")
    own, ret = ordinary_ratio(rules, "in_service", "secondary")[0], ordinary_ratio(rules, "retiree", "secondary")[0]
    assert own != ret
    header = HEADER.replace(",hifp_pay,", ",hifp_pay,pool_prop_selfpay,")
    rows = [f"N1,B,1201,2023-02-06,11,secondary,,100.00,0.00,100.00,0.00,{own},100.00,0.00,100.00,",
            *(r.replace(",0.00,10.00,0.00,10.00,", f",0.00,{ret},10.00,0.00,10.00,").replace(
                ",0.00,-10.00,0.00,-10.00,", f",0.00,{ret},-10.00,0.00,-10.00,").replace(",1101,", ",1201,")
              for r in ROUTES[route])]
    got = _audit(tmp_path, "beijing", rows,
                 [{"psn_no": "B", "psn_type": "1101", "retire_date": "2023-02-06", "ytd": {"year": 2023}}], header)
    clause, settled_by = got[("N1", "pool_prop_selfpay")]
    assert settled_by == route
    assert MIDYEAR in clause.split("；"), clause


def test_f3_a_payment_on_a_deductible_met_from_the_scope_rests_on_it_too():
    # beijing-example 在职 起付线 1800, 二级 70%: 3000.00 with 500.00 先行自付, 政策范围内 2500.00: deductible 1800.00,
    # (2500 − 1800) × 70% = 490.00. The twin counting the 先行自付 first also charges 1800.00 (500 + 1300) but pays
    # (2500 − 1300) × 70% = 840.00: the deductible figures agree, the payment rests on the reading.
    got = _settle("beijing", "beijing-example", BJ_PERSON,
                  [Settlement("V1", dt.date(2023, 3, 1), "11", "secondary", Decimal("3000.00"),
                              preselfpay_amt=Decimal("500.00"))])
    res = got["V1"]
    assert (res.act_pay_dedc, res.hifp_pay) == (Decimal("1800.00"), Decimal("490.00"))
    assert SCOPE in _clause(res, "年度最高支付限额")[0].split("；")
    assert SCOPE not in _clause(res, "支付比例")[0].split("；")  # the ratio (70%) is the same under either reading
    _, named = blame([{"field": "hifp_pay", "expected": "490.00", "actual": "840.00", "item": "V1"}],
                     {"V1": _steps(res)}, "beijing")
    assert SCOPE in named, named
    _, named = blame([{"field": "pool_prop_selfpay", "expected": "0.7000", "actual": "0.6000", "item": "V1"}],
                     {"V1": _steps(res)}, "beijing")
    assert SCOPE not in named, named


@pytest.mark.parametrize("route", ROUTES)
def test_f3_audit_cites_the_scope_reading_on_the_payment_on_either_route(tmp_path, route):
    got = _audit(tmp_path, "beijing", ["B1,B,1101,2023-03-01,11,secondary,,3000.00,500.00,1800.00,840.00,2160.00,0.00,2160.00,",
                                       *ROUTES[route]],
                 [{"psn_no": "B", "psn_type": "1101", "ytd": {"year": 2023}}])
    clause, settled_by = got[("B1", "hifp_pay")]
    assert settled_by == route
    # the year reading too: the payment is computed from the deductible, which rests on it (086c2a4, probe s29 A2 F1)
    assert clause == "北京 (五)；A-DEDUCTIBLE-SCOPE；A-YEAR-BY-SETTLEMENT-DATE", clause
    assert ("B1", "act_pay_dedc") not in got
