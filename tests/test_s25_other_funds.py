"""Certification takes a system's other funds as it answers them (A-OTHER-FUNDS-AS-ANSWERED; probe s25 Z1).

浙江 二（二）"将慢性病、特殊疾病及普通门诊医疗费用中政策范围内的个人负担部分，纳入大病保险基金支付范围": a 浙江 system may
lawfully pay part of an ordinary visit's personal costs from 大病保险, and no document here sets that fund's rules (nor
those of 公务员医疗补助, 大额, 医疗救助…). Such a system answers fund_pay_sumamt = hifp_pay + O and a personal part lower
by O. The properties used to demand fund_pay_sumamt = hifp_pay and the reference's no-other-fund figures, failing it.
Now the reference's expectation for a story run on a system carries each settlement's answered O (base.take_other_funds):
hifp_pay, the deductible and the ratio are judged as before, 个人负担 / the account / cash after the other funds.

The systems are real HTTP servers in their own processes: twins of the sample system (the reference engine behind the
platform's wire), registered by a launcher written here, paying a 大病-like fund.
"""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest

from sample_server import SampleServer

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.generators import Setting
from conform.harness.properties import load
from conform.harness.properties.base import (OTHER_FUNDS, PROPERTIES, Context, Observed, PropertyViolation, Settle,
                                             Story, execute, mismatch, other_funds, reference_traces,
                                             take_other_funds)
from conform.harness.run import CONFORMANCE
from conform.harness.run import execute as run_suite
from conform.reference.case import Person, Settlement


# A 大病-like fund (fictional figures): once the year's policy-scope costs pass 500.00, it pays half of the visit's
# policy-scope personal part (inscp − hifp) above that line, rounded half up to the fen. `into_hifp` is the same system
# answering the fund's payment inside hifp_pay too (a vendor adding 大病 to 统筹基金支出). Every settlement it pays
# other funds for is logged to $TWIN_LOG, so the test knows the draws reached the fund.
LAUNCHER = '''
import os
import sys
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from conform.fixtures.sample_system import defects as D
from conform.reference import engine

_settle = engine.PersonLedger.settle
LINE, HALF, FEN = Decimal("500.00"), Decimal("0.5"), Decimal("0.01")


def big_illness(ledger, s, probe):
    before = sum((r.inscp_scp_amt for r, _ in ledger.settled.values() if r.date.year == s.date.year), Decimal(0))
    part = probe.inscp_scp_amt - probe.hifp_pay
    above = min(part, max(Decimal(0), before + probe.inscp_scp_amt - LINE))
    return (above * HALF).quantize(FEN, ROUND_HALF_UP)


def install(into_hifp):
    def settle(self, s, commit=True):
        probe = _settle(self, s, False)
        paid = big_illness(self, s, probe)
        if paid <= 0:
            return _settle(self, s, commit)
        with open(os.environ["TWIN_LOG"], "a", encoding="utf-8") as log:
            log.write(f"{s.id} {paid}\\n")
        result = _settle(self, replace(s, other_funds_pay=paid), commit)
        if into_hifp:
            result.hifp_pay += paid
        return result
    engine.PersonLedger.settle = settle


D.defect("big_illness", "大病保险支付普通门诊政策范围内个人负担的一部分", "浙江 二（二）")(lambda: install(False))
D.defect("big_illness_into_hifp", "大病保险支付额也计入统筹基金支付", "浙江 二（一）")(lambda: install(True))


if __name__ == "__main__":
    from conform.fixtures.sample_system.__main__ import main
    sys.exit(main(["--defect", sys.argv[1], *sys.argv[2:]]))
'''


def _twin(name: str):
    with tempfile.TemporaryDirectory(prefix="conform-s25-z1-") as tmp:
        script, paid = Path(tmp) / "twin.py", Path(tmp) / "paid"
        script.write_text(LAUNCHER, encoding="utf-8")
        paid.write_text("", encoding="utf-8")
        with SampleServer(script=script, script_args=(name,), env={**os.environ, "TWIN_LOG": str(paid)}) as server:
            yield server.url, paid


@pytest.fixture(scope="module")
def big_illness():
    yield from _twin("big_illness")


@pytest.fixture(scope="module")
def big_illness_into_hifp():
    yield from _twin("big_illness_into_hifp")


@pytest.fixture(autouse=True)
def _seeded_profile(monkeypatch):
    # --conform-seed 1 draws the same examples everywhere: CI=true would pick the derandomized `ci` profile
    monkeypatch.setenv("CONFORM_PROFILE", "conform")


def _checks(url: str) -> dict:
    run, _ = run_suite(adapter=url, policies=("zhejiang",), tag="conform_property",
                       paths=(CONFORMANCE / "test_properties.py",),
                       extra_args=("--conform-seed", "1", "--conform-examples", "25",
                                   "-k", "test_differential or test_money_identities"))
    return {c.extra.get("property"): c for c in run.checks}


def test_a_zhejiang_system_paying_big_illness_insurance_passes_the_identities_and_the_differential(big_illness):
    url, paid = big_illness
    checks = _checks(url)
    assert set(checks) == {"differential", "money_identities"}, checks
    for c in checks.values():
        assert c.status == "passed", (c.extra.get("property"), c.status, c.message[:600])
    # the draws did reach the fund: the system answered other funds on many settlements
    assert len(paid.read_text("utf-8").splitlines()) >= 5, paid.read_text("utf-8")


def test_a_system_counting_big_illness_into_the_pooled_fund_still_fails(big_illness_into_hifp):
    url, paid = big_illness_into_hifp
    checks = _checks(url)
    assert paid.read_text("utf-8").strip()
    diff = checks["differential"]
    assert diff.status == "failed", diff.message[:400]
    # hifp_pay is judged exactly as before: the reference's pooled payment against the one with 大病 in it
    assert "统筹基金支付 (hifp_pay): 应为" in diff.message, diff.message[:600]
    assert checks["money_identities"].status == "failed"  # the route split no longer adds up to hifp_pay


