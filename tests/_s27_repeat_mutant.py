"""Twins of the sample system for tests/test_s27_repeat_settlement.py and tests/test_s27_account_scenarios.py
(probe s27 H, F1, F4, F7):

- s27_repeat_settled_again: a 2207 repeated with the same mdtrt_id is settled a second time, with a new setl_id
  (probe h_dup_2207_settled_again);
- s27_repeat_same_answer_counted: the repeat answers the first settlement's figures and setl_id, but is counted in the
  year's totals and the balance a second time;
- s27_repeat_answers_first: the repeat answers the first settlement again and counts nothing (lawful, A-SETTLE-ONCE);
- s27_acct_not_for_fulamt: the account never pays the 全自费 part (probe h_acct_not_for_fulamt);
- s27_presettle_no_account: the 2206 answer leaves the account payment out; 2207 is right (probe h_presettle_no_account).

Run as a script (`python tests/_s27_repeat_mutant.py NAME --port 0 --port-file F`): the defect lives in the server only.
"""
from __future__ import annotations

import sys
from dataclasses import replace

from conform.fixtures.sample_system import defects as D
from conform.fixtures.sample_system import service as SV
from conform.reference.engine import PersonLedger
from conform.reference.money import ZERO

_settle = PersonLedger.settle


def _fresh_id(ledger: PersonLedger, sid: str) -> str:
    n = 1
    while f"{sid}~{n}" in ledger.settled:
        n += 1
    return f"{sid}~{n}"


@D.defect("s27_repeat_settled_again", "同一就诊ID（mdtrt_id）重复发送2207时再结算一次，给出新的结算ID",
          "一次就诊只结算一次（A-SETTLE-ONCE）")
def _again() -> None:
    def settle(self, s, commit=True):
        if commit and s.id in self.settled:
            s = replace(s, id=_fresh_id(self, s.id))  # BUG: a repeat is a new settlement
        return _settle(self, s, commit)
    PersonLedger.settle = settle


def _answering_first(count_again: bool):
    """2207 as the sample system, but a repeat (same person, same mdtrt_id) answers the first answer again; with
    `count_again` the repeat is also settled under another id, so the year's totals and the balance count it twice."""
    answers: dict = {}   # (id of the person's ledger, mdtrt_id) → (that ledger, kept alive; the first answer)
    orig = SV.SampleSystem.settle

    def settle(self, data):
        ledger = self._person(data).ledger
        key = (id(ledger), data.get("mdtrt_id"))
        if key in answers:
            if count_again:
                orig(self, {**data, "mdtrt_id": f"{data.get('mdtrt_id')}~again"})  # BUG: counted a second time
            return answers[key][1]
        out = orig(self, data)
        answers[key] = (ledger, out)
        return out
    SV.SampleSystem.settle = settle


@D.defect("s27_repeat_same_answer_counted", "重复的2207答复原结算（同一结算ID、同一金额），但年度累计和个人账户再计一次",
          "一次就诊只结算一次（A-SETTLE-ONCE）")
def _counted() -> None:
    _answering_first(count_again=True)


@D.defect("s27_repeat_answers_first", "重复的2207答复原结算（同一结算ID、同一金额），不再计入（合法的答复之一）",
          "A-SETTLE-ONCE")
def _first() -> None:
    _answering_first(count_again=False)


@D.defect("s27_acct_not_for_fulamt", "个人账户只支付政策范围内的个人负担，全自费部分一律现金支付",
          "个人账户可以支付个人负担的医疗费用（南昌 四（三）2、攀枝花 第五条；A-ACCOUNT-SELFPAY）")
def _fulamt() -> None:
    def settle(self, s, commit=True):
        if s.fulamt_ownpay_amt and s.acct_used_flag and self.balance is not None:
            r = _settle(self, s, commit)
            allowed = max(r.psn_part_amt - s.fulamt_ownpay_amt, ZERO)
            if r.acct_pay > allowed:
                diff = r.acct_pay - allowed
                r.acct_pay -= diff
                r.psn_cash_pay += diff
                if commit:
                    self.balance += diff
                    self.settled[s.id][1].acct_pay -= diff
            return r
        return _settle(self, s, commit)
    PersonLedger.settle = settle


@D.defect("s27_presettle_no_account", "2206 预结算应答不计个人账户支付，2207 正常扣账户",
          "预结算与结算按同一规则计算（南昌 四（三）2）")
def _pre_noacct() -> None:
    def settle(self, s, commit=True):
        r = _settle(self, s, commit)
        if not commit and r.acct_pay:
            r.psn_cash_pay = r.psn_cash_pay + r.acct_pay  # BUG
            r.acct_pay = ZERO
        return r
    PersonLedger.settle = settle


if __name__ == "__main__":
    from sample_server import serve_twin

    sys.exit(serve_twin(sys.argv[1:]))
