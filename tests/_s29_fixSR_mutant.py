"""The twin of the sample system for tests/test_s29_fixSR_ratio_bound_scope.py (probe s29 H5 F3): registered in its
DEFECTS only in its own server process, served by SampleServer(script=this file, script_args=(NAME,))."""
import sys

from conform.fixtures.sample_system import defects as D
from conform.reference import benefits, engine
from conform.reference.money import ZERO

_compute = engine.compute


@D.defect("s29_preselfpay_counts_dedc", "（合法解读）乙类先行自付部分也计入普通门诊起付线累计，政策范围内费用不变",
          "A-DEDUCTIBLE-SCOPE 的另一读法（北京（五）未写明哪些费用计入起付线）")
def _preselfpay_counts_dedc() -> None:
    def compute(rules, person, s, ys, trace):
        pre = s.preselfpay_amt or ZERO
        if pre > ZERO and s.med_type in ("11", "41"):
            # the 先行自付 part takes what is left of the year's deductible first; the rest of it, if any, is taken
            # from the 政策范围内费用 as the reference takes it
            dp, _cp = benefits.deductible_and_cap(rules, person.role_on(s.date))
            take = min(max(ZERO, dp.value - ys.ordinary_dedc), pre)
            ys.ordinary_dedc += take
            out, c = _compute(rules, person, s, ys, trace)
            c.ordinary_dedc += take
            out.dedc += take
            return out, c
        return _compute(rules, person, s, ys, trace)
    engine.compute = compute


if __name__ == "__main__":
    from sample_server import serve_twin

    sys.exit(serve_twin(sys.argv[1:]))
