"""A year total (or a figure reading it) that counts a remote visit names A-REMOTE-SAME (probe s28/probeH3 F7).

Where a document gives remote (异地) visits no standard of their own (北京, 南昌, 浙江), that remote and local visits share
one deductible and one cap is the reading A-REMOTE-SAME: the reference's 异地就医 step cites it (`decides`). A system
keeping remote visits in a year total of their own failed year-total and cap properties "on the text": the failing
figure — the year's total, or a later local visit's deductible or payment read from it — is computed by steps citing
the article alone. Such a failure now names the reading, as A-REVERSAL is named for a total a reversal changed —
only where counting the remote visit there is what differs (probe s28 R R5): the system's figure is the reference's
with remote visits kept in totals of their own, or, that figure unknown, keeping them apart changes the reference's.
A remote visit counting nothing (wholly 全自费), or a later visit's own error, names nothing.
The twin is served from this file (`__main__`); it keys the remote totals by psn_no and T001 clears them, so a replay
settles as the first run did (probe s28 R R6)."""
from __future__ import annotations

import sys

import pytest

from conform.fixtures.sample_system import defects as D
from conform.fixtures.sample_system import service as SV
from conform.harness.properties.base import PropertyViolation, Story, mismatch, remote_total_readings
from conform.reference.ledger import YearState

_settle = SV.SampleSystem._settle
_create = SV.SampleSystem.create_person

# the remote visits' own totals, by (psn_no, year): keyed by the person's number, not the object's id() (a new person
# may get a freed one's id and inherit its totals), and cleared by T001, so a replay settles as the first run did
# (probe s28 R R6)
REMOTE_TOTALS: dict = {}


def _register() -> None:
    """The twin, registered only in the server's process (at import it joined DEFECTS in every test process)."""
    @D.defect("s28_remote_own_total", "异地就医另建一套年度累计（起付线、统筹支付单独累计）", "A-REMOTE-SAME")
    def _remote_own_total() -> None:
        def settle(self, data, commit):
            year = str(data.get("setl_date", ""))[:4]
            if data.get("remote_flag") not in ("1", 1, True) or not year.isdigit():
                return _settle(self, data, commit)
            p, y = self._person(data), int(year)
            key = (p.ledger.person.psn_no, y)
            saved = p.ledger.years.get(y)
            p.ledger.years[y] = REMOTE_TOTALS.get(key, YearState(y)).clone()
            try:
                out = _settle(self, data, commit)
                if commit:
                    REMOTE_TOTALS[key] = p.ledger.years[y]
            finally:
                if saved is None:
                    p.ledger.years.pop(y, None)
                else:
                    p.ledger.years[y] = saved
            return out

        def create(self, data):
            out = _create(self, data)
            for key in [k for k in REMOTE_TOTALS if k[0] == out["psn_no"]]:
                del REMOTE_TOTALS[key]  # a test reset starts the remote totals afresh too
            return out
        SV.SampleSystem._settle = settle
        SV.SampleSystem.create_person = create


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
# the remote visit counting nothing: a bill wholly 全自费 (政策范围内 0.00, no deductible used, nothing paid)
OWN_PAY_FIRST = [{"id": "V1", "date": "2023-03-01", "medfee_sumamt": "300.00", "fulamt_ownpay_amt": "300.00",
                  "remote": True},
                 {"id": "V2", "date": "2023-04-01", "medfee_sumamt": "1000.00"}]
UNKNOWN = "(missing)"  # no figure of the system's: the reference decides


# V2 (三级, 3000.00) settled as if V1 (remote) had not been counted: the document's full deductible (北京 1800.00,
# 南昌 and 浙江 600.00), the figure a system keeping remote visits in a total of their own answers
@pytest.mark.parametrize("policy,apart", [("beijing", "1800.00"), ("nanchang", "600.00"), ("zhejiang", "600.00")])
def test_a_later_local_visit_s_deductible_read_from_a_total_counting_a_remote_visit_names_the_reading(policy, apart):
    e = _violation(policy, REMOTE_FIRST, mismatch("act_pay_dedc", "0.00", apart, "V2"))
    assert remote_total_readings(e) == ["A-REMOTE-SAME"]
    # the reference decides where the system's figure is not known: counting V1 changes V2's deductible
    assert remote_total_readings(_violation(policy, REMOTE_FIRST, mismatch("act_pay_dedc", "0.00", UNKNOWN, "V2"))) \
        == ["A-REMOTE-SAME"]


