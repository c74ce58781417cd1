"""A twin of the sample system that also counts a chronic disease's own deductible into the ordinary deductible
(probe s24 R, mutant r_chronic_dedc_into_ordinary), for tests/test_s25_chronic_dedc_blame.py.

Run as a script (`python tests/_s25_chronic_mutant.py --port 0 --port-file F`): it registers the defect in the sample
system's DEFECTS table and starts the server with it, so the defect lives in the server process only (the harness's
reference, in the test process, is untouched).
"""
from __future__ import annotations

import sys

from conform.fixtures.sample_system import defects as D
from conform.reference import benefits

NAME = "chronic_dedc_into_ordinary"
_chronic_pooling = benefits.chronic_pooling


@D.defect(NAME, "慢特病起付线（按病种单独设置）同时计入普通门诊起付线累计", "慢特病起付线与普通门诊起付线分别计算（攀枝花 第十条）")
def _into_ordinary() -> None:
    def chronic(rules, ys, person, role, s, base, trace, c, out):
        before = out.dedc
        result = _chronic_pooling(rules, ys, person, role, s, base, trace, c, out)
        if not rules.flag("chronic.shares_ordinary_deductible"):
            counted = out.dedc - before
            ys.ordinary_dedc += counted  # BUG: the disease's deductible counted as ordinary too
            c.ordinary_dedc += counted
        return result
    benefits.chronic_pooling = chronic


if __name__ == "__main__":
    from sample_server import serve_twin

    sys.exit(serve_twin([NAME, *sys.argv[1:]]))
