"""攀枝花's retiree credit is traced as its two rules: the product, and the rounding to the yuan (rmut4 D6).

攀枝花 第四条（二）: 退休人员……个人账户按攀枝花市城镇职工基本养老保险2022年度基本养老金平均水平的2%定额计入
(以“元”为单位四舍五入). 第十二条: 人力资源社会保障部门负责提供2022年度攀枝花市职工退休人员月平均养老金数据
(the average itself; the example region panzhihua-example supplies 2825.00, fictitious). The credit was one trace
step citing both articles, so a system that used the right average but kept the credit to the fen (56.50) was
blamed on 第十二条 too, and the article matrix marked it failed. The product rests on both articles, the
rounding on 第四条 alone.
"""
from __future__ import annotations

from typing import Any, Callable
from unittest import mock

from conform.harness.adapters.base import OPERATIONS, Adapter
from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.report.causes import blame
from conform.reference import account
from conform.reference.account import credit_month
from conform.reference.case import CreditRequest, parse_person
from conform.reference.engine import rules_for
from conform.reference.money import round_fen


def _credit(average: str) -> tuple[str, list[dict]]:
    rules = rules_for("panzhihua", "panzhihua-example", {"account.retiree.average_pension": average})
    retiree = parse_person({"psn_no": "PZH-R", "psn_type": "1201"}, "implF")
    c = credit_month(rules, retiree, CreditRequest("2023-03"))
    return str(c.amount), c.trace.render()


def test_the_product_and_the_rounding_are_two_steps_citing_their_own_articles():
    # 2825.00 × 2% = 56.50 → 以“元”为单位四舍五入 = 57 (the example region's figure, chosen to land on half a yuan)
    amount, trace = _credit("2825.00")
    assert amount == "57.00"
    product, rounding = trace
    assert (product["value"], product["clause"]) == ("56.50", "攀枝花 第四条；攀枝花 第十二条")
    assert (rounding["step"], rounding["value"], rounding["clause"]) == ("退休人员定额", "57.00", "攀枝花 第四条")
    assert "2825.00" in product["detail"] and "2%" in product["detail"]
    assert "56.50" in rounding["detail"] and "四舍五入" in rounding["detail"]


def test_the_product_is_shown_unrounded():
    """2824.99 × 2% = 56.4998 → 四舍 56: held to the fen the product read 56.50, and "56.50 … 四舍五入 = 56.00"
    contradicted itself."""
    amount, (product, rounding) = _credit("2824.99")
    assert amount == "56.00"
    assert product["value"] == "56.4998" and "= 56.4998元" in product["detail"]
    assert rounding["detail"].startswith("56.4998元") and rounding["value"] == "56.00"
    # 3174.50 × 2% = 63.49 (exact to the fen) → 63
    amount, (product, _) = _credit("3174.50")
    assert (amount, product["value"]) == ("63.00", "63.49")


def test_a_credit_kept_to_the_fen_is_blamed_on_article_4_alone():
    """2825.00 × 2% = 56.50 answered 56.50 (not rounded to the yuan), 57.00 expected: the average was right,
    the rounding 第四条（二） requires was not done."""
    _, trace = _credit("2825.00")
    wrong = [{"field": "amount", "expected": "57.00", "actual": "56.50", "item": "2023-03", "label": "个人账户计入"}]
    assert blame(wrong, {"2023-03": trace}, "panzhihua") == (["panzhihua-4"], [])
    # a product already whole (2850.00 × 2% = 57.00) shows 57.00 at both steps: 57.50 is no rounding of it (rclose10
    # D3: neither the product nor a whole yuan less than a yuan from it), so the product's, 第四条；第十二条
    _, whole = _credit("2850.00")
    wrong = [{"field": "amount", "expected": "57.00", "actual": "57.50", "item": "2023-03", "label": "个人账户计入"}]
    assert blame(wrong, {"2023-03": whole}, "panzhihua") == (["panzhihua-4", "panzhihua-12"], [])


# --------------------------------------------------------------------------- a system answering the unrounded credit


class CreditToFen(Adapter):
    """rmut4's twin pzh_credit_not_yuan in process: the reference with round_yuan kept to the fen while it
    answers (never while the oracle does)."""

    name = "credit-to-fen"
    supports = frozenset(OPERATIONS)

    def __init__(self) -> None:
        self.inner = ReferenceAdapter()


def _operation(op: str) -> Callable[..., Any]:
    def call(self: CreditToFen, *a: Any, **k: Any) -> Any:
        with mock.patch.object(account, "round_yuan", round_fen):
            return getattr(self.inner, op)(*a, **k)
    return call


for _op in OPERATIONS:
    setattr(CreditToFen, _op, _operation(_op))


def test_scenarios_against_a_system_answering_the_unrounded_credit_fail_article_4_not_12():
    from conform.harness.report.model import build
    from conform.harness.run import execute

    run, _ = execute(adapter=f"python:{__name__}:CreditToFen", articles=("panzhihua-4",), tag="not conform_property")
    report = build(run)
    failed = [c for c in report["checks"] if c["status"] == "failed"]
    # the 第04条 outline (feature line 62): 2825.00 → 57 (answered 56.50), 2824.99 → 56 (56.50), 2775.00 → 56 (55.50),
    # 2725.00 → 55 (54.50), 2724.99 → 54 (54.50), 3174.50 → 63 (63.49); 2850.00 → 57 is whole and passes
    row = [c for c in failed if "平均养老金=2825.00" in c["name"]]
    assert row, [(c["name"], c["status"]) for c in report["checks"]]
    assert not [c for c in report["checks"] if "平均养老金=2850.00" in c["name"] and c["status"] != "passed"]
    assert row[0]["mismatches"][0]["expected"] == "57.00" and row[0]["mismatches"][0]["actual"] == "56.50"
    for c in failed:
        assert c["failed_articles"] == ["panzhihua-4"], (c["name"], c["failed_articles"])
    matrix = {r["tag"]: r["result"] for r in report["matrix"] if r["policy"] == "panzhihua"}
    assert matrix["panzhihua-4"] == "failed" and matrix.get("panzhihua-12") != "failed", matrix
    cause = next(k for k in report["causes"] if row[0]["id"] in k["checks"])
    assert (cause["step"], cause["clause"]) == ("退休人员定额", "攀枝花 第四条"), cause["headline"]

