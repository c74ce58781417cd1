"""A failed check rests on a named reading only where that reading bears on the figure that differs (rvendor8 D2).

- A remote visit left in a property's example (shrinking stopped at its time limit) is settled by A-REMOTE-SAME
  "文件未对异地就医单独规定待遇标准的，异地就医按参保地标准结算，与本地就诊共用起付线和年度限额"
  (conform/reference/policies/common.yaml): the same visit made locally is settled to the same figures, so a deductible
  skipped at a pharmacy does not rest on it. 攀枝花's unfiled remote visit is paid at the region's ratio
  (A-PZH-REMOTE-UNFILED: 第七条 fixes the standard only for filed persons): that reading does change the payment, and stays.
- A part of the fund payment filed under another benefit (the sum right) is no amount a reading computed: neither the
  rounding of the payment (A-ROUND-FEN) nor the chronic deductible's or cap's readings; the reading deciding which
  benefit pays the visit (吉林 一 A-JL-PHARMACY-CHRONIC: a chronic purchase at a pharmacy is paid as chronic) stays.
"""
from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from conform.harness.generators import Setting
from conform.harness.properties import load
from conform.harness.properties.base import PROPERTIES, PropertyViolation, Story, mismatch, traced_blame
from conform.harness.report.causes import blame
from conform.reference.case import Person, Settlement

# 北京 (五), beijing-example 在职: 起付线 1800, 定点零售药店 70%. A remote pharmacy purchase of 100.00 counts all of it to
# the deductible (100 < 1800) and the fund pays 0.00; a system skipping the deductible pays 100 × 70% = 70.00, and the
# deductible property says the fund paid before the year's deductible was used up.
BOUND = "0.00（本年起付线1800.00，各次本次起付线累计仅0.00）"


def _violation(setting: Setting, person: Person, visit: Settlement, expected: str, actual: str) -> PropertyViolation:
    load()
    return PropertyViolation("起付线尚未用完，统筹基金已经支付", [mismatch("hifp_pay", expected, actual, visit.id)],
                             [Story.of(setting, person, [visit], "起付线")])


def test_a_remote_visit_the_difference_does_not_need_names_no_remote_reading():
    setting = Setting("beijing", "beijing-example")
    visit = Settlement("V1", dt.date(2023, 3, 1), "41", "pharmacy", Decimal("100.00"), remote=True)
    e = _violation(setting, Person("R1", "1101", birth_date=dt.date(1980, 1, 1)), visit, BOUND, "70.00")
    tags, named, trace = traced_blame(e, "beijing", [f"beijing-{a}" for a in PROPERTIES["deductible"].clauses["beijing"]])
    assert any(t["step"] == "异地就医" for t in trace)  # the visit is remote, and its working says so
    assert "A-REMOTE-SAME" not in named, named
    assert tags == ["beijing-5"], tags


def test_a_remote_reading_that_changes_the_payment_stays():
    # 攀枝花 在职, not filed, 三级 1000.00 outside the city: 起付线 200, then the region's unfiled ratio 40% (given here):
    # (1000 − 200) × 40% = 320.00, where a local visit would be paid (1000 − 200) × 50% = 400.00 (第七条 三级50%). A
    # system skipping the deductible pays 1000 × 40% = 400.00 before the year's 200 is used up.
    from conform.harness.properties.base import place_readings_that_bear

    setting = Setting("panzhihua", "panzhihua-example", (("ordinary.ratio.remote_unfiled", "0.40"),))
    visit = Settlement("V1", dt.date(2023, 3, 1), "11", "tertiary", Decimal("1000.00"), remote=True)
    person = Person("R2", "1101", birth_date=dt.date(1980, 1, 1))
    e = _violation(setting, person, visit, "0.00（本年起付线200.00，各次本次起付线累计仅0.00）", "400.00")
    _, named, _ = traced_blame(e, "panzhihua", ["panzhihua-7"])
    assert "A-PZH-REMOTE-UNFILED" in named, named
    # … and where only the step about the place cited it, the same visit made local is paid otherwise (400.00, not
    # 320.00): it changes the payment, so it stays
    place_only = {"V1": [{"step": "异地未备案", "clause": "攀枝花 第七条；A-PZH-REMOTE-UNFILED"},
                         {"step": "支付比例", "clause": "攀枝花 第七条", "value": "320.00"}]}
    root = {"field": "hifp_pay", "item": "V1", "expected": "320.00", "actual": "400.00"}
    assert place_readings_that_bear(["A-PZH-REMOTE-UNFILED"], root, e.stories, place_only) == ["A-PZH-REMOTE-UNFILED"]


