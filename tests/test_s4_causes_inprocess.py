"""Causes of an in-process (python:) system: a copy of the reference with one mutation, as a vendor's plugin.

Review s4 (a copy of the reference engine with one mutation, run as `--adapter python:mutadapter:MutAdapter`):
(1) a 吉林 chronic purchase at a pharmacy the region has not taken in, paid by the system (benefits.py
`pharmacy_not_taken_in` ignored), was blamed on 二（二）: V1's expected deductible is 0.00, no step of V1's
trace computes it, and blame took 二（二）from V2, whose deductible differs only because of V1. V1's trace
cites 吉林 一 alone. (2) A wrong retiree ratio (浙江) read "统筹基金支付（hifp_pay）在‘年度最高支付限额’一步不符":
the system's figures were read from an HTTP 2206/2207 envelope only, and an in-process adapter records its
answers as the reference adapter does (operation settle, request {psn_no, id}), just before the oracle's.
(4) A 吉林 discharge-day visit (expected 0.00, no step matched) left out A-JL-HOSPITAL-STAY; an account
credit's refusal was put at 结算受理.

The systems here are the reference engine itself, patched only while the system (never the oracle) answers.
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable
from unittest import mock

from conform.harness.adapters.base import OPERATIONS, Adapter
from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.report.causes import blame, figures, group
from conform.reference import benefits
from conform.reference.case import Period


class _Twin(Adapter):
    """The reference as a separate system (not a ReferenceAdapter, so the scenarios run the oracle beside
    it), with `mutation()` in force while it answers. It records its evidence as the reference adapter does."""

    supports = frozenset(OPERATIONS)
    mutation: Callable[[], Any] = staticmethod(contextlib.nullcontext)

    def __init__(self) -> None:
        self.inner = ReferenceAdapter()


def _operation(op: str) -> Callable[..., Any]:
    def call(self: _Twin, *a: Any, **k: Any) -> Any:
        with type(self).mutation():
            return getattr(self.inner, op)(*a, **k)
    return call


for _op in OPERATIONS:
    setattr(_Twin, _op, _operation(_op))


class PharmacyTwin(_Twin):
    """吉林: pays a chronic purchase at a pharmacy the region has not taken in (`if False:` for the check)."""

    name = "pharmacy-twin"
    mutation = staticmethod(lambda: mock.patch.object(benefits, "pharmacy_not_taken_in", lambda rules: None))


_ratio = benefits.ordinary_ratio


class RetireeTwin(_Twin):
    """Every person at the retiree ratio (the sample system's retiree_ratio_for_in_service, in process)."""

    name = "retiree-twin"
    mutation = staticmethod(lambda: mock.patch.object(
        benefits, "ordinary_ratio", lambda rules, role, facility: _ratio(rules, "retiree", facility)))


class DischargeTwin(_Twin):
    """A hospital stay that ends the day before its discharge day (the discharge day paid as outpatient)."""

    name = "discharge-twin"
    mutation = staticmethod(lambda: mock.patch.object(
        Period, "__contains__", lambda self, d: self.begin <= d < self.end))


def _run(twin: type, **kw: Any) -> tuple[Any, dict]:
    from conform.harness.report.model import build
    from conform.harness.run import execute

    run, _ = execute(adapter=f"python:{__name__}:{twin.__name__}", **kw)
    return run, build(run)


def _cause_of(report: dict, check_id: str) -> dict:
    return next(c for c in report["causes"] if check_id in c["checks"])


# --------------------------------------------------------------------------- (1) the root item's article


def test_a_paid_pharmacy_purchase_the_region_has_not_taken_in_fails_jilin_1_not_2_2():
    run, report = _run(PharmacyTwin, articles=("jilin-1",), tag="not conform_property")
    paid = [c for c in report["checks"] if c["status"] == "failed" and c["path"].endswith("一_定点机构范围.feature")
            and any((m["item"], m["field"], m["expected"]) == ("V1", "act_pay_dedc", "0.00") for m in c["mismatches"])]
    assert paid, [(c["name"], c["status"]) for c in report["checks"]]
    for c in paid:
        # the reference's V1 rests on 吉林 一 (定点零售药店 … 不予支付) and, being a chronic purchase, on the reading
        # that 二（三）does not pay it there (A-JL-PHARMACY-CHRONIC, probe s27 H2 F7); V2 differs only because of V1
        assert c["failed_articles"] == ["jilin-1"], (c["name"], c["failed_articles"])
        cause = _cause_of(report, c["id"])
        assert cause["articles"] == ["jilin-1"] and cause["clause"] == "吉林 一；A-JL-PHARMACY-CHRONIC", cause["headline"]


V1_TRACE = [{"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "1000.00"},
            {"step": "定点零售药店", "clause": "吉林 一",
             "detail": "本统筹区未将定点零售药店纳入门诊保障范围（地区配置未提供药店比例），药店购药统筹基金不予支付"}]
V2_TRACE = [{"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "1000.00"},
            {"step": "慢特病起付线", "clause": "吉林 二（二）", "value": "200.00"},
            {"step": "慢特病支付", "clause": "吉林 二(三)", "value": "560.00"}]
PAID = [{"field": "act_pay_dedc", "expected": "0.00", "actual": "200.00", "item": "V1", "label": "本次起付线"},
        {"field": "hifp_pay", "expected": "0.00", "actual": "560.00", "item": "V1", "label": "统筹基金支付"},
        {"field": "act_pay_dedc", "expected": "200.00", "actual": "0.00", "item": "V2", "label": "本次起付线"},
        {"field": "hifp_pay", "expected": "560.00", "actual": "700.00", "item": "V2", "label": "统筹基金支付"}]


def test_unit_blame_stops_at_the_root_item_and_falls_back_to_its_trace():
    assert blame(PAID, {"": V1_TRACE, "V1": V1_TRACE, "V2": V2_TRACE}, "jilin") == (["jilin-1"], [])
    check = {"id": "c1", "status": "failed", "kind": "scenario", "document": "吉林", "articles": ["jilin-1"],
             "path": "features/jilin/x.feature", "trace": V1_TRACE, "message": "", "extra": {}, "mismatches": PAID}
    [cause] = group([check], {})
    assert (cause["field"], cause["clause"]) == ("act_pay_dedc", "吉林 一"), cause["headline"]


# --------------------------------------------------------------------------- (2) the system's figures in process


def test_an_in_process_systems_wrong_ratio_is_put_at_the_ratio_not_the_cap():
    run, report = _run(RetireeTwin, articles=("zhejiang-2.1",), tag="not conform_property")
    paid = [c for c in report["checks"] if c["status"] == "failed"
            and [m["field"] for m in c["mismatches"]] == ["hifp_pay"]
            and any(t.get("step") == "年度最高支付限额" for t in c["trace"])]
    assert paid, [(c["name"], c["status"]) for c in report["checks"]]
    for c in paid:
        cause = _cause_of(report, c["id"])
        assert cause["step"] == "支付比例", cause["headline"]
        # the cause names every field differing at that step (the ratio, where other scenarios compare it; s12 D7)
        assert "统筹基金支付（hifp_pay）" in cause["headline"].split("在“")[0], cause["headline"]
        assert "在“支付比例”一步不符" in cause["headline"], cause["headline"]


def _settled(psn: str, item: str, answer: dict, op: str = "settle") -> dict:
    return {"operation": op, "request": {"psn_no": psn, "id": item}, "response": {"id": item, **answer}}


def test_unit_of_two_entries_in_a_row_the_first_is_the_systems_and_one_alone_the_references():
    mine, theirs = {"pool_prop_selfpay": "0.6500"}, {"pool_prop_selfpay": "0.6000"}
    pair = [_settled("P", "V1", mine), _settled("P", "V1", theirs)]
    assert figures(pair, "V1") == ({"id": "V1", **mine}, {"id": "V1", **theirs})
    assert figures(pair[1:], "V1") == ({}, {"id": "V1", **theirs})  # the reference (or an adapter recording nothing)
    # the same id for two persons (a property's two stories) is no pair: neither is the system's answer
    assert figures([_settled("P1", "V1", mine), _settled("P2", "V1", theirs)], "V1")[0] == {}
    # a presettle and then a settle, each asked of both: the settle's answers
    both = [_settled("P", "V1", {"x": "1"}, "presettle"), _settled("P", "V1", {"x": "2"}, "presettle"),
            _settled("P", "V1", mine), _settled("P", "V1", theirs)]
    assert figures(both, "V1") == ({"id": "V1", **mine}, {"id": "V1", **theirs})


# --------------------------------------------------------------------------- (4) steps and readings


def test_a_discharge_day_paid_as_outpatient_rests_on_the_hospital_stay_reading():
    day = "2023-05-20"  # 住院 2023-05-10 至 2023-05-20, both days in (六（三）_做好政策衔接.feature)
    run, report = _run(DischargeTwin, articles=("jilin-6.3",), tag="not conform_property")
    paid = [c for c in report["checks"] if c["status"] == "failed" and day in c["name"]]
    assert paid, [(c["name"], c["status"]) for c in report["checks"]]
    for c in paid:
        cause = _cause_of(report, c["id"])
        assert "A-JL-HOSPITAL-STAY" in cause["clause"], cause
        assert c["extra"].get("rests_on") == ["A-JL-HOSPITAL-STAY"], c["extra"]


def test_a_credits_refusal_is_put_at_the_credit_and_a_uses_at_the_use():
    def check(item: str, expected: str) -> dict:
        return {"id": item, "status": "failed", "kind": "scenario", "document": "攀枝花", "articles": ["panzhihua-5"],
                "path": "features/panzhihua/x.feature", "trace": [], "message": "", "extra": {},
                "mismatches": [{"field": "infcode", "expected": expected, "actual": "计入成功", "item": item}]}

    [cause] = group([check("2028-01", "拒绝计入")], {})
    assert cause["step"] == "个人账户计入", cause["headline"]
    [cause] = group([check("本人·购药", "拒绝（infcode ≠ 0）")], {})
    assert cause["step"] == "个人账户使用", cause["headline"]
    [cause] = group([check("V1", "拒绝结算")], {})
    assert cause["step"] == "结算受理", cause["headline"]
