"""Two twins of the sample system that take ANOTHER reading where 攀枝花's text is silent (probe s26/probe2 F2, F3),
for tests/test_s26_scenario_readings.py: a scenario failing against them must name the reading it rests on.

- tier2_pooling: a tier-2 flexible worker has a (0-credit) account and so ordinary pooling (the reference reads
  第四条/第七条 as giving them none, A-PZH-FLEX-TIER2).
- overflow_later_visits_only: 第十一条's "超过统筹年度最高支付限额后的门诊就诊费用" are the visits after the cap is
  reached; the visit crossing it is paid up to the cap and nothing passes on (the reference splits it,
  A-PZH-OVERFLOW-SPLIT).

Run as a script (`python tests/_s26_reading_mutants.py NAME --port 0 --port-file F`): it registers them in the sample
system's DEFECTS table and starts the server with NAME, so the reading lives in the server process only.
"""
from __future__ import annotations

import sys

from conform.fixtures.sample_system import defects as D
from conform.reference import benefits
from conform.reference.money import ZERO

_own_account = benefits.own_account
_chronic_pooling = benefits.chronic_pooling


@D.defect("tier2_pooling", "二档灵活就业人员也建立（零计入的）个人账户，享受普通门诊统筹",
          "A-PZH-FLEX-TIER2：二档灵活就业人员不建个人账户")
def _tier2() -> None:
    def own(policy, person):
        found = _own_account(policy, person)
        return True if found is False and person.has_account is None else found
    benefits.own_account = own


@D.defect("overflow_later_visits_only", "跨过慢特病限额的这一次就诊只付到限额，不转入普通门诊统筹",
          "A-PZH-OVERFLOW-SPLIT：跨过限额的这一次就诊超过部分转入普通门诊统筹")
def _later_only() -> None:
    def chronic(rules, ys, person, role, s, base, trace, c, out):
        before = out.chronic_pay
        rest, via = _chronic_pooling(rules, ys, person, role, s, base, trace, c, out)
        return (ZERO, None) if out.chronic_pay > before else (rest, via)
    benefits.chronic_pooling = chronic


if __name__ == "__main__":
    from sample_server import serve_twin

    sys.exit(serve_twin(sys.argv[1:]))
