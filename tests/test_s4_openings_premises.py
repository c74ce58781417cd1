"""One behaviour for an opening balance nobody gave: the harness's reference keeps it unknown at a credit, as
`conform settle` does (a credit added to a balance nobody gave is not a balance), so a scenario checking a
balance states its opening one (`参保人个人账户余额为 0.00 元`, docs/steps.md) instead of assuming a new
account at 0.00.

Figures (zhejiang-example, in-service 2% of the base): 2023-03 base 8000.00 → 8000.00 × 2% = 160.00.
"""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from conform.harness.adapters.base import Subject
from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.run import CONFORMANCE, execute
from conform.reference.case import CreditRequest, Person, parse_case
from conform.reference.engine import compute_case

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ROOT / "features"
CREDIT = CreditRequest("2023-03", base=Decimal("8000.00"))


def _reference(balance: str | None) -> ReferenceAdapter:
    ref = ReferenceAdapter()
    person = Person(psn_no="P1", psn_type="1101", acct_balance=Decimal(balance) if balance else None)
    ref.prepare_person(Subject("zhejiang", person, "zhejiang-example", {}))
    return ref


def test_the_reference_adapter_keeps_an_unknown_opening_balance_unknown_at_a_credit():
    ref = _reference(None)
    assert ref.credit_month("P1", CREDIT)["amount"] == "160.00"  # the credit is computed ...
    assert "acct_balance" not in ref.query_ytd("P1", 2023)  # ... but makes no balance
    use = ref.check_account_use("P1", "child", "pharmacy_selfpay", "200.00")
    assert use["decision"] == "allowed" and "期初余额未知" in use["reason"]  # not refused for want of a balance


def test_the_reference_adapter_and_conform_settle_agree_on_an_unknown_opening_balance():
    case = parse_case({"policy": "zhejiang", "region": "zhejiang-example",
                       "person": {"psn_no": "P1", "psn_type": "1101"},
                       "account_credits": [{"month": "2023-03", "base": "8000.00"}]})
    assert "acct_balance" not in compute_case(case, with_trace=False)
    ref = _reference(None)
    ref.credit_month("P1", CREDIT)
    assert "acct_balance" not in ref.query_ytd("P1", 2023)


def test_a_stated_opening_balance_grows_by_the_credit():
    ref = _reference("0.00")
    ref.credit_month("P1", CREDIT)
    assert ref.query_ytd("P1", 2023)["acct_balance"] == "160.00"  # 0.00 + 160.00


def test_the_ledger_takes_no_credit_opens_switch():
    from conform.reference.engine import PersonLedger, rules_for

    with pytest.raises(TypeError):
        PersonLedger(rules_for("zhejiang", "zhejiang-example"), Person(psn_no="P1", psn_type="1101"),
                     credit_opens=True)


STEP = re.compile(r"^\s*(假如|当|那么|并且|而且|但是|同时)\s+(.*)$")
BLOCK = re.compile(r"^\s*(背景|场景大纲|场景|例子)\s*[:：]")


def _scenarios(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, name, steps with the background's) of each scenario in a zh-CN feature file."""
    background: list[str] = []
    out: list[tuple[int, str, list[str]]] = []
    current: list[str] | None = None
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if m := BLOCK.match(line):
            if m.group(1) == "背景":
                current = background
            elif m.group(1) == "例子":
                current = None
            else:
                current = []
                out.append((n, line.split(":", 1)[-1].split("：", 1)[-1].strip(), current))
        elif (m := STEP.match(line)) and current is not None:
            current.append(m.group(2))
    return [(n, name, background + steps) for n, name, steps in out]


def test_every_scenario_checking_the_balance_states_the_opening_balance():
    """A balance after credits, settlements and uses is the opening balance and what moved it: the opening is
    a premise (`参保人个人账户余额为 … 元`, or `参保人未建立个人账户`: no account holds nothing)."""
    missing = []
    for path in sorted(FEATURES.rglob("*.feature")):
        for line, name, steps in _scenarios(path):
            if not any(s.startswith("个人账户余额为") for s in steps):
                continue
            if not any(s.startswith(("参保人个人账户余额为", "参保人未建立个人账户")) for s in steps):
                missing.append(f"{path.relative_to(ROOT)}:{line} {name}")
    assert missing == []


# The scenarios that assumed a new account at 0.00 until they stated it (8), by feature stem.
STATED = {
    "三（二）_扎实稳妥推进": ("城市配置的施行日期同样适用于个人账户计入",),
    "二（三）_改进个人账户计入办法": ("2023年起开始实施：2022年12月按改革前办法计入，拒绝按新办法计算",
                             "城市把施行日期提前到2022年，只提前普通门诊统筹，个人账户改革仍自2023年起",
                             "退休人员自2023年1月起按定额计入", "计入的金额进入账户余额，可用于规定的用途"),
    "四（六）_附则": ("施行前月份的个人账户按原有标准划入，拒绝按本细则计算",),
    "第19条_施行日期和有效期": ("个人账户计账办法自2023年1月起施行", "有效期末日的使用照常扣减余额，届满后的使用被拒绝且不扣减"),
}
ARTICLES = ("zhejiang-2.3", "nanchang-4.3.1", "panzhihua-4")


def _stated_checks(run) -> list:
    found = [c for c in run.checks if Path(c.feature_file or "").stem in STATED
             and c.name in STATED[Path(c.feature_file).stem]]
    assert len(found) == 8, [c.name for c in found]
    return found


def test_the_scenarios_stating_their_opening_balance_pass_against_the_reference():
    run, _ = execute(articles=ARTICLES, paths=(CONFORMANCE / "test_features.py",))
    assert [f"{c.status} {c.name}: {c.message[:300]}" for c in _stated_checks(run) if c.status != "passed"] == []


def test_the_scenarios_stating_their_opening_balance_pass_against_the_sample_system_over_http():
    from sample_server import SampleServer

    with SampleServer() as server:
        run, _ = execute(adapter=server.url, articles=ARTICLES, paths=(CONFORMANCE / "test_features.py",))
    assert [f"{c.status} {c.name}: {c.message[:300]}" for c in _stated_checks(run) if c.status != "passed"] == []

