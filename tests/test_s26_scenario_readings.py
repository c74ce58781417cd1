"""Scenarios failing against a system that took another reading the text allows name the reading their expected
figure rests on (probe s26/probe2 F2, F3, F5):

- F2: 攀枝花 第十条's no-account outline, row 二档 flexible worker: the overflow's 0.00 of ordinary pooling rests on
  tier 2 having no account (A-PZH-FLEX-TIER2), not only on the worker's type (A-PERSON-TYPES).
- F3: a refusal for want of flex_tier or the unfiled ratio, needed only for the part of a visit crossing the chronic
  cap that 第十一条 passes on, rests on how that visit is split (A-PZH-OVERFLOW-SPLIT).
- F5: a deductible after a reversal, made in a later year, of an earlier year's settlement rests on the reversal being
  taken back from its own year (A-REVERSAL).

Each system is a real HTTP server in its own process: the sample system's twin (`reversal_in_current_year`) or a
reading of tests/_s26_reading_mutants.py. The engine tests pin the reference's working those checks read.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from sample_server import SampleServer

from conform.harness.run import execute
from conform.reference.benefits import FlexTierNeeded
from conform.reference.case import parse_person, parse_settlement
from conform.reference.engine import PersonLedger
from conform.reference.policy import MissingParameter, bind

MUTANTS = Path(__file__).resolve().parent / "_s26_reading_mutants.py"
NO_ACCOUNT = "未建立个人账户的参保人照常享受两病和慢特病待遇"
SPLIT_NEEDS = "门诊慢特病超过限额转入普通门诊统筹时，才需要未备案比例和灵活就业人员的档次"
CROSS_YEAR = "新年度开始后撤销上年的结算，冲回的是上年的累计（A-REVERSAL）"


def _failed(run, title: str) -> list:
    return [c for c in run.checks if c.status == "failed" and c.name.startswith(title)]


# --------------------------------------------------------------------------- end to end


def test_tier2_row_names_the_tier2_reading():
    with SampleServer(script=MUTANTS, script_args=("tier2_pooling",)) as server:
        run, _ = execute(adapter=server.url, articles=("panzhihua-10",), tag="not conform_property")
    rows = [c for c in _failed(run, NO_ACCOUNT) if "二档" in c.name]
    assert rows, [(c.name, c.status) for c in run.checks if c.status != "passed"]
    for c in rows:
        assert "A-PZH-FLEX-TIER2" in c.extra.get("rests_on", []), (c.extra, c.message)
        assert "panzhihua-7" in c.failed_articles, c.failed_articles  # the article the account decides


def test_refusal_for_the_part_passed_on_names_the_split():
    with SampleServer(script=MUTANTS, script_args=("overflow_later_visits_only",)) as server:
        run, _ = execute(adapter=server.url, articles=("panzhihua-10",), tag="not conform_property")
    rows = _failed(run, SPLIT_NEEDS)
    assert {"flex_tier" in c.name for c in rows} == {True, False}, [(c.name, c.status) for c in run.checks]
    for c in rows:
        assert "A-PZH-OVERFLOW-SPLIT" in c.extra.get("rests_on", []), (c.name, c.extra)
    unfiled = next(c for c in rows if "flex_tier" not in c.name)
    assert "A-PZH-REMOTE-UNFILED" in unfiled.extra["rests_on"]  # its own requirement's reading, kept


def test_cross_year_reversal_scenario_names_the_reversal_reading():
    with SampleServer(defect="reversal_in_current_year") as server:
        run, _ = execute(adapter=server.url, articles=("nanchang-4.2.1",), tag="not conform_property")
    rows = _failed(run, CROSS_YEAR)
    assert len(rows) == 1, [(c.name, c.status) for c in run.checks if c.status != "passed"]
    assert "A-REVERSAL" in rows[0].extra.get("rests_on", []), (rows[0].extra, rows[0].message)


def test_the_scenarios_still_pass_against_the_reference():
    run, _ = execute(articles=("panzhihua-10", "nanchang-4.2.1"), tag="not conform_property")
    bad = [(c.name, c.status, c.message[:200]) for c in run.checks if c.status not in ("passed", "skipped")]
    assert not bad, bad
    names = {c.name for c in run.checks if c.status == "passed"}
    for title in (NO_ACCOUNT, SPLIT_NEEDS, CROSS_YEAR):
        assert any(n.startswith(title) for n in names), title


# --------------------------------------------------------------------------- the reference's working


def _ledger(policy: str, region: str | None, **person) -> PersonLedger:
    p = parse_person({"psn_no": "P", **person}, "t")
    return PersonLedger(bind(policy, region), p)


def _settle(led: PersonLedger, sid: str, day: str, total: str, **more):
    s = parse_settlement({"id": sid, "date": day, "medfee_sumamt": total, **more}, "t", 0, led.person)
    return led.settle(s)


def _steps(res) -> list[dict]:
    return res.trace.render()


M00500 = {"chronic_diseases": [{"dise_codg": "M00500", "kind": "chronic"}]}
CHRONIC = {"med_type": "14", "facility": "secondary", "dise_codg": "M00500"}


@pytest.mark.parametrize("person, tier2", [({"psn_type": "1103", "flex_tier": 2}, True),
                                          ({"psn_type": "1101", "has_account": False}, False)])
def test_overflow_without_account_charges_no_ordinary_deductible_for_the_reason_there_is_none(person, tier2):
    # M00500 300 / 80% / 4000: 6000 → (6000 − 300) × 80% = 4560 > 4000 → 4000.00; 4000 / 80% = 5000 covered, the
    # 700 left passes on (第十一条) and gets no ordinary pooling (第七条): no ordinary deductible charged on it either
    led = _ledger("panzhihua", "panzhihua-example", **person, **M00500)
    res = _settle(led, "V1", "2023-03-01", "6000.00", **CHRONIC)
    assert res.ordinary_pay == Decimal("0.00") and res.chronic_pay == Decimal("4000.00")
    names = [t["step"] for t in _steps(res)]
    assert names.index("慢特病起付线") < names.index("享受条件") < names.index("起付线"), names
    dedc = _steps(res)[names.index("起付线")]
    assert dedc["value"] == "0.00"
    assert ("A-PZH-FLEX-TIER2" in dedc["clause"]) is tier2, dedc
    assert "攀枝花 第七条" in dedc["clause"] and "A-PZH-NO-ACCOUNT-CHRONIC" in dedc["clause"]
    assert res.act_pay_dedc == Decimal("300.00")  # the chronic deductible only


def test_flex_tier_refusal_carries_the_split_only_for_the_visit_crossing_the_cap():
    led = _ledger("panzhihua", "panzhihua-example", psn_type="1103", **M00500)
    with pytest.raises(FlexTierNeeded) as e:
        _settle(led, "V1", "2023-03-01", "6000.00", **CHRONIC)  # crosses: 4000.00 paid, 700 passed on
    assert getattr(e.value, "readings", ()) == ("A-PZH-OVERFLOW-SPLIT",)
    _settle(led, "V1", "2023-03-01", "5300.00", **CHRONIC)  # (5300 − 300) × 80% = 4000.00: exactly the cap, settled
    with pytest.raises(FlexTierNeeded) as later:
        _settle(led, "V2", "2023-04-01", "1000.00", **CHRONIC)  # the cap spent before: all of it passes on anyway
    assert getattr(later.value, "readings", ()) == ()


def test_unfiled_ratio_refusal_carries_the_split_beside_its_own_reading():
    led = _ledger("panzhihua", "panzhihua-example", psn_type="1101", **M00500)
    with pytest.raises(MissingParameter) as e:
        _settle(led, "V1", "2023-03-01", "6000.00", remote=True, **CHRONIC)
    assert e.value.reading == "A-PZH-REMOTE-UNFILED"
    assert getattr(e.value, "readings", ()) == ("A-PZH-OVERFLOW-SPLIT",)


def _nanchang(v2: str, v3: str):
    led = _ledger("nanchang", None, psn_type="1101")
    tertiary = {"med_type": "11", "facility": "tertiary"}
    _settle(led, "V1", "2023-12-20", "1000.00", **tertiary)
    _settle(led, "V2", "2024-01-05", v2, **tertiary)
    led.reverse("V1")
    return _settle(led, "V3", "2024-01-10", v3, **tertiary)


def _clause(res, step: str) -> str:
    return next(t["clause"] for t in _steps(res) if t["step"] == step)


def test_deductible_after_a_later_years_reversal_of_an_earlier_settlement_cites_the_reversal():
    res = _nanchang("1000.00", "100.00")  # 2024's 600 met by V2: V3 charges 0.00 of 100.00
    assert res.act_pay_dedc == Decimal("0.00") and res.hifp_pay == Decimal("50.00")
    assert "A-REVERSAL" in _clause(res, "起付线")


def test_deductible_the_remainder_did_not_bind_cites_no_reversal():
    res = _nanchang("100.00", "100.00")  # 500 left of 600: V3 charges all its 100.00 under either reading
    assert res.act_pay_dedc == Decimal("100.00")
    assert "A-REVERSAL" not in _clause(res, "起付线")


def test_a_reversal_in_its_own_year_keeps_nothing_for_the_next():
    led = _ledger("nanchang", None, psn_type="1101")
    tertiary = {"med_type": "11", "facility": "tertiary"}
    _settle(led, "V1", "2023-12-20", "1000.00", **tertiary)
    led.reverse("V1")
    res = _settle(led, "V2", "2024-01-05", "100.00", **tertiary)
    assert not led.ytd(2024).kept_totals
    assert "A-REVERSAL" not in _clause(res, "起付线")


def test_year_deductible_total_after_an_unpooled_overflow_cites_why_none_was_charged():
    # the tier-2 worker's crossing visit charged no ordinary deductible on its 700 passed on (no account: 第七条 by
    # A-PZH-FLEX-TIER2); a system reading tier 2 as having an account counts 200.00 there, so the year's 0.00 rests
    # on that reading, not on 第十条's chronic deductible alone
    from conform.harness.adapters.reference import ReferenceAdapter
    from conform.harness.steps.world import World

    w = World(ReferenceAdapter())
    w.policy, w.region = "panzhihua", "panzhihua-example"
    w.set_person(psn_no="PZH-T2", psn_type="1103", flex_tier="2", **M00500)
    w.settle({"date": "2023-03-01", "medfee_sumamt": "6000.00", **CHRONIC})
    total = w.ytd_trace(2023, "ordinary_dedc", "起付线")[-1]
    assert total["value"] == "0.00"
    assert "A-PZH-FLEX-TIER2" in total["clause"] and "攀枝花 第七条" in total["clause"], total
