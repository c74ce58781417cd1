"""Twins of the sample system for tests/test_s25_balance_use_blame.py (probe s25 Z3 F2, the side note to F4, F3):

- s25_use_not_debited: an allowed T003 use leaves the balance as it was;
- s25_use_over_balance: a use above the balance is allowed and overdraws it;
- s25_emergency_overpaid: an emergency (吉林 二(五)) is paid 100.00 more than the rules, counted in the year's total;
- s25_5206_chronic_empty: 5206 answers chronic_dedc / chronic_pay as `{}` (nothing counted for any disease);
- s25_5206_chronic_left_out: 5206 leaves chronic_dedc / chronic_pay out (optional: not compared).

Run as a script (`python tests/_s25_balance_use_mutant.py NAME --port 0 --port-file F`): it registers the defects in
the sample system's DEFECTS table and starts the server with NAME, so the defect lives in the server process only.
"""
from __future__ import annotations

import sys
from decimal import Decimal

from conform.fixtures.sample_system import defects as D
from conform.fixtures.sample_system import service as SV
from conform.reference import benefits
from conform.reference.engine import PersonLedger, UseResult

_use = PersonLedger.use_account
_inpatient = benefits.inpatient_route
_ytd = SV.SampleSystem.query_ytd


@D.defect("s25_use_not_debited", "允许的个人账户使用（T003）不扣减余额", "个人账户支付后余额相应减少（攀枝花 第五条）")
def _not_debited() -> None:
    def use(self, req):
        before = self.balance
        r = _use(self, req)
        if r.decision.decision == "allowed" and before is not None and self.balance is not None:
            self.balance = before  # BUG
            r = UseResult(r.id, r.relation, r.purpose, r.decision, r.amount, before)
        return r
    PersonLedger.use_account = use


@D.defect("s25_use_over_balance", "超过余额的个人账户使用仍被允许，余额为负", "个人账户支付以余额为限")
def _over() -> None:
    from conform.reference import engine

    def use(self, req):
        bal = self.balance
        if bal is not None and req.amount is not None and req.amount > bal:
            d = engine.check_use(self.rules, req.relation, req.purpose, self.person, req.date)
            if d.decision == "allowed":
                self.balance = bal - req.amount  # BUG: no balance check
                return UseResult(req.id, req.relation, req.purpose, d, req.amount, self.balance)
        return _use(self, req)
    PersonLedger.use_account = use


@D.defect("s25_emergency_overpaid", "急诊抢救多付 100.00 元（计入住院统筹年度累计）", "吉林 二(五) 急诊抢救参照住院")
def _emergency() -> None:
    extra = Decimal("100.00")

    def inp(rules, ys, role, s, kind, base, trace, c, out):
        result = _inpatient(rules, ys, role, s, kind, base, trace, c, out)
        if kind == "emergency":
            out.inpatient_pay += extra  # BUG
            ys.inpatient_pay += extra
            c.inpatient_pay += extra
        return result
    benefits.inpatient_route = inp


@D.defect("s25_5206_chronic_empty", "5206 的按病种累计为空（{}）", "5206 返回本年度全部累计")
def _chronic_empty() -> None:
    def q(self, data):
        out = _ytd(self, data)
        out["cuminfo"]["chronic_dedc"] = {}
        out["cuminfo"]["chronic_pay"] = {}  # BUG
        return out
    SV.SampleSystem.query_ytd = q


@D.defect("s25_5206_chronic_left_out", "5206 不返回按病种累计（可选字段）", "5206 按病种累计可选")
def _chronic_left_out() -> None:
    def q(self, data):
        out = _ytd(self, data)
        out["cuminfo"].pop("chronic_dedc", None)
        out["cuminfo"].pop("chronic_pay", None)  # optional on the wire: not reported, not compared
        return out
    SV.SampleSystem.query_ytd = q


if __name__ == "__main__":
    from sample_server import serve_twin

    sys.exit(serve_twin(sys.argv[1:]))
