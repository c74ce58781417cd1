"""A property whose failing expectation exists only under a named reading says so (probe s26 probe2, F1 and F4).

- F1: the ledger machine (stateful_ledger) fails a 2208 whose figures are not its settlement's negated. That a reversal
  answers them negated, its account payment re-credited, is A-REVERSAL's (the texts do not address reversals): a
  system refunding the account payment in cash takes the other reading, and the failure rests on A-REVERSAL — not a
  plain breach of 攀枝花 第五条.
- F4: the deductible property fails a year's ordinary deductible that counts a visit the rules route elsewhere. Where
  a named reading decides that route (a chronic prescription filled at a pharmacy paid as chronic,
  A-CHRONIC-PHARMACY), a system settling the purchase as an ordinary pharmacy purchase takes the other reading, and the
  failure rests on it — not a plain breach of 南昌 四（二）2.

Each system is the sample system with ONE reading swapped, a real HTTP server in its own process: this file run as a
script (`python tests/test_s26_prop_route_readings.py NAME --port 0 --port-file F`) registers the twin in the sample
system's DEFECTS table and serves it, so the swap lives in the server process only."""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

HERE = Path(__file__).resolve()


def _register() -> None:
    from conform.fixtures.sample_system import defects as D
    from conform.reference import engine
    from conform.reference.money import ZERO

    _reverse, _compute = engine.PersonLedger.reverse, engine.compute

    @D.defect("reversal_refund_cash", "撤销结算时个人账户支付以现金退回，不退回个人账户",
              "A-REVERSAL 的另一种读法（文件未规定撤销）")
    def _cash() -> None:
        def reverse(self, setl_id, rid=None, date=None):
            balance = self.balance
            res = _reverse(self, setl_id, rid, date)
            if res.acct_pay:
                self.balance = balance
                res = dataclasses.replace(res, psn_cash_pay=res.psn_cash_pay + res.acct_pay, acct_pay=ZERO)
            return res
        engine.PersonLedger.reverse = reverse

    @D.defect("reversal_balance_kept", "撤销结算答复冲销个人账户支付，但不退回个人账户余额（以现金退回）",
              "A-REVERSAL 的另一种读法（文件未规定撤销）")
    def _kept() -> None:
        def reverse(self, setl_id, rid=None, date=None):
            balance = self.balance
            res = _reverse(self, setl_id, rid, date)
            if res.acct_pay:
                self.balance = balance
            return res
        engine.PersonLedger.reverse = reverse

    @D.defect("chronic_pharmacy_ordinary", "门诊慢特病处方在定点零售药店购药，按药店普通门诊统筹支付",
              "A-CHRONIC-PHARMACY 的另一种读法（文件未规定购药地点）")
    def _pharmacy() -> None:
        def compute(rules, person, s, ys, trace):
            if s.med_type == "14" and s.facility == "pharmacy":
                s = dataclasses.replace(s, med_type="41", dise_codg=None)
            return _compute(rules, person, s, ys, trace)
        engine.compute = compute


if __name__ == "__main__":
    _register()
    from sample_server import serve_twin

    sys.exit(serve_twin(sys.argv[1:]))


from conform.harness.results import CheckResult  # noqa: E402
from property_runs import seeded_property  # noqa: E402
from sample_server import SampleServer  # noqa: E402


def _property(twin: str, policy: str, prop: str, seed: int, examples: int) -> CheckResult:
    with SampleServer(script=HERE, script_args=(twin,)) as server:
        c = seeded_property(server.url, policy, prop, seed, examples)
    assert c.status == "failed", (c.status, c.message[:400])
    return c


def test_a_reversal_refunded_in_cash_rests_on_the_reversal_reading():
    c = _property("reversal_refund_cash", "panzhihua", "stateful_ledger", 1, 30)
    assert "撤销冲销的金额不等于原结算的金额" in c.message, c.message[:600]
    assert " 撤销 个人账户支付 (acct_pay)" in c.message, c.message[:600]
    assert "A-REVERSAL" in c.extra.get("rests_on", []), c.extra
    assert "A-REVERSAL" in c.extra.get("assumptions", []), c.extra


def test_a_chronic_purchase_at_a_pharmacy_counted_as_ordinary_rests_on_the_pharmacy_reading():
    c = _property("chronic_pharmacy_ordinary", "nanchang", "deductible", 7, 60)
    assert "计入了按规则不走普通门诊统筹的就诊" in c.message, c.message[:600]
    assert "A-CHRONIC-PHARMACY" in c.extra.get("rests_on", []), c.extra
    # the visit's route is named with the reading deciding it
    assert "（门诊慢特病，南昌 四（二）2、A-CHRONIC-PHARMACY " in c.message, c.message[:600]
    assert "A-CHRONIC-PHARMACY" in c.extra.get("assumptions", []), c.extra
    # the reading that decides the route only: not the account's reading in the visit's trace
    assert "A-ACCOUNT-SELFPAY" not in c.extra.get("rests_on", []), c.extra
    assert "A-ACCOUNT-SELFPAY" not in c.extra.get("assumptions", []), c.extra


def test_a_balance_not_refunded_by_a_reversal_rests_on_the_reversal_reading():
    # the 2208 answers the account payment negated, the balance is not re-credited: the balance expected with the
    # refund in it is A-REVERSAL's (764163d), as the reversal's own figures are
    c = _property("reversal_balance_kept", "panzhihua", "stateful_ledger", 1, 30)
    assert "个人账户余额与计入、账户支付和使用不符" in c.message, c.message[:600]
    assert "A-REVERSAL" in c.extra.get("rests_on", []), c.extra
