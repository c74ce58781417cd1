"""Three twins of the sample system from probe s26 (probe1), for tests/test_s26_blame_steps.py:

- y_chronic_dedc_per_visit: a 门诊慢特病's own deductible is charged on every visit, not once a natural year (攀枝花 第十条).
- y_pzh_flex_tier_swapped: 攀枝花's flexible-worker tiers swapped: tier 2 (no account) gets ordinary pooling and tier 1
  does not (第七条, A-PZH-FLEX-TIER2).
- y_5206_ignores_reversals: the 5206 year totals still count reversed (2208) settlements; settlements themselves are
  right (A-REVERSAL).

Run as a script (`python tests/_s26_blame_mutant.py NAME --port 0 --port-file F`): it registers the defects in the sample
system's DEFECTS table and starts the server with NAME, so the defect lives in the server process only (the harness's
reference, in the test process, is untouched).
"""
from __future__ import annotations

import sys

from conform.fixtures.sample_system import defects as D
from conform.reference import benefits
from conform.reference.engine import PersonLedger
from conform.reference.money import ZERO

_chronic = benefits.chronic_pooling
_own = benefits.own_account
_reverse = PersonLedger.reverse
_ytd = PersonLedger.ytd


@D.defect("y_chronic_dedc_per_visit", "门诊慢特病起付线按每次就诊计算（每次都扣），而不是按自然年度累计一次",
          "门诊慢特病起付线在一个自然年度内累计（攀枝花 第十条）")
def _chronic_visit() -> None:
    def chronic(rules, ys, person, role, s, base, trace, c, out):
        kept = ys.chronic_dedc
        ys.chronic_dedc = {}  # BUG: the year's chronic deductible starts afresh each visit
        try:
            return _chronic(rules, ys, person, role, s, base, trace, c, out)
        finally:
            for k, v in kept.items():
                ys.chronic_dedc[k] = ys.chronic_dedc.get(k, ZERO) + v
    benefits.chronic_pooling = chronic


@D.defect("y_pzh_flex_tier_swapped", "灵活就业人员缴费档次判断写反：二档（不建账户）享受普通门诊统筹，一档（建账户）不享受",
          "攀枝花 第七条：建立个人账户的参保人享受普通门诊统筹；二档灵活就业人员不建个人账户")
def _tier() -> None:
    def own(policy, person):
        if person.has_account is None and person.is_flexible and person.flex_tier is not None \
                and "requires_account" in policy.eligibility:
            return person.flex_tier == 2  # BUG: swapped
        return _own(policy, person)
    benefits.own_account = own


@D.defect("y_5206_ignores_reversals", "5206 年度累计查询按结算流水汇总，未减去已撤销（2208）的结算；结算本身按正确的累计",
          "撤销冲销原结算计入的起付线和统筹支付（A-REVERSAL），年度累计随之恢复")
def _ytd_rev() -> None:
    def reverse(self, setl_id, rid=None, date=None):
        e = self.settled.get(setl_id)
        out = _reverse(self, setl_id, rid, date)
        if e is not None:
            self.__dict__.setdefault("_gone", []).append(e[1])
        return out

    def ytd(self, year):
        ys = _ytd(self, year)
        for c in getattr(self, "_gone", []):
            if c.year == year:
                ys.apply(c)  # BUG: the reversed settlement still counts in the query
        return ys
    PersonLedger.reverse = reverse
    PersonLedger.ytd = ytd


if __name__ == "__main__":
    from sample_server import serve_twin

    sys.exit(serve_twin(sys.argv[1:]))
