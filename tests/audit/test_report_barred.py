"""A settlement the fund may not pay at all whose record pays: its own discrepancy class, 统筹基金不予支付却支付,
decided by the settlement's expected status before the ratio, deductible and scope classes (revA item 3).

Reviewer A's E1 (攀枝花, exclusion third_party: 第八条（三）应由第三人负担的费用): 三级 500.00 recorded with 200.00
deductible, 150.00 paid, 0.5000. Expected: the fund pays nothing (hifp_pay 0.00, ratio 0.0000, deductible
0.00) — the 150.00 overpaid is the fund paying where it may not, not a ratio "higher than the rule"."""
from __future__ import annotations


import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from _ledger_files import ledger_and_persons
from _synth_fixtures import write_discrepancies

from conform.audit.report import rollups
from conform.audit.run import audit

# E1 as the plan gives its discrepancies (status none_exclusion, clause 第八条)
E1 = [{"setl_id": "E1", "field": f, "recorded": rec, "expected": exp, "clause": "攀枝花 第八条"}
      for f, rec, exp in (("act_pay_dedc", "200.00", "0.00"), ("hifp_pay", "150.00", "0.00"),
                          ("pool_prop_selfpay", "0.5000", "0.0000"), ("psn_part_amt", "350.00", "500.00"))]


def _with_status(path, rows: list[dict], status: dict[str, str] | None):
    """The discrepancy file; with `status` by setl_id as the plan writes it (conform/audit/plan.py compare_sql)."""
    write_discrepancies(path, rows)
    if status is not None:
        t = pq.read_table(path)
        pq.write_table(t.append_column("status", pa.array([status[s] for s in t["setl_id"].to_pylist()], pa.string())),
                       path)
    return path


def _classes(path) -> dict[str, dict]:
    con = rollups.connect(path)
    try:
        return {c["cls"]: c for c in rollups.collect(con)["classes"]}
    finally:
        con.close()


@pytest.mark.parametrize("status", ["none_exclusion", "none_pre", "none_account", "none_period", "none_pharmacy",
                                    "none_account_stated", "none"])  # the plan's, and the reference engine's
def test_a_settlement_the_fund_may_not_pay_that_paid_is_its_own_class(tmp_path, status):
    classes = _classes(_with_status(tmp_path / "d.parquet", E1, {"E1": status}))
    (barred,) = classes.values()
    assert (barred["cls"], barred["name"], barred["settlements"], barred["overpaid"], barred["example"]) == \
        ("barred", "统筹基金不予支付却支付", 1, 15000, "E1")
    assert barred["clauses"] == "攀枝花 第八条"  # the article that bars the fund (the hifp_pay row's)


def test_the_same_figures_under_a_paying_status_are_a_ratio_discrepancy(tmp_path):
    # a settlement the fund pays (ordinary), recorded at 50% where 0% is expected, stays in the ratio class
    assert set(_classes(_with_status(tmp_path / "d.parquet", E1, {"E1": "ordinary"}))) == {"ratio_high"}


def test_a_barred_settlement_that_paid_nothing_but_counted_a_deductible_is_its_own_class(tmp_path):
    """The fund paid nothing (as it should), but the deductible was counted: not 不予支付却支付, and not
    起付线多计 either, whose description ("more than the year's deductible left") is false here — 250.00 of the
    deductible was left and 250.00 counted (review adiff item 2: 吉林 一, a pharmacy the region has not taken in)."""
    rows = [{"setl_id": "E1", "field": "act_pay_dedc", "recorded": "200.00", "expected": "0.00", "clause": "攀枝花 第八条"}]
    (c,) = _classes(_with_status(tmp_path / "d.parquet", rows, {"E1": "none_exclusion"})).values()
    assert (c["cls"], c["name"], c["clauses"]) == ("barred_dedc", "统筹基金不予支付却计入起付线", "攀枝花 第八条")
    # under a paying status the same row is the deductible counted per visit
    assert set(_classes(_with_status(tmp_path / "d2.parquet", rows, {"E1": "ordinary"}))) == {"dedc_high"}


