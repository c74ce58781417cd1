"""What a failing figure rests on, where the reviewer rmut4 found the blame saying more than the trace shows.

D1: a rounding reading (A-ROUND-FEN, 浙江's A-ZJ-HALF-FEN) decides at most a figure's last fen, so a figure more
than a fen off never rests on it, though the step at which it is put (or the whole trace, where no step shows a
bound) cites it. D2: a visit split between chronic and ordinary benefit is blamed at its differing part, not on
every article of its trace. D3/D4: a year-to-date total is checked against the reference's working of that
total, so that one a reversal decided rests on A-REVERSAL, and its cause has a clause (依据).

Figures are worked by hand from the texts: 南昌 四（二）1 "起付线600元", 四（四） 定点零售药店 at a region's 50%
(the text gives no pharmacy ratio: A-NC-PHARMACY, `NC_PHARMACY`); 攀枝花 第七条
"起付线为200元 … 二级及以下60%", 第十条/第十一条 with the feature's example chronic figures (M001: 起付线 100,
80%, 限额 800); rounding to the fen half up is A-ROUND-FEN (no text states it); reversals are A-REVERSAL.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from conform.harness.adapters.reference import ReferenceAdapter
from conform.harness.plugin import MismatchError, _blame_scenario
from conform.harness.report import causes
from conform.harness.report.causes import blame, group
from conform.harness.results import CheckResult
from conform.harness.steps.library import then_field, then_ytd
from conform.harness.steps.world import World
from conform.reference.case import parse_case
from conform.reference.engine import compute_case

M001 = {"chronic.M001.deductible": "100", "chronic.M001.ratio": "0.80", "chronic.M001.cap": "800"}
# 南昌 四（四）names no pharmacy ratio: the region's (A-NC-PHARMACY), here 50%
NC_PHARMACY = {"ordinary.ratio.in_service.pharmacy": "0.50"}


def traces(policy: str, person: dict, visits: list[dict], **case) -> dict[str, list[dict]]:
    """The reference engine's own trace of each settlement, by its id."""
    out = compute_case(parse_case({"policy": policy, "person": person, "settlements": visits, **case}))
    return {s["id"]: s["trace"] for s in out["settlements"]}


def nc_pharmacy() -> list[dict]:
    # 南昌 在职 定点零售药店 836.17: 起付线 600.00; (836.17 − 600.00) × 50% = 118.085 → 118.09 (half up: the ratio
    # step rounded, so it cites A-ROUND-FEN beside 四（四） and A-NC-PHARMACY)
    return traces("nanchang", {"psn_no": "N1", "psn_type": "1101"},
                  [{"id": "V1", "date": "2023-03-01", "facility": "pharmacy", "med_type": "41",
                    "medfee_sumamt": "836.17"}], params=NC_PHARMACY)["V1"]


# ------------------------------------------------------------------------------------------------- D1

def test_the_rounding_readings_are_those_the_policy_files_name():
    # A-ROUND-FEN (common.yaml: 统筹基金支付额按四舍五入保留到分) and the one derived figure's rounding, 浙江's
    # retiree deductible (zhejiang.yaml derived … rounding: A-ZJ-HALF-FEN), and a month's credit rounded to the fen
    # (common.yaml A-ACCOUNT-MONTH, whose once-a-month half decides refusals only: probe s25 Z3 F1)
    assert causes.fen_readings() == {"A-ROUND-FEN", "A-ZJ-HALF-FEN", "A-ACCOUNT-MONTH"}


def test_a_payment_far_over_its_bound_does_not_rest_on_rounding():
    # the property "每笔统筹支付不超过（政策范围内费用 − 本次起付线）× 支付比例": the system paid 55%,
    # (836.17 − 600.00) × 55% = 129.8935 → 129.89, against the bound 118.085: 11.805 over. No step shows a bound,
    # so the figure rests on the whole trace: its articles and A-NC-PHARMACY, not the ratio step's rounding
    trace = nc_pharmacy()
    assert any("A-ROUND-FEN" in t["clause"] for t in trace)  # the premise: the trace cites the rounding
    m = {"field": "hifp_pay", "expected": "≤ (836.17 − 600.00) × 0.5 = 118.085", "actual": "129.89", "item": "V1"}
    assert blame([m], {"V1": trace}, "nanchang") == (["nanchang-4.2.1", "nanchang-4.4"], ["A-NC-PHARMACY"])
    check = {"id": "c1", "status": "failed", "kind": "property", "document": "南昌", "policy": "nanchang",
             "articles": ["nanchang-4.4"], "path": "", "trace": trace, "message": "", "extra": {}, "mismatches": [m]}
    [cause] = group([check], {})
    assert "A-ROUND-FEN" not in cause["clause"], cause["clause"]


