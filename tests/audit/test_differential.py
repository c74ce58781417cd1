"""The plan and the reference engine agree on every row and field, on DuckDB and on Spark.

Each example is a small ledger of several persons under one document and its example region;
its recorded figures are the reference engine's own (tests/audit/_plan_ledgers.py), so a correct
audit finds no discrepancy, and its expected table equals the reference row by row — including
the rows the reference refuses (dates outside the rules' validity, exclusions a document does not
list, a 攀枝花 flexible worker without flex_tier), which the plan must leave unassessed too. On DuckDB
a few rows record a planted error instead (`planted`): the audit must find exactly those, which a
copy of the reference's figures cannot show where the audit accepts a range of account payments.
"""
from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from conform.audit.run import audit

from _plan_ledgers import (POLICIES, RECORDED, REGION, Drawn, assert_plan_rows, ledgers, planted, reference_rows,
                           write)
from conform.reference.case import Reversal, Settlement


def _run(d, folder, recorded=None, **kw):
    ref = reference_rows(d)
    ledger_path, persons_path = write(d, folder, ref if recorded is None else recorded)
    code, s = audit([str(ledger_path)], d.policy, REGION[d.policy], str(persons_path),
                    params_inline=d.params, write=False, keep_connection=True, **kw)
    return ref, code, s


def _close(s):
    s["_connection"].close()
    shutil.rmtree(s["_workdir"], ignore_errors=True)


@pytest.mark.parametrize("policy", POLICIES)
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_plan_equals_reference_on_duckdb(policy, data, tmp_path_factory):
    d = data.draw(ledgers(policy))
    p = data.draw(planted(d, reference_rows(d)))
    ref, code, s = _run(d, tmp_path_factory.mktemp("diff"), p.recorded)
    try:
        con = s["_connection"]
        assert_plan_rows(con, d, ref, p)
        refused = sum(1 for v in ref.values() if "refused" in v)
        assert s["unassessed"] == refused
        assert sum(r["rows"] for r in s["unassessed_by_reason"]) == refused
        # the planted errors and nothing else, each by its amount
        found = {(sid, f): int(diff * (10000 if f == "pool_prop_selfpay" else 100)) for sid, f, diff in con.execute(
            f"SELECT setl_id, field, diff FROM read_parquet('{s['_discrepancies']}')").fetchall()}
        assert found == p.found
        assert s["discrepancies_by_field"] == {f: sum(1 for _, g in p.found if g == f) for f in RECORDED}
        # rows before 浙江's account reform (acct_pay, psn_cash_pay) or whose recorded parts exceed what the fund leaves
        # (psn_part_amt too, A-AUDIT-PARTS-EXCEED): their recorded personal fields are not assessed, and counted
        unchecked = sum(1 for v in ref.values() if v.get("acct_undetermined") or v.get("parts_over"))
        assert sum(x["rows"] for x in s["fields_not_assessed"]) == unchecked
        # discrepancies (1), else incomplete (2) where rows or recorded figures could not be assessed, else clean (0)
        assert code == (1 if p.found else 2 if refused or unchecked else 0)
    finally:
        _close(s)


@pytest.mark.parametrize("policy", POLICIES)
@settings(max_examples=1, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_plan_equals_reference_on_spark(policy, data, tmp_path_factory, spark):
    """Many persons in one example: Spark's fixed cost per query is paid once per document."""
    d = data.draw(ledgers(policy, min_persons=25, max_persons=40))
    p = data.draw(planted(d, reference_rows(d)))
    ref, code, s = _run(d, tmp_path_factory.mktemp("spark"), p.recorded, engine="spark", spark=spark)
    try:
        settled = [v for v in ref.values() if "refused" not in v]
        assert s["engine"] == "spark"
        assert s["expected_rows"] == len(ref)  # every row recomputed, none dropped by a join
        assert s["unassessed"] == len(ref) - len(settled)
        assert s["expected_hifp_pay_fen"] == sum(v["hifp_pay"] for v in settled)
        # Recorded = reference on all eight fields but for the planted errors: any other plan figure that
        # differs would be reported too.
        assert s["fields_audited"] == list(RECORDED)
        unchecked = sum(1 for v in settled if v.get("acct_undetermined") or v.get("parts_over"))
        assert sum(x["rows"] for x in s["fields_not_assessed"]) == unchecked
        assert (code, s["discrepancies_by_field"]) == (1 if p.found else 2 if s["unassessed"] or unchecked else 0,
                                                       {f: sum(1 for _, g in p.found if g == f) for f in RECORDED})
        assert sum(r["rows"] for r in s["unassessed_by_reason"]) == s["unassessed"]
        assert s["persons_reference"] <= len(d.fallback)
    finally:
        _close(s)


@settings(max_examples=1, deadline=None, derandomize=True, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much])
@given(data=st.data())
def test_reference_fallback_in_worker_processes_matches_inline(data, tmp_path_factory, monkeypatch):
    """Persons the plan hands over are settled the same in worker processes as in this process."""
    from conform.audit import fallback

    d = data.draw(ledgers("jilin", min_persons=8, max_persons=8))
    assume(len(d.fallback) >= 2)
    ref, code, inline = _run(d, tmp_path_factory.mktemp("inline"))
    try:
        want = inline["_connection"].execute("SELECT * FROM expected_rows ORDER BY rid").fetchall()
        assert inline["persons_reference"] >= 1
    finally:
        _close(inline)
    monkeypatch.setattr(fallback, "INLINE_PERSONS", 0)
    monkeypatch.setattr(fallback, "CHUNK_PERSONS", 2)
    ref, code, pooled = _run(d, tmp_path_factory.mktemp("pooled"), workers=2)
    try:
        assert pooled["_connection"].execute("SELECT * FROM expected_rows ORDER BY rid").fetchall() == want
    finally:
        _close(pooled)


