"""Twin of the sample system for tests/test_s28_persons_apart.py (probe s28 probeH3 F1, its m_mix_persons_ytd):

- s28_mix_persons_ytd: the year's totals are filed under the psn_no without its last character (a "check digit"),
  so two persons whose ids differ only there share one deductible and one cap; a T001 of either clears the shared
  row (both persons'), and a reversal gives back to it.

Run as a script (`python tests/_s28_mix_persons_mutant.py NAME --port 0 --port-file F`): the defect lives in the
server only.
"""
from __future__ import annotations

import sys

from conform.fixtures.sample_system import defects as D
from conform.fixtures.sample_system import service as SV

_settle = SV.SampleSystem._settle
_create = SV.SampleSystem.create_person
_query = SV.SampleSystem.query_ytd
_reverse = SV.SampleSystem.reverse

SHARED: dict = {}


def _key(p, year: int) -> tuple:
    return (p.ledger.person.psn_no[:-1], year, p.ledger.rules.policy.id)


@D.defect("s28_mix_persons_ytd", "年度累计按参保人编号去掉最后一位（校验位）作为键存储：编号只差最后一位的两人共用一份年度累计",
          "起付线、年度限额按参保人本人累计")
def _mix() -> None:
    def settle(self, data, commit):
        p = self._person(data)
        y = str(data.get("setl_date", ""))[:4]
        if not y.isdigit():
            return _settle(self, data, commit)
        k = _key(p, int(y))
        if k in SHARED:
            p.ledger.years[int(y)] = SHARED[k].clone()
        out = _settle(self, data, commit)
        if commit and int(y) in p.ledger.years:
            SHARED[k] = p.ledger.years[int(y)].clone()
        return out

    def query(self, data):
        p = self._person(data)
        y = str(data.get("year", ""))
        if y.isdigit() and (k := _key(p, int(y))) in SHARED:
            p.ledger.years[int(y)] = SHARED[k].clone()
        return _query(self, data)

    def create(self, data):
        out = _create(self, data)
        p = self._persons[out["psn_no"]]
        for k in [k for k in SHARED if k[0] == out["psn_no"][:-1] and k[2] == p.ledger.rules.policy.id]:
            del SHARED[k]  # a test reset clears the row (both persons')
        return out

    def reverse(self, data):
        p = self._person(data)
        for k, v in SHARED.items():
            if k[0] == p.ledger.person.psn_no[:-1] and k[2] == p.ledger.rules.policy.id:
                p.ledger.years[k[1]] = v.clone()
        out = _reverse(self, data)
        for y, ys in p.ledger.years.items():
            SHARED[_key(p, y)] = ys.clone()
        return out

    SV.SampleSystem._settle = settle
    SV.SampleSystem.query_ytd = query
    SV.SampleSystem.create_person = create
    SV.SampleSystem.reverse = reverse


if __name__ == "__main__":
    from sample_server import serve_twin

    sys.exit(serve_twin(sys.argv[1:]))