def test_a_payment_within_a_fen_of_its_bound_may_rest_on_rounding():
    # 118.09 against the bound 118.085 is 0.005 over: exactly what rounding the half fen up gives
    m = {"field": "hifp_pay", "expected": "≤ (836.17 − 600.00) × 0.5 = 118.085", "actual": "118.09", "item": "V1"}
    assert blame([m], {"V1": nc_pharmacy()}, "nanchang")[1] == ["A-NC-PHARMACY", "A-ROUND-FEN"]


def test_a_ratio_half_a_point_off_does_not_rest_on_rounding_the_payment():
    # a ratio is no amount of fen: 0.4950 recorded for 南昌's pharmacy 50% (四（四）, A-NC-PHARMACY) is 0.005 off,
    # "within a fen" as a number, but rounding the payment (200.005 → 200.01 on 1000.01) never decides the ratio
    trace = traces("nanchang", {"psn_no": "N2", "psn_type": "1101"},
                   [{"id": "V1", "date": "2023-03-01", "facility": "pharmacy", "med_type": "41",
                     "medfee_sumamt": "1000.01"}], params=NC_PHARMACY)["V1"]
    m = {"field": "pool_prop_selfpay", "expected": "0.5000", "actual": "0.4950", "item": "V1"}
    assert blame([m], {"V1": trace}, "nanchang") == (["nanchang-4.4"], ["A-NC-PHARMACY"])


def test_a_fen_off_at_the_rounding_step_rests_on_rounding_and_more_does_not():
    # 攀枝花 M001 二级 1049.53: 慢特病起付线 100; (1049.53 − 100.00) × 80% = 759.624 → 759.62, rounded at the
    # 慢特病支付 step, the last step showing 759.62 (第十条；A-ROUND-FEN)
    trace = traces("panzhihua", {"psn_no": "P1", "psn_type": "1101",
                                 "chronic_diseases": [{"dise_codg": "M001", "kind": "chronic"}]},
                   [{"id": "V1", "date": "2023-02-01", "facility": "secondary", "med_type": "14",
                     "dise_codg": "M001", "medfee_sumamt": "1049.53"}],
                   region="panzhihua-example", params=M001)["V1"]
    fen = {"field": "chronic_pay", "expected": "759.62", "actual": "759.63", "item": "V1"}
    assert blame([fen], {"V1": trace}, "panzhihua") == (["panzhihua-10"], ["A-ROUND-FEN"])
    # paid at 70%: (1049.53 − 100.00) × 70% = 664.671 → 664.67, 94.95 short — the ratio's, not the rounding's
    far = {**fen, "actual": "664.67"}
    assert blame([far], {"V1": trace}, "panzhihua") == (["panzhihua-10"], [])
    # a figure the system did not give is no fen off either
    assert blame([{**fen, "actual": "(missing)"}], {"V1": trace}, "panzhihua") == (["panzhihua-10"], [])


