"""Two twins of the sample system whose failures rest on a named reading (probe s26 probe1 F5), for
tests/test_s26_reading_steps.py.

- bj_first_month_prorated: 北京's March 2022 credit prorated from the issue date 6 March (26/31); the reference
  credits the month the measures take effect in full (A-BJ-EFFECTIVE).
- dedc_cap_by_jan1_role: after a mid-year retirement the ratio follows the new role but the deductible and cap stay
  the role's of 1 January (the reference takes the retiree's, A-MIDYEAR-RETIREMENT).

Run as a script (`python tests/_s26_f5_mutant.py NAME --port 0 --port-file F`): it registers the defects in the
sample system's DEFECTS table and starts the server with NAME, so the defect lives in the server process only (the
harness's reference, in the test process, is untouched).
"""
from __future__ import annotations

import datetime as dt
import sys
from dataclasses import replace

from conform.fixtures.sample_system import defects as D
from conform.reference import benefits, engine
from conform.reference.money import round_fen

_credit = engine.credit_month
_pool = benefits.ordinary_pooling
_dc = benefits.deductible_and_cap


@D.defect("bj_first_month_prorated", "北京个人账户改革当月（2022年3月）按印发日（3月6日）起的天数折算计入（26/31）",
          "施行当月2022年3月按本办法全月计入，不按日折算（A-BJ-EFFECTIVE）")
def _prorated() -> None:
    def credit(rules, person, req):
        cr = _credit(rules, person, req)
        if rules.policy.id == "beijing" and req.first_day == dt.date(2022, 3, 1):
            cr = replace(cr, amount=round_fen(cr.amount * 26 / 31))  # BUG: prorated by day
        return cr
    engine.credit_month = credit


@D.defect("dedc_cap_by_jan1_role", "年中退休的，支付比例自退休之日起按退休人员，但起付线和限额仍按年初（在职）标准",
          "年中退休自退休之日起按退休人员标准（起付线、比例、限额）（A-MIDYEAR-RETIREMENT）")
def _jan1_role() -> None:
    def pooling(rules, ys, role, facility, base, trace, c, out, ratio_override=None, via=None):
        p = out.person
        first = p.role_on(dt.date(ys.year, 1, 1)) if p is not None else role
        if first == role:
            return _pool(rules, ys, role, facility, base, trace, c, out, ratio_override, via)
        benefits.deductible_and_cap = lambda rules_, role_: _dc(rules_, first)  # BUG: the role of 1 January
        try:
            return _pool(rules, ys, role, facility, base, trace, c, out, ratio_override, via)
        finally:
            benefits.deductible_and_cap = _dc
    benefits.ordinary_pooling = pooling


if __name__ == "__main__":
    from sample_server import serve_twin

    sys.exit(serve_twin(sys.argv[1:]))
