"""Twins of the sample system for tests/test_s28_zero_scope_chronic_reset.py (probe s28 H3 F5, F6): each registered in
its DEFECTS, served by twin_servers(this file, names) / SampleServer(script=…, script_args=(NAME,))."""
import sys
from decimal import Decimal, InvalidOperation

from conform.fixtures.sample_system import defects as D
from conform.fixtures.sample_system import service as SV
from conform.reference import engine
from conform.reference.ledger import YearState

_settle = SV.SampleSystem._settle


@D.defect("m_refuse_zero_inscp", "政策范围内费用为0（全自费、超限价、先行自付）的结算被拒绝（“无医保结算费用”）", "结算")
def _refuse_zero_inscp() -> None:
    def settle(self, data, commit):
        try:
            scope = Decimal(str(data.get("medfee_sumamt"))) - sum(
                Decimal(str(data.get(k) or "0")) for k in ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt"))
        except (InvalidOperation, TypeError, ValueError):
            scope = None
        if scope is not None and scope == 0:
            raise SV.Refused("政策范围内费用为0，无医保结算费用，请按自费结算")  # BUG: a settlement all the same
        return _settle(self, data, commit)
    SV.SampleSystem._settle = settle


@D.defect("m_chronic_not_reset_new_year", "门诊慢特病病种起付线和限额累计在1月1日没有重新计算（沿用上年病种累计）",
          "慢特病起付线、限额按自然年度计算")
def _chronic_not_reset() -> None:
    def year(self, y):
        ys = self.years.get(y)
        if ys is None:
            ys = self.years[y] = YearState(y)
            prev = self.years.get(y - 1)
            if prev is not None:  # BUG: last year's per-disease totals carried into the new year
                ys.chronic_dedc = dict(prev.chronic_dedc)
                ys.chronic_pay = dict(prev.chronic_pay)
                ys.special_dedc = prev.special_dedc
        return ys
    engine.PersonLedger.year = year


if __name__ == "__main__":
    from sample_server import serve_twin

    sys.exit(serve_twin(sys.argv[1:]))
