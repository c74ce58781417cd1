"""A year total (or a figure reading it) that counts a remote visit names A-REMOTE-SAME (probe s28/probeH3 F7).

Where a document gives remote (异地) visits no standard of their own (北京, 南昌, 浙江), that remote and local visits share
one deductible and one cap is the reading A-REMOTE-SAME: the reference's 异地就医 step cites it (`decides`). A system
keeping remote visits in a year total of their own failed year-total and cap properties "on the text": the failing
figure — the year's total, or a later local visit's deductible or payment read from it — is computed by steps citing
the article alone. Such a failure now names the reading, as A-REVERSAL is named for a total a reversal changed.
The twin is served from this file (`__main__`)."""
from __future__ import annotations

import sys

import pytest

from conform.fixtures.sample_system import defects as D
from conform.fixtures.sample_system import service as SV
from conform.harness.properties.base import PropertyViolation, Story, mismatch, remote_total_readings
from conform.reference.ledger import YearState

_settle = SV.SampleSystem._settle


@D.defect("s28_remote_own_total", "异地就医另建一套年度累计（起付线、统筹支付单独累计）", "A-REMOTE-SAME")
def _remote_own_total() -> None:
    side: dict = {}

    def settle(self, data, commit):
        year = str(data.get("setl_date", ""))[:4]
        if data.get("remote_flag") not in ("1", 1, True) or not year.isdigit():
            return _settle(self, data, commit)
        p, y = self._person(data), int(year)
        saved = p.ledger.years.get(y)
        p.ledger.years[y] = side.get((id(p), y), YearState(y)).clone()
        try:
            out = _settle(self, data, commit)
            if commit:
                side[(id(p), y)] = p.ledger.years[y]
        finally:
            if saved is None:
                p.ledger.years.pop(y, None)
            else:
                p.ledger.years[y] = saved
        return out
    SV.SampleSystem._settle = settle


def _violation(policy: str, visits: list[dict], *bad) -> PropertyViolation:
    from conform.harness.generators import Setting
    from conform.reference.case import parse_person, parse_settlement

    person = parse_person({"psn_no": "R1", "psn_type": "1101"}, "0")
    parsed = [parse_settlement({"med_type": "11", "facility": "tertiary", **v}, "0", i, person)
              for i, v in enumerate(visits)]
    story = Story.of(Setting(policy, f"{policy}-example"), person, parsed)
    return PropertyViolation("annual_cap", list(bad), [story], ())


REMOTE_FIRST = [{"id": "V1", "date": "2023-03-01", "medfee_sumamt": "3000.00", "remote": True},
                {"id": "V2", "date": "2023-04-01", "medfee_sumamt": "3000.00"}]


@pytest.mark.parametrize("policy", ["beijing", "nanchang", "zhejiang"])
def test_a_later_local_visit_s_deductible_read_from_a_total_counting_a_remote_visit_names_the_reading(policy):
    e = _violation(policy, REMOTE_FIRST, mismatch("act_pay_dedc", "0.00", "600.00", "V2"))
    assert remote_total_readings(e) == ["A-REMOTE-SAME"]


def test_a_year_total_counting_a_remote_visit_names_the_reading():
    e = _violation("beijing", REMOTE_FIRST, mismatch("ordinary_pay", "2000.00", "4000.00", "2023年度累计"))
    assert remote_total_readings(e) == ["A-REMOTE-SAME"]


def test_a_cap_broken_by_the_remote_visit_itself_counts_it_in_the_total_after_it():
    e = _violation("beijing", REMOTE_FIRST[:1], mismatch("ordinary_pay", "≤ 20000.00", "20241.30", "V1"))
    assert remote_total_readings(e) == []  # no bound: the visit's own figure, its own trace's
    capped = PropertyViolation("annual_cap", e.mismatches, e.stories, (), bound=("年度最高支付限额",))
    assert remote_total_readings(capped) == ["A-REMOTE-SAME"]
    ratio = PropertyViolation("ratio_bound", e.mismatches, e.stories, (), bound=("支付比例",))
    assert remote_total_readings(ratio) == []  # a visit's own ratio is no year's total


def test_no_remote_visit_counted_before_the_figure_names_nothing():
    local = [{**v, "remote": False} for v in REMOTE_FIRST]
    assert remote_total_readings(_violation("beijing", local, mismatch("act_pay_dedc", "0.00", "600.00", "V2"))) == []
    # the remote visit itself, first of its year: its own 异地就医 step is its trace's (place_readings_that_bear)
    assert remote_total_readings(_violation("beijing", REMOTE_FIRST,
                                            mismatch("act_pay_dedc", "600.00", "0.00", "V1"))) == []
    # another year's total
    assert remote_total_readings(_violation("beijing", REMOTE_FIRST,
                                            mismatch("ordinary_pay", "0.00", "1.00", "2024年度累计"))) == []
    # a figure no total decides
    assert remote_total_readings(_violation("beijing", REMOTE_FIRST,
                                            mismatch("inscp_scp_amt", "3000.00", "2900.00", "V2"))) == []


@pytest.fixture(scope="module")
def remote_url():
    from sample_server import twin_servers

    with twin_servers(__file__, ("s28_remote_own_total",)) as urls:
        yield urls["s28_remote_own_total"]


@pytest.mark.parametrize("policy,prop", [("beijing", "annual_cap"), ("beijing", "differential"),
                                         ("zhejiang", "annual_cap")])
def test_a_system_keeping_remote_visits_apart_fails_resting_on_the_reading(remote_url, policy, prop):
    from property_runs import seeded_property

    c = seeded_property(remote_url, policy, prop, 1, 30)
    assert c.status == "failed", (c.status, c.message[:400])
    assert "A-REMOTE-SAME" in (c.extra.get("rests_on") or []), (c.extra.get("rests_on"), c.message[:600])


if __name__ == "__main__":
    from sample_server import serve_twin

    sys.exit(serve_twin(sys.argv[1:]))