# --------------------------------------------------------------------------- the central place, by hand

def _story() -> Story:
    load()
    # 浙江, zhejiang-example: in service, deductible 600.00, 二级 60%; account balance 700.00 (2023: after the reform)
    person = Person("Z1", "1101", birth_date=dt.date(1980, 1, 1), acct_balance=Decimal("700.00"))
    visits = [Settlement("V1", dt.date(2023, 3, 1), "11", "secondary", Decimal("1000.00")),
              Settlement("V2", dt.date(2023, 4, 1), "11", "secondary", Decimal("100.00"))]
    return Story.of(Setting("zhejiang", "zhejiang-example"), person, visits, "其他基金")


def _answered(v1_fund: str, v2_fund: str = "60.00") -> Observed:
    """What a system answered (only the figures other funds are read from)."""
    return Observed("Z1", settled={"V1": {"hifp_pay": "240.00", "fund_pay_sumamt": v1_fund},
                                   "V2": {"hifp_pay": "60.00", "fund_pay_sumamt": v2_fund}})


def test_the_expectation_is_computed_after_the_answered_other_funds():
    story = _story()
    take_other_funds(story, _answered("320.00"))
    assert [s.other_funds_pay for s in story.settlements] == [Decimal("80.00"), Decimal("0")]
    want = execute(ReferenceAdapter(), story)
    v1, v2 = want.settled["V1"], want.settled["V2"]
    # V1: (1000 − 600) × 60% = 240.00 统筹 (as without other funds); other funds 320.00 − 240.00 = 80.00;
    # 基金支付总额 240 + 80 = 320.00; 个人负担 1000 − 320 = 680.00; the account pays min(680, 700) = 680.00, cash 0.00,
    # balance 700 − 680 = 20.00
    assert (v1["hifp_pay"], v1["act_pay_dedc"], v1["fund_pay_sumamt"], v1["psn_part_amt"], v1["acct_pay"],
            v1["psn_cash_pay"]) == ("240.00", "600.00", "320.00", "680.00", "680.00", "0.00")
    # V2 (no other fund): 100 × 60% = 60.00; 个人负担 40.00; the account carries 20.00 on: pays 20.00, cash 20.00.
    # (Without V1's other funds V1's account would have paid all 700.00 and V2's 40.00 would be all cash.)
    assert (v2["hifp_pay"], v2["fund_pay_sumamt"], v2["psn_part_amt"], v2["acct_pay"], v2["psn_cash_pay"]) == \
        ("60.00", "60.00", "40.00", "20.00", "20.00")
    assert want.ytd[2023]["acct_balance"] == "0.00"
    # the working says the other funds are the system's answer, by the reading
    [step] = [t for t in reference_traces([story])["V1"] if t.get("step") == "其他基金支付"]
    assert step["clause"] == OTHER_FUNDS and "按被测系统应答" in step["detail"], step


@pytest.mark.parametrize("fund", ["200.00",     # below hifp_pay 240.00: a negative "other fund"
                                  "1000.01",    # other funds 760.01 past the 760.00 the pool leaves of 1000.00
                                  "abc"])
def test_no_other_fund_is_taken_from_an_impossible_answer(fund):
    story = _story()
    take_other_funds(story, _answered(fund))
    assert [s.other_funds_pay for s in story.settlements] == [0, 0]
    # so the reference still expects 基金支付总额 = 统筹 240.00 and the answer fails on it
    assert execute(ReferenceAdapter(), story).settled["V1"]["fund_pay_sumamt"] == "240.00"


def test_the_largest_other_fund_taken_is_what_the_pool_leaves():
    s = Settlement("V1", dt.date(2023, 3, 1), "11", "secondary", Decimal("1000.00"))
    assert other_funds({"hifp_pay": "240.00", "fund_pay_sumamt": "1000.00"}, s) == Decimal("760.00")


def test_a_failing_figure_after_other_funds_names_the_reading_and_the_pooled_fund_does_not():
    story = _story()
    take_other_funds(story, _answered("320.00"))
    ctx = Context(ReferenceAdapter(), "zhejiang", PROPERTIES["money_identities"])

    def readings(field_name: str, item: str) -> tuple[str, ...]:
        with pytest.raises(PropertyViolation) as e:
            ctx.fail("x", [mismatch(field_name, "1", "2", item)], story)
        return e.value.readings

    assert OTHER_FUNDS in readings("psn_part_amt", "V1")
    assert OTHER_FUNDS in readings("acct_pay", "V2")              # the balance V1 left carries on
    assert OTHER_FUNDS in readings("acct_balance", "2023年度累计")
    assert OTHER_FUNDS not in readings("hifp_pay", "V1")          # judged as without other funds
    assert OTHER_FUNDS not in readings("psn_part_amt", "V2")      # V2 had none, and its 个人负担 does not carry
    plain = _story()
    with pytest.raises(PropertyViolation) as e:
        ctx.fail("x", [mismatch("psn_part_amt", "1", "2", "V1")], plain)
    assert OTHER_FUNDS not in e.value.readings


def test_the_system_is_never_sent_the_other_funds():
    story = _story()
    take_other_funds(story, _answered("320.00"))
    sent = []

    class Recording(ReferenceAdapter):
        def settle(self, psn_no, s):
            sent.append(s.other_funds_pay)
            return super().settle(psn_no, s)

    execute(Recording(), story)
    assert sent == [0, 0]
    assert isinstance(story.ops[0], Settle) and story.ops[0].settlement.other_funds_pay == Decimal("80.00")
