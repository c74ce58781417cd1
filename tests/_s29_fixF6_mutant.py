"""The twin of the sample system for tests/test_s29_fixF6_presettle_year.py (probe s29 H5 F6): registered in its
DEFECTS only in its own server process, served by SampleServer(script=this file, script_args=(NAME,))."""
import sys

from conform.fixtures.sample_system import defects as D
from conform.fixtures.sample_system import service as SV
from conform.reference.ledger import YearState

_settle = SV.SampleSystem._settle


@D.defect("s29_presettle_fresh_year", "2206 预结算未读取年度累计（按本年首次就诊计算起付线和限额），2207 结算正确",
          "预结算与结算按同一规则、同一累计计算")
def _presettle_fresh_year() -> None:
    def settle(self, data, commit):
        y = str(data.get("setl_date", ""))[:4]
        if commit or not y.isdigit():
            return _settle(self, data, commit)
        years = self._person(data).ledger.years
        kept = years.get(int(y))
        years[int(y)] = YearState(int(y))   # BUG: the 2206 reads an empty year, not what was settled so far
        try:
            return _settle(self, data, commit)
        finally:
            if kept is None:
                years.pop(int(y), None)
            else:
                years[int(y)] = kept
    SV.SampleSystem._settle = settle


if __name__ == "__main__":
    from sample_server import serve_twin

    sys.exit(serve_twin(sys.argv[1:]))
