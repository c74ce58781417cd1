"""Twins of the sample system for the s27 property tests (tests/test_s27_none_route_paid.py,
tests/test_s27_reversal_answer.py): each registered in its DEFECTS, served as SampleServer(script=…, script_args=(NAME,))
runs it."""
import sys
from dataclasses import replace

from conform.fixtures.sample_system import defects as D
from conform.fixtures.sample_system import service as SV
from conform.harness.adapters import wire
from conform.reference import engine
from conform.reference.engine import SettlementResult
from conform.reference.money import ZERO

_compute = engine.compute
_negated = SettlementResult.negated


@D.defect("stay_ignored", "吉林：住院期间的门诊结算照常支付", "吉林 六（三）")
def _stay():
    def compute(rules, person, s, ys, trace):
        if person.hospital_stays:
            person = replace(person, hospital_stays=())
        return _compute(rules, person, s, ys, trace)
    engine.compute = compute


@D.defect("benefit_period_ignored", "攀枝花：待遇享受期之外的普通门诊照常支付", "攀枝花 第七条")
def _period():
    def compute(rules, person, s, ys, trace):
        if person.benefit_period is not None and s.med_type != "14":
            person = replace(person, benefit_period=None)
        return _compute(rules, person, s, ys, trace)
    engine.compute = compute


@D.defect("rev_cash_zero", "2208 应答的现金支付和基金支付总额填 0.00", "A-REVERSAL")
def _cash():
    def negated(self, rid, date):
        r = _negated(self, rid, date)
        r.psn_cash_pay = ZERO
        r.fund_pay_sumamt = ZERO
        return r
    SettlementResult.negated = negated


@D.defect("rev_balc_before_refund", "2208 应答的 balc 为退回前的余额", "A-REVERSAL")
def _balc():
    def reverse(self, data):
        p = self._person(data)
        setl_id = data.get("setl_id")
        with p.lock:
            mdtrt_id = p.setl_ids.get(setl_id) if isinstance(setl_id, str) else None
            if mdtrt_id is None:
                raise SV.Refused(f"结算 {setl_id!r} 不存在")
            before = p.ledger.balance
            out = p.ledger.reverse(mdtrt_id).to_output(with_trace=False)
            del p.setl_ids[setl_id]
            return {"setlinfo": wire.setlinfo_from_output(out, self._setl_id(), p.ledger.person.psn_no, mdtrt_id,
                                                          before)}
    SV.SampleSystem.reverse = reverse


if __name__ == "__main__":
    from sample_server import serve_twin

    sys.exit(serve_twin(sys.argv[1:]))