def test_a_reversal_of_a_barred_settlement_is_classed_by_what_it_says_of_it(tmp_path):
    # E1 paid 150.00 and its reversal R1 gave back only 100.00 (expected: −0.00 of a settlement that paid
    # nothing): R1 says E1 paid where it may not; the pair leaves the fund 150 − 100 = 50.00 overpaid
    rows = E1 + [{"setl_id": "R1", "init_setl_id": "E1", "field": "hifp_pay", "recorded": "-100.00", "expected": "0.00",
                  "clause": "攀枝花 第八条；A-REVERSAL"}]
    classes = _classes(_with_status(tmp_path / "d.parquet", rows, {"E1": "none_exclusion", "R1": "none_exclusion"}))
    assert set(classes) == {"barred"}
    assert (classes["barred"]["settlements"], classes["barred"]["overpaid"]) == (2, 5000)


def test_a_discrepancy_file_without_the_status_keeps_the_other_classes(tmp_path):
    # as written before the status column: nothing is classed barred, and nothing fails
    assert set(_classes(_with_status(tmp_path / "d.parquet", E1, None))) == {"ratio_high"}


HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,exclusion,medfee_sumamt,act_pay_dedc,hifp_pay,"
          "pool_prop_selfpay,psn_part_amt,init_setl_id")


def _audited_classes(tmp_path, policy: str, rows: list[str], persons: list[dict] | None = None) -> dict[str, dict]:
    ledger, pfile = ledger_and_persons(tmp_path, HEADER, rows, persons)
    out = tmp_path / "out"
    code, _ = audit([str(ledger)], policy, f"{policy}-example", pfile, out=out)
    assert code == 1
    disc = out / "discrepancies.parquet"
    assert rollups.STATUS_COLUMN in pq.read_schema(disc).names  # the plan's compare writes it (conform/audit/plan.py)
    return _classes(disc)


def test_the_reviewers_exclusion_is_classed_as_paid_where_the_fund_may_not(tmp_path):
    # 攀枝花 第八条（三）: E1 expected 0.00, recorded 150.00 (the plan settles it: status none_exclusion)
    classes = _audited_classes(tmp_path, "panzhihua",
                               ["E1,E,1101,2023-03-01,11,tertiary,third_party,500.00,200.00,150.00,0.5000,350.00,"])
    assert set(classes) == {"barred"} and classes["barred"]["overpaid"] == 15000


def test_a_visit_during_a_hospital_stay_settled_by_the_reference_engine_is_classed_alike(tmp_path):
    # 吉林 六（三）住院期间不再享受普通门诊和门诊慢特病待遇 (A-JL-HOSPITAL-STAY: both ends included); a stay sends
    # the person to the reference engine (status none). 二级 1000.00 on 2023-05-15 during a stay 05-10..05-20:
    # expected 0.00; recorded (1000 − 200) × 55% = 440.00, as if there were no stay.
    classes = _audited_classes(tmp_path, "jilin",
                               ["H1,H,1101,2023-05-15,11,secondary,,1000.00,200.00,440.00,0.5500,560.00,"],
                               [{"psn_no": "H", "hospital_stays": [{"begin": "2023-05-10", "end": "2023-05-20"}]}])
    assert set(classes) == {"barred"} and classes["barred"]["overpaid"] == 44000


def test_a_reversal_settled_by_the_reference_engine_takes_its_settlements_status(tmp_path):
    # as above, H1 reversed by R1 as recorded (−440.00, expected −0.00): the pair nets to nothing, and both
    # say the fund paid where it may not (the reference engine's reversal is status 'reversal' itself: the
    # class reads the status of the settlement it reverses)
    classes = _audited_classes(tmp_path, "jilin",
                               ["H1,H,1101,2023-05-15,11,secondary,,1000.00,200.00,440.00,0.5500,560.00,",
                                "R1,H,1101,2023-05-16,11,secondary,,-1000.00,-200.00,-440.00,0.5500,-560.00,H1"],
                               [{"psn_no": "H", "hospital_stays": [{"begin": "2023-05-10", "end": "2023-05-20"}]}])
    assert set(classes) == {"barred"}
    assert (classes["barred"]["settlements"], classes["barred"]["overpaid"]) == (2, 0)
