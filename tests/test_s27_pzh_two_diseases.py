"""s27 probeH2 F4: a 5206 answer keeping one disease's chronic totals and leaving out the others (the mutant
k_5206_chronic_last_disease_only) fails 攀枝花's own scenarios, not only a property that may not draw two diseases.

features/panzhihua/第10条_门诊慢特病保障.feature settles M00500 (门诊慢特病, 第十条) and M03900 (“两病”, 第九条) for one person
and reads both diseases' 5206 totals (A-PZH-CHRONIC-PER-DISEASE). The twin below runs in the sample system's own
process (this file is its launcher, as tests/_s26_blame_mutant.py is); the scenarios alone are run, so the result does
not depend on which examples a seed draws."""
from __future__ import annotations

import sys
from pathlib import Path

TWIN = "y_5206_chronic_last_disease_only"


def _register() -> None:
    from conform.fixtures.sample_system import defects as D
    from conform.fixtures.sample_system import service as SV

    @D.defect(TWIN, "5206 年度累计查询的慢特病累计只返回一个病种（其它病种省略）", "5206 按病种返回慢特病起付线和支付累计")
    def _last_only() -> None:
        query = SV.SampleSystem.query_ytd

        def query_ytd(self, data):
            out = query(self, data)
            cum = out["cuminfo"]
            for f in ("chronic_dedc", "chronic_pay"):
                d = cum.get(f)
                if isinstance(d, dict) and len(d) > 1:
                    k = sorted(d)[-1]
                    cum[f] = {k: d[k]}  # BUG: the other diseases' totals left out
            return out
        SV.SampleSystem.query_ytd = query_ytd


def test_a_5206_leaving_out_a_disease_fails_the_panzhihua_scenarios():
    from sample_server import SampleServer

    from conform.harness.run import CONFORMANCE, execute

    with SampleServer(script=Path(__file__), script_args=(TWIN,)) as server:
        run, _ = execute(adapter=server.url, policies=("panzhihua",), paths=(CONFORMANCE / "test_features.py",))
    failed = [c for c in run.checks if c.status == "failed"]
    # M00500's totals are the ones left out (M03900 sorts last): 300.00 / 1200.00 read as nothing counted
    missed = [c for c in failed if any(m.field in ("chronic_dedc", "chronic_pay") and m.expected in ("300.00", "1200.00")
                                       for m in c.mismatches)]
    assert missed, [(c.name, c.status) for c in failed]
    for c in missed:
        assert "两个病种" in c.name, c.name
        assert "panzhihua-10" in c.failed_articles, c.failed_articles


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from sample_server import serve_twin

    _register()
    sys.exit(serve_twin(sys.argv[1:]))