# 吉林 二（五）: an emergency visit follows the inpatient rules; 二级 起付标准 500, 500.01 leaves 0.01, × 85% = 0.0085,
# rounded half up to 0.01 (A-ROUND-FEN). The trace below is written out by hand in the reference's shape.
EMERGENCY = [{"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "500.01"},
             {"step": "待遇路径", "clause": "吉林 二(五)"},
             {"step": "起付线（参照住院）", "clause": "吉林 二(五)；A-JL-EMERGENCY-DEDUCTIBLE", "value": "500.00"},
             {"step": "住院比例和限额", "clause": "吉林 二(五)；A-ROUND-FEN", "value": "0.01", "rounded": True,
              "rounding_unit": "0.01"}]


def _evidence(system_hifp: str) -> list[dict]:
    """A platform 2207 answer (its own mdtrt_id, not the item's) and the reference's settlement of V1."""
    return [{"operation": "2207 门诊结算", "request": {"infno": "2207", "input": {"data": {"mdtrt_id": "MD1"}}},
             "response": {"infcode": 0, "output": {"setlinfo": {"mdtrt_id": "MD1", "hifp_pay": system_hifp}}}},
            {"operation": "settle", "request": {"psn_no": "J1", "id": "V1"},
             "response": {"id": "V1", "hifp_pay": "0.01", "inpatient_pay": "0.01", "ordinary_pay": "0.00"}}]


def test_a_fen_filed_under_ordinary_pooling_does_not_rest_on_rounding():
    # The system pays the 0.01 but files it as ordinary_pay: its hifp_pay 0.01 is the reference's, inpatient_pay 0.00
    found = [{"field": "inpatient_pay", "expected": "0.01", "actual": "0.00", "item": "V1"}]
    tags, named = blame(found, {"V1": EMERGENCY}, "jilin", _evidence("0.01"))
    assert (tags, named) == (["jilin-2.5"], []), (tags, named)
    # … while a system whose payment is a fen short (hifp_pay 0.00 too: rounded down) disagrees with A-ROUND-FEN
    tags, named = blame(found, {"V1": EMERGENCY}, "jilin", _evidence("0.00"))
    assert named == ["A-ROUND-FEN"], named


# 吉林 一、二（三）, jilin-example: a chronic purchase at a pharmacy the region takes in, 1660.24: chronic 起付线 200
# (A-JL-RETIREE-DEDUCTIBLE for the standard), (1660.24 − 200) × 70% = 1022.168 → 1022.17 under the disease's cap
# (A-JL-CHRONIC-CAP-PER-DISEASE).
CHRONIC = [{"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "1660.24"},
           {"step": "药店配药", "clause": "吉林 一；A-JL-PHARMACY-CHRONIC"},
           {"step": "慢特病起付线", "clause": "吉林 二(三)；吉林 二（二）；A-JL-RETIREE-DEDUCTIBLE", "value": "200.00"},
           {"step": "慢特病限额", "clause": "吉林 二(三)；A-JL-CHRONIC-CAP-PER-DISEASE"},
           {"step": "慢特病支付", "clause": "吉林 二(三)；A-ROUND-FEN", "value": "1022.17", "rounded": True,
            "rounding_unit": "0.01"}]


def test_a_chronic_payment_reported_as_ordinary_rests_only_on_the_reading_that_routes_it():
    moved = [{"field": "ordinary_pay", "expected": "0.00", "actual": "1022.17", "item": "V1"},
             {"field": "chronic_pay", "expected": "1022.17", "actual": "0.00", "item": "V1"}]
    _, named = blame(moved, {"V1": CHRONIC}, "jilin")
    assert named == ["A-JL-PHARMACY-CHRONIC"], named
    # a chronic payment a fen short (1022.168 rounded down; the fund's total a fen short with it) is the rounding's
    short = [{"field": "chronic_pay", "expected": "1022.17", "actual": "1022.16", "item": "V1"},
             {"field": "hifp_pay", "expected": "1022.17", "actual": "1022.16", "item": "V1"}]
    _, named = blame(short, {"V1": CHRONIC}, "jilin")
    assert named == ["A-ROUND-FEN"], named


def test_an_unshrunk_counterexample_says_it_is_not_fully_shrunk():
    from conform.harness.properties.runner import Budget, _reported
    from conform.harness.results import CheckResult

    load()
    prop = PROPERTIES["deductible"]
    setting = Setting("beijing", "beijing-example")
    visit = Settlement("V1", dt.date(2023, 3, 1), "41", "pharmacy", Decimal("100.00"), remote=True)
    e = _violation(setting, Person("R3", "1101", birth_date=dt.date(1980, 1, 1)), visit, BOUND, "70.00")
    budget = Budget(2.0)
    budget.first = time.monotonic() - 10  # the first failure 10 s ago: the 2 s of shrinking were spent
    ch = CheckResult(nodeid="p::deductible[beijing]", kind="property", name="起付线", policy="beijing")
    _reported(e, prop, "beijing", budget, ch)
    assert "反例未完全缩减" in ch.message and "not fully shrunk" in ch.message, ch.message
    assert ch.extra.get("shrunk") is False
    assert "A-REMOTE-SAME" not in (ch.extra.get("rests_on") or []), ch.extra
