"""A lawful 浙江 system whose 大病保险 pays half of each year's policy-scope personal part above 500.00 (浙江 二（二）
puts ordinary outpatient personal costs within 大病保险; the figures are invented, no document here sets them), for
tests/test_s26_other_funds_note.py. Its pooled fund is the reference's; 基金支付总额 and the personal figures carry
the other fund.

Run as a script (`python tests/_s26_other_funds_mutant.py big_illness --port 0 --port-file F`): it registers the twin in
the sample system's DEFECTS table and starts the server with it, so it lives in the server process only.
"""
from __future__ import annotations

import sys
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from conform.fixtures.sample_system import defects as D
from conform.reference import engine

_settle = engine.PersonLedger.settle
LINE, HALF, FEN = Decimal("500.00"), Decimal("0.5"), Decimal("0.01")


def _big_illness(ledger, s, probe) -> Decimal:
    before = sum((r.inscp_scp_amt for r, _ in ledger.settled.values() if r.date.year == s.date.year), Decimal(0))
    part = probe.inscp_scp_amt - probe.hifp_pay
    above = min(part, max(Decimal(0), before + probe.inscp_scp_amt - LINE))
    return (above * HALF).quantize(FEN, ROUND_HALF_UP)


@D.defect("big_illness", "大病保险支付普通门诊政策范围内个人负担超过500元部分的一半", "浙江 二（二）")
def _install() -> None:
    def settle(self, s, commit=True):
        probe = _settle(self, s, False)
        paid = _big_illness(self, s, probe)
        return _settle(self, replace(s, other_funds_pay=paid), commit) if paid > 0 else _settle(self, s, commit)
    engine.PersonLedger.settle = settle


if __name__ == "__main__":
    from sample_server import serve_twin

    sys.exit(serve_twin(sys.argv[1:]))