def test_a_later_visit_s_figure_the_remote_visit_does_not_explain_names_nothing():
    # 浙江 V2 shares V1's total: the cap's 2000.00 − V1's 1200.00 = 800.00; kept apart, V2 alone: (3000.00 − 600.00)
    # × 50 % = 1200.00. An answer of 960.00 is neither: V2's own error, not the reading's
    e = _violation("zhejiang", REMOTE_FIRST, mismatch("hifp_pay", "800.00", "960.00", "V2"))
    assert remote_total_readings(e) == []
    assert remote_total_readings(_violation("zhejiang", REMOTE_FIRST,
                                            mismatch("hifp_pay", "800.00", "1200.00", "V2"))) == ["A-REMOTE-SAME"]


@pytest.mark.parametrize("actual", ["240.00", UNKNOWN])
def test_a_remote_visit_that_counted_nothing_bears_on_no_later_figure(actual):
    # probe s28 R R5: V1 remote and wholly 全自费 adds nothing to any total; V2 paid at 60 % for 50 % (浙江 二（一）)
    e = _violation("zhejiang", OWN_PAY_FIRST, mismatch("hifp_pay", "200.00", actual, "V2"))
    assert remote_total_readings(e) == []
    assert remote_total_readings(_violation("zhejiang", OWN_PAY_FIRST,
                                            mismatch("act_pay_dedc", "600.00", "0.00", "V2"))) == []


def test_a_year_total_counting_a_remote_visit_names_the_reading():
    # 北京: V1 840.00 + V2 2100.00 = 2940.00 shared; without V1 the total is V2 alone, 840.00
    e = _violation("beijing", REMOTE_FIRST, mismatch("ordinary_pay", "2940.00", "840.00", "2023年度累计"))
    assert remote_total_readings(e) == ["A-REMOTE-SAME"]
    assert remote_total_readings(_violation("beijing", REMOTE_FIRST, mismatch("ordinary_pay", "2940.00", UNKNOWN,
                                                                              "2023年度累计"))) == ["A-REMOTE-SAME"]
    # a total off otherwise: no reading's figure
    assert remote_total_readings(_violation("beijing", REMOTE_FIRST, mismatch("ordinary_pay", "2940.00", "4000.00",
                                                                              "2023年度累计"))) == []
    # a remote visit counting nothing changes no total
    assert remote_total_readings(_violation("zhejiang", OWN_PAY_FIRST, mismatch("ordinary_pay", "200.00", UNKNOWN,
                                                                                "2023年度累计"))) == []


BIG = [{**v, "medfee_sumamt": "40000.00"} for v in REMOTE_FIRST]  # 北京: each pays the 20000.00 cap on its own


def test_a_cap_broken_by_payments_kept_in_two_totals_names_the_reading():
    e = _violation("beijing", BIG, mismatch("ordinary_pay", "≤ 20000.00", "40000.00", "V2"))
    assert remote_total_readings(e) == []  # no bound: V2's own ordinary_pay (20000.00 apart) is not 40000.00
    capped = PropertyViolation("annual_cap", e.mismatches, e.stories, (), bound=("年度最高支付限额",))
    assert remote_total_readings(capped) == ["A-REMOTE-SAME"]  # 20000.00 + 20000.00: one cap for each total
    over = PropertyViolation("annual_cap", [mismatch("ordinary_pay", "≤ 20000.00", "20100.00", "V2")], e.stories, (),
                             bound=("年度最高支付限额",))
    assert remote_total_readings(over) == []  # 100.00 over one shared cap: the cap article's, no reading's
    ratio = PropertyViolation("ratio_bound", e.mismatches, e.stories, (), bound=("支付比例",))
    assert remote_total_readings(ratio) == []  # a visit's own ratio is no year's total


def test_a_cap_broken_by_the_remote_visit_alone_names_nothing():
    # the remote visit first and alone in its year: a total of its own holds the same payments (was named before
    # probe s28 R R5: the remote visit was in the total, but keeping it apart would not change it)
    e = PropertyViolation("annual_cap", [mismatch("ordinary_pay", "≤ 20000.00", "20241.30", "V1")],
                          _violation("beijing", BIG[:1]).stories, (), bound=("年度最高支付限额",))
    assert remote_total_readings(e) == []


def test_no_remote_visit_counted_before_the_figure_names_nothing():
    local = [{**v, "remote": False} for v in REMOTE_FIRST]
    assert remote_total_readings(_violation("beijing", local, mismatch("act_pay_dedc", "0.00", "1800.00", "V2"))) == []
    # the remote visit itself, first of its year: its own 异地就医 step is its trace's (place_readings_that_bear)
    assert remote_total_readings(_violation("beijing", REMOTE_FIRST,
                                            mismatch("act_pay_dedc", "1800.00", "0.00", "V1"))) == []
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

    _register()
    sys.exit(serve_twin(sys.argv[1:]))