def test_a_reversed_crossing_settlement_leaves_the_later_crossing_exact(tmp_path):
    """攀枝花 第七条, in-service at a 二级 facility: deductible 200 yuan, 60%, cap 1000 yuan a year.

    S0 300 crosses the deductible (200 counted, 60% of 100 = 60 paid) and is reversed right after,
    so S1..S3 are settled as if S0 never happened:
      S1 150: all 150 counted toward the deductible, 0 paid;
      S2 300: 50 more reaches it; 60% of 250 = 150 paid;
      S3 1600: 60% of 1600 = 960, but only 1000 - 150 = 850 is left of the cap.
    The plan's per-year figures must count S2's crossing only, not the reversed S0's (else S3 = 790)."""
    from conform.reference.case import parse_person

    d = Drawn("panzhihua")
    rec = {"psn_no": "P0001", "psn_type": "1101"}
    d.persons.append(rec)
    d.people.append(parse_person(rec, "P0001"))

    def visit(i: int, day: int, yuan: int) -> Settlement:
        return Settlement(id=f"P0001-S{i}", date=dt.date(2024, 3, day), med_type="11", facility="secondary",
                          medfee_sumamt=Decimal(yuan), fulamt_ownpay_amt=Decimal(0), overlmt_selfpay=Decimal(0),
                          preselfpay_amt=Decimal(0), acct_used_flag=True)

    d.events.append([visit(0, 1, 300), Reversal(id="P0001-R", date=dt.date(2024, 3, 1), reverses="P0001-S0"),
                     visit(1, 2, 150), visit(2, 3, 300), visit(3, 4, 1600)])
    ref, code, s = _run(d, tmp_path)
    try:
        got = dict(s["_connection"].execute("SELECT l.setl_id, e.hifp_pay FROM expected_rows e JOIN ledger l ON l.rid = e.rid "
                                            "WHERE e.route = 'plan'").fetchall())
        assert got == {"P0001-S0": 6000, "P0001-R": -6000, "P0001-S1": 0, "P0001-S2": 15000, "P0001-S3": 85000}
        assert {k: v["hifp_pay"] for k, v in ref.items()} == got  # and the reference engine agrees
        assert code == 0
    finally:
        _close(s)


def test_a_reference_settled_row_cites_the_article_not_the_recorded_other_funds():
    """浙江 example region, in-service at a 三级 facility: deductible 600 yuan, 50%. A 2,000.00 visit with
    50.00 from another fund, 20.00 borne by the hospital and 10.00 from a relative's account: 600 to the
    deductible, (2000 − 600) × 50% = 700.00 from the pooled fund, 基金支付总额 750.00, 个人负担
    2000 − 750 − 20 = 1230.00. The recorded funds come after the fund's figure in the trace; the fund's
    clause is still the article (二（一）), never '清单记录'."""
    from conform.audit.settle_ref import person_for, settle_person
    from conform.reference.engine import rules_for

    row = ("S1", "P1", "1101", dt.date(2023, 3, 1), "11", "tertiary", None, None, False, True, None,
           200000, 0, 0, 0, 5000, 2000, 1000, None)
    out = settle_person(rules_for("zhejiang", "zhejiang-example"), person_for("P1", [row], None), [row])[0]
    assert (out["act_pay_dedc"], out["hifp_pay"], out["fund_pay_sumamt"], out["psn_part_amt"]) == (60000, 70000, 75000, 123000)
    # the payment is (2000 − the deductible) × 50%, and the deductible counts over the year of the settlement date
    # (A-YEAR-BY-SETTLEMENT-DATE, cited on it): carried onto the payment, never onto the ratio (probe s29 A2 F1)
    assert out["clause_fund"] == "浙江 二（一）；A-YEAR-BY-SETTLEMENT-DATE"
    assert out["clause_ratio"] == "浙江 二（一）"
    # 二（一）names no period for the deductible: the natural year is a reading (A-YEAR-BY-SETTLEMENT-DATE)
    assert out["clause_dedc"] == "浙江 二（一）；A-YEAR-BY-SETTLEMENT-DATE"
