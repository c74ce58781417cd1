"""Three twins of the sample system that, before tests/test_s25_scenario_gaps.py's scenarios, passed every scenario
(probe s25 Z3, F3 and F6), for that test.

- use_over_balance: a T003 use above the balance is allowed and the balance goes below 0.00.
- retire_month_as_retiree: the month of a mid-month retirement is credited as a retiree's
  (the reference credits it as in service, A-ACCOUNT-RETIRE-MONTH).
- reversal_prior_month_no_acct_refund: a 2208 of a settlement from a month before the latest settlement's refunds
  its account payment in cash, not to the account (A-REVERSAL refunds it to the account).

Run as a script (`python tests/_s25_gap_mutants.py NAME --port 0 --port-file F`): it registers the defects in the
sample system's DEFECTS table and starts the server with NAME, so the defect lives in the server process only (the
harness's reference, in the test process, is untouched).
"""
from __future__ import annotations

import sys
from dataclasses import replace

from conform.fixtures.sample_system import defects as D
from conform.reference import engine
from conform.reference.engine import PersonLedger, UseResult
from conform.reference.money import ZERO

_credit = engine.credit_month
_check = engine.check_use
_use = PersonLedger.use_account
_reverse = PersonLedger.reverse


@D.defect("use_over_balance", "个人账户使用金额超过余额时仍然允许，余额扣成负数", "个人账户不透支（余额不低于 0）")
def _over() -> None:
    def use(self, req):
        bal = self.balance
        if bal is not None and req.amount is not None and req.amount > bal:
            d = _check(self.rules, req.relation, req.purpose, self.person, req.date)
            if d.decision == "allowed":
                self.balance = bal - req.amount  # BUG: no balance check
                return UseResult(req.id, req.relation, req.purpose, d, req.amount, self.balance)
        return _use(self, req)
    PersonLedger.use_account = use


@D.defect("retire_month_as_retiree", "月中退休的，退休当月的个人账户即按退休人员计入",
          "A-ACCOUNT-RETIRE-MONTH：退休当月按在职职工计入")
def _retire_month() -> None:
    def credit(rules, person, req):
        r, d = person.retire_date, req.first_day
        if r is not None and (r.year, r.month) == (d.year, d.month) and r.day != 1:
            person = replace(person, retire_date=d)  # BUG: the whole month counts as retired
        return _credit(rules, person, req)
    engine.credit_month = credit


@D.defect("reversal_prior_month_no_acct_refund", "撤销以前月份的结算时，个人账户支付不退回账户（退现金）",
          "A-REVERSAL：撤销冲销该笔结算的全部（含个人账户支付）")
def _prior_month() -> None:
    def reverse(self, setl_id, rid=None, date=None):
        e = self.settled.get(setl_id)
        if e is not None and self.last_date is not None:
            res, c = e
            if (res.date.year, res.date.month) != (self.last_date.year, self.last_date.month) and c.acct_pay:
                self.settled[setl_id] = (res, replace(c, acct_pay=ZERO))  # BUG: the account is not refunded
        return _reverse(self, setl_id, rid, date)
    PersonLedger.reverse = reverse


if __name__ == "__main__":
    from sample_server import serve_twin

    sys.exit(serve_twin(sys.argv[1:]))
