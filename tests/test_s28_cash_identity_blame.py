"""A cash payment that only breaks psn_cash_pay = psn_part_amt − acct_pay blames no account article and rests on no
reading (probe s28/probeH3 F2).

A system rounding psn_cash_pay to the jiao (收费处抹分), acct_pay and psn_part_amt right, was blamed on the account-use
article (南昌 四（三）2) and said to rest on A-ACCOUNT-SELFPAY: the account paid what the reference pays, so neither its
article nor any reading of it decides the difference. The identity is the platform's 结算口径 (国家医保平台结算口径), which
no article decides: the failure is the visit's benefit's, as a figure parting at that 口径 is (plugin._blame_scenario),
resting on no reading. Where the system's acct_pay differs, or its answers are unknown, the account's split still is.
The twin is served from this file (`__main__`)."""
from __future__ import annotations

import sys
from decimal import ROUND_HALF_UP, Decimal

import pytest

from conform.fixtures.sample_system import defects as D
from conform.fixtures.sample_system import service as SV
from conform.harness.report.causes import CASH_CLAUSE, CASH_STEP, _step, blame
from conform.reference.money import fmt

_settle = SV.SampleSystem._settle


def _register() -> None:
    """The twin, registered only in the server's process: registered at import, it joined DEFECTS in every test
    process, and a test starting a server for each registered defect asked the plain sample system for it."""
    @D.defect("s28_cash_round_jiao", "个人现金支付四舍五入到角（收费处抹分），其余字段不变", "金额到分")
    def _round_jiao() -> None:
        def settle(self, data, commit):
            out = _settle(self, data, commit)
            si = out["setlinfo"]
            si["psn_cash_pay"] = fmt(Decimal(si["psn_cash_pay"]).quantize(Decimal("0.1"), ROUND_HALF_UP)
                                     .quantize(Decimal("0.01")))
            return out
        SV.SampleSystem._settle = settle


TRACE = [{"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "430.00"},
         {"step": "起付线", "clause": "攀枝花 第七条", "value": "200.00"},
         {"step": "支付比例", "clause": "攀枝花 第七条", "value": "115.00"},
         {"step": "个人账户支付", "clause": "攀枝花 第五条；A-ACCOUNT-SELFPAY", "value": "300.00"}]
CASH = {"field": "psn_cash_pay", "expected": "15.02", "actual": "15.00", "item": "V1"}


def _answers(system: dict, reference: dict | None = None) -> list[dict]:
    """A scenario's evidence: the system's answer, then the reference's (same operation and request)."""
    out = [{"operation": "settle", "request": {"psn_no": "P", "id": "V1"}, "response": system}]
    if reference is not None:
        out.append({"operation": "settle", "request": {"psn_no": "P", "id": "V1"}, "response": reference})
    return out


def test_cash_off_with_the_part_and_the_account_right_is_the_identity_not_the_account():
    evidence = _answers({"psn_part_amt": "315.02", "acct_pay": "300.00", "psn_cash_pay": "15.00"},
                        {"psn_part_amt": "315.02", "acct_pay": "300.00", "psn_cash_pay": "15.02"})
    # the platform's 口径 and the settlement's own article (its benefit's), no account article, no reading
    assert _step(CASH, TRACE, evidence) == (CASH_STEP, f"{CASH_CLAUSE}；攀枝花 第七条")
    assert blame([CASH], {"V1": TRACE}, "panzhihua", evidence) == (["panzhihua-7"], [])


def test_a_property_s_evidence_the_system_s_alone_reads_the_reference_from_its_working():
    # the account step paid 300.00, so the reference's part is 15.02 + 300.00
    evidence = [{"operation": "2207", "request": {"infno": "2207", "input": {"data": {"mdtrt_id": "V1"}}},
                 "response": {"output": {"setlinfo": {"psn_part_amt": "315.02", "acct_pay": "300.00",
                                                      "psn_cash_pay": "15.00"}}}}]
    assert blame([CASH], {"V1": TRACE}, "panzhihua", evidence) == (["panzhihua-7"], [])


@pytest.mark.parametrize("system", [
    {"psn_part_amt": "315.02", "acct_pay": "0.00", "psn_cash_pay": "315.00"},   # the account paid nothing: its split
    {"psn_part_amt": "315.02", "psn_cash_pay": "15.00"},                         # acct_pay not answered: unknown
])
def test_cash_off_with_the_account_wrong_or_unknown_is_still_the_account_split(system):
    evidence = _answers(system, {"psn_part_amt": "315.02", "acct_pay": "300.00", "psn_cash_pay": "15.02"})
    assert blame([CASH], {"V1": TRACE}, "panzhihua", evidence) == (["panzhihua-5"], ["A-ACCOUNT-SELFPAY"])


@pytest.fixture(scope="module")
def jiao_url():
    from sample_server import twin_servers

    with twin_servers(__file__, ("s28_cash_round_jiao",)) as urls:
        yield urls["s28_cash_round_jiao"]


@pytest.mark.parametrize("prop", ["money_identities", "differential"])
def test_a_cash_figure_rounded_to_the_jiao_blames_the_visit_s_benefit_resting_on_no_reading(jiao_url, prop):
    from property_runs import seeded_property

    c = seeded_property(jiao_url, "nanchang", prop, 1, 20)
    assert c.status == "failed", (c.status, c.message[:400])
    assert "现金支付 (psn_cash_pay)" in c.message, c.message[:400]
    assert c.failed_articles and "nanchang-4.3.2" not in c.failed_articles, c.failed_articles
    assert set(c.failed_articles) <= {"nanchang-4.2.1", "nanchang-4.2.2"}, c.failed_articles
    assert "A-ACCOUNT-SELFPAY" not in (c.extra.get("rests_on") or []), c.extra.get("rests_on")
    assert "A-ACCOUNT-SELFPAY" not in (c.extra.get("assumptions") or []), c.extra.get("assumptions")


if __name__ == "__main__":
    from sample_server import serve_twin

    _register()
    sys.exit(serve_twin(sys.argv[1:]))