def test_a_deductible_far_from_its_half_does_not_rest_on_the_half_fen_reading():
    # 浙江 二（一）退休人员起付线减半执行: an in-service 555.55 halves to 277.775 → 277.78 (A-ZJ-HALF-FEN). A system
    # charging the in-service 555.55 is 277.77 off: the article's, not the half fen's; 277.77 is a fen off
    trace = [{"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "1000.00"},
             {"step": "起付线", "clause": "浙江 二（一）；A-ZJ-HALF-FEN", "value": "277.78"}]
    m = {"field": "act_pay_dedc", "expected": "277.78", "actual": "555.55", "item": "V1"}
    assert blame([m], {"V1": trace}, "zhejiang") == (["zhejiang-2.1"], [])
    assert blame([{**m, "actual": "277.77"}], {"V1": trace}, "zhejiang") == (["zhejiang-2.1"], ["A-ZJ-HALF-FEN"])


# ------------------------------------------------------------------------------------------------- D2

def pzh_split() -> list[dict]:
    # 攀枝花 第11条 feature (慢特病限额余额所对应的费用四舍五入到分): V1 二级 1049.53 pays 759.62 of the 800 cap;
    # V2 二级 1000.00: 1000 × 80% = 800 > 40.38 left → 慢特病 40.38; covered 40.38 / 80% = 50.475 → 50.48;
    # 1000 − 50.48 = 949.52 to ordinary pooling: 起付线 200, (949.52 − 200) × 60% = 449.712 → 449.71 (rounded);
    # 统筹 40.38 + 449.71 = 490.09
    return traces("panzhihua", {"psn_no": "P2", "psn_type": "1101",
                                "chronic_diseases": [{"dise_codg": "M001", "kind": "chronic"}]},
                  [{"id": "V1", "date": "2023-02-01", "facility": "secondary", "med_type": "14", "dise_codg": "M001",
                    "medfee_sumamt": "1049.53"},
                   {"id": "V2", "date": "2023-03-01", "facility": "secondary", "med_type": "14", "dise_codg": "M001",
                    "medfee_sumamt": "1000.00"}],
                  region="panzhihua-example", params=M001)["V2"]


# a system rounding the split's half fen down: 50.47 covered, 949.53 ordinary, (949.53 − 200) × 60% = 449.718 → 449.72
SPLIT_MISMATCHES = [{"field": "ordinary_pay", "expected": "449.71", "actual": "449.72", "item": "V2"},
                    {"field": "hifp_pay", "expected": "490.09", "actual": "490.10", "item": "V2"}]


def test_a_split_visits_payment_is_put_at_its_differing_part_not_its_whole_trace():
    trace = pzh_split()
    assert causes.root_mismatch(SPLIT_MISMATCHES)["field"] == "ordinary_pay"  # the parts come before their sum
    # the ordinary part's ratio step rounded 449.712 → 449.71 (第七条, A-ROUND-FEN), and the split before it
    # 40.38 / 80% = 50.475 → 50.48 half up (第十一条, A-PZH-OVERFLOW-SPLIT): rounded down to 50.47 it gives
    # 1000 − 50.47 = 949.53 and (949.53 − 200) × 60% = 449.718 → 449.72, the system's figure, so the fen may have
    # begun at either (rclose9 D1) — but no usual rounding of 449.712 gives 449.72, so it began at the split alone
    # (probe s22 E, F2); not the chronic article 第十条 (40.38 answered right) nor
    # A-CHRONIC-OVERFLOW-RATIO (the recorded ratio, answered right)
    assert blame(SPLIT_MISMATCHES, {"V2": trace}, "panzhihua") == (
        ["panzhihua-11"], ["A-PZH-OVERFLOW-SPLIT", "A-ROUND-FEN"])
    check = {"id": "c1", "status": "failed", "kind": "scenario", "document": "攀枝花", "policy": "panzhihua",
             "articles": ["panzhihua-11"], "path": "features/panzhihua/x.feature", "trace": trace, "message": "",
             "extra": {}, "mismatches": SPLIT_MISMATCHES}
    [cause] = group([check], {})
    assert (cause["field"], cause["step"], cause["clause"]) == (
        "ordinary_pay", "转入普通门诊统筹", "攀枝花 第十一条；A-PZH-OVERFLOW-SPLIT；A-ROUND-FEN")


def test_a_split_visits_total_alone_is_put_at_the_part_its_evidence_shows_differing():
    # only 统筹基金支付 compared (统筹基金支付为 490.09 元): the system's answer (2207) and the reference's own
    # settlement show the chronic parts alike (40.38) and the ordinary parts not (449.72 / 449.71)
    reference = {"id": "V2", "hifp_pay": "490.09", "ordinary_pay": "449.71", "chronic_pay": "40.38",
                 "inpatient_pay": "0.00"}
    evidence = [{"operation": "2207 门诊结算", "request": {"infno": "2207", "input": {"data": {"mdtrt_id": "V2"}}},
                 "response": {"infcode": 0, "output": {"setlinfo": {**reference, "mdtrt_id": "V2", "hifp_pay": "490.10",
                                                                    "ordinary_pay": "449.72"}}}},
                {"operation": "settle", "request": {"psn_no": "P2", "id": "V2"}, "response": reference}]
    # (the ordinary part's fen is the split's rounding, as above)
    assert blame(SPLIT_MISMATCHES[1:], {"V2": pzh_split()}, "panzhihua", evidence) == (
        ["panzhihua-11"], ["A-PZH-OVERFLOW-SPLIT", "A-ROUND-FEN"])


def test_a_split_visits_total_with_no_evidence_does_not_rest_on_the_recorded_ratio():
    # a property comparing the total alone, 9.91 over: the whole trace, less the step recording the settlement's
    # ratio (结算支付比例: A-CHRONIC-OVERFLOW-RATIO decides the ratio, no amount) and the rounding (more than a fen)
    m = {"field": "hifp_pay", "expected": "490.09", "actual": "500.00", "item": "V2"}
    tags, named = blame([m], {"V2": pzh_split()}, "panzhihua")
    assert named == ["A-PZH-OVERFLOW-SPLIT"], named
    assert set(tags) == {"panzhihua-7", "panzhihua-10", "panzhihua-11"}, tags


# ------------------------------------------------------------------------------------------------- D3, D4

class KeepsReversedDeductible(ReferenceAdapter):
    """Reverses, but its year total still counts the reversed settlement's deductible (`kept`)."""

    def __init__(self, kept: str = "600.00") -> None:
        super().__init__()
        self.kept = kept

    def query_ytd(self, psn_no, year):
        return {**super().query_ytd(psn_no, year), "ordinary_dedc": self.kept}


def nanchang(adapter: ReferenceAdapter, psn: str = "NC-R") -> World:
    w = World(adapter)
    w.policy = "nanchang"
    w.set_person(psn_no=psn, psn_type="1101")
    return w


def visit(w: World, day: str, total: str = "1000.00", facility: str = "tertiary") -> None:
    w.settle({"date": day, "facility": facility, "med_type": "11", "medfee_sumamt": total})


def failed_ytd(w: World, label: str, amt: str) -> CheckResult:
    with pytest.raises(MismatchError) as e:
        then_ytd(w, "2023", label, amt)
    ch = CheckResult("f::s", "scenario", "s", policy="nanchang", articles=["nanchang-4.2.1"], status="failed",
                     feature_file="features/nanchang/x.feature", mismatches=e.value.mismatches, trace=e.value.trace)
    _blame_scenario(ch, e.value)
    return ch


def test_a_year_total_a_reversal_emptied_rests_on_the_reversal_alone():
    # 南昌 feature:278: V1 三级 1000 → 起付线 600, (1000 − 600) × 50% = 200; 撤销 V1 → the year's deductible 0.00.
    # No text speaks of reversals: a system keeping 600.00 disagrees with A-REVERSAL, not with "起付线600元"
    w = nanchang(KeepsReversedDeductible())
    visit(w, "2023-03-01")
    w.reverse("V1")
    ch = failed_ytd(w, "起付线", "0.00")
    assert ch.extra["rests_on"] == ["A-REVERSAL"] and ch.failed_articles == ["nanchang-A-REVERSAL"]
    total = ch.trace[-1]
    assert (total["step"], total["value"], total["clause"]) == ("年度累计起付线", "0.00", "A-REVERSAL")
    assert [t["step"] for t in ch.trace] == ["结算撤销", "年度累计起付线"]  # V1's own steps no longer count
    # the cause says where and on what (依据 was blank: the check carried no trace)
    check = {"id": "c1", "status": "failed", "kind": "scenario", "document": "南昌", "policy": "nanchang",
             "articles": ch.articles, "failed_articles": ch.failed_articles, "path": ch.feature_file,
             "trace": ch.trace, "message": "", "extra": ch.extra,
             "mismatches": [vars(m) for m in ch.mismatches]}
    [cause] = group([check], {})
    assert (cause["step"], cause["clause"]) == ("年度累计起付线", "A-REVERSAL"), cause["headline"]


def test_a_year_total_after_a_reversal_and_a_new_visit_rests_on_both():
    # V1 600 reversed, then V2 三级 1000 charges the whole 600 again (此前已累计 0.00): the year's 600.00 is V2's
    # deductible (四（二）1) counted once the reversal took V1's out (A-REVERSAL); a system keeping V1's says 1200.00
    w = nanchang(KeepsReversedDeductible("1200.00"))
    visit(w, "2023-03-01")
    w.reverse("V1")
    visit(w, "2023-04-01")
    ch = failed_ytd(w, "起付线", "600.00")
    assert ch.failed_articles == ["nanchang-4.2.1"] and ch.extra["rests_on"] == ["A-REVERSAL"]
    assert ch.trace[-1]["clause"] == "南昌 四（二）1；A-REVERSAL"


class CountsDeductibleTwice(ReferenceAdapter):
    def query_ytd(self, psn_no, year):
        out = super().query_ytd(psn_no, year)
        return {**out, "ordinary_dedc": str(2 * Decimal(out["ordinary_dedc"]))}


def test_a_year_total_no_reversal_changed_rests_on_the_articles():
    # V1 三级 1000 → 600; V2 三级 1000 → 0 (600 already counted), (1000 − 0) × 50% = 500; 撤销 V2 takes out its
    # payment 500 but no deductible: the year's 600.00 is V1's. A system saying 1200.00 is 四（二）1's alone
    w = nanchang(CountsDeductibleTwice())
    visit(w, "2023-03-01")
    visit(w, "2023-04-01")
    w.reverse("V2")
    ch = failed_ytd(w, "起付线", "600.00")
    assert ch.failed_articles == ["nanchang-4.2.1"] and "rests_on" not in ch.extra
    assert ch.trace[-1]["clause"] == "南昌 四（二）1"


def test_a_reversal_answered_short_rests_on_the_reversal():
    # 攀枝花 feature:273: V1 三级 600.00 → (600 − 200) × 50% = 200.00; its reversal gives back −200.00 (A-REVERSAL:
    # 冲销该笔结算本身计入的…基金支付额). A system giving back −150.00 disagrees with that reading
    class ShortReversal(ReferenceAdapter):
        def reverse(self, psn_no, setl_id):
            return {**super().reverse(psn_no, setl_id), "hifp_pay": "-150.00"}

    w = World(ShortReversal())
    w.policy = "panzhihua"
    w.set_person(psn_no="P3", psn_type="1101")
    visit(w, "2023-03-01", "600.00")
    w.reverse("V1")
    with pytest.raises(MismatchError) as e:
        then_field(w, "统筹基金支付", "-200.00", "V1-撤销")
    ch = CheckResult("f::s", "scenario", "s", policy="panzhihua", articles=["panzhihua-7"], status="failed")
    _blame_scenario(ch, e.value)
    assert ch.failed_articles == ["panzhihua-A-REVERSAL"] and ch.extra["rests_on"] == ["A-REVERSAL"]


def test_a_year_total_that_is_not_a_figure_fails_showing_it():
    # the system's answer is untrusted: "abc" is a mismatch, not a harness error
    class Junk(ReferenceAdapter):
        def query_ytd(self, psn_no, year):
            return {**super().query_ytd(psn_no, year), "ordinary_dedc": "abc"}

    w = nanchang(Junk())
    visit(w, "2023-03-01")
    with pytest.raises(MismatchError) as e:
        then_ytd(w, "2023", "起付线", "600.00")
    assert [(m.field, m.expected, m.actual) for m in e.value.mismatches] == [("ordinary_dedc", "600.00", "abc")]


def test_a_cause_of_year_totals_properties_included_has_a_clause():
    # a property's year total carries no trace (it is blamed by its field: 南昌 四（二）1); with a scenario's
    # resting on A-REVERSAL under the same cause, the 依据 names the article all of them fail, not nothing
    ytd = {"field": "ordinary_dedc", "expected": "0.00", "actual": "600.00", "item": "2023年度累计", "label": "起付线"}
    scenario = {"id": "c1", "status": "failed", "kind": "scenario", "document": "南昌", "policy": "nanchang",
                "articles": ["nanchang-4.2.1"], "failed_articles": ["nanchang-A-REVERSAL"],
                "path": "features/nanchang/x.feature", "message": "", "extra": {"rests_on": ["A-REVERSAL"]},
                "trace": [{"step": "年度累计起付线", "clause": "A-REVERSAL", "value": "0.00"}], "mismatches": [ytd]}
    prop = {**scenario, "id": "c2", "kind": "property", "path": "", "trace": [], "extra": {},
            "failed_articles": ["nanchang-4.2.1"]}
    [cause] = group([scenario, prop], {})
    assert cause["clause"] == "南昌 四（二）1", cause["clause"]
    [cause] = group([prop], {})
    assert cause["clause"] == "南昌 四（二）1", cause["clause"]


def test_the_sample_twin_keeping_the_year_totals_fails_its_reversal_totals_on_the_reversal():
    """conform.fixtures.sample_system's reversal_keeps_ytd over HTTP, 南昌 四（二）1's scenarios: the year totals
    after 撤销 (feature:278 and :450, both expect 0.00 where the twin keeps 600.00) rest on A-REVERSAL."""
    from sample_server import SampleServer

    from conform.harness.report.model import build
    from conform.harness.run import execute

    with SampleServer(defect="reversal_keeps_ytd") as twin:
        run, _ = execute(adapter=twin.url, articles=("nanchang-4.2.1",), tag="not conform_property")
    totals = [c for c in run.checks if c.status == "failed" and c.mismatches
              and all(m.item == "2023年度累计" for m in c.mismatches)]
    assert len(totals) == 2, [(c.name, c.status) for c in run.checks if c.status != "passed"]
    for c in totals:
        assert c.failed_articles == ["nanchang-A-REVERSAL"] and c.extra["rests_on"] == ["A-REVERSAL"], c.name
    report = build(run)
    [cause] = [k for k in report["causes"] if k["field"] == "ordinary_dedc"]
    assert cause["clause"].endswith("A-REVERSAL") and cause["assumption_counts"] == {"A-REVERSAL": 2}, cause
