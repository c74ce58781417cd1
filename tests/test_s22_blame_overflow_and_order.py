"""How a failure is blamed (probe s22 E): the root of a check is the earliest settlement that differs, and within it
the first-computed field (F3); a chronic visit's overflow that the system never sent on to ordinary pooling is the
overflow article's (攀枝花 第十一条), not the ordinary article its later steps co-cite (F2); a failure resting on
A-REVERSAL marks that reading's row whichever kind of check caught it (F5); a payment the reference makes 0.00 at a
cap used up rests on the cap's step, not on every reading of a counterexample's trace (F4).

The traces are the reference engine's own, of the scenarios the probe's mutants failed:
features/panzhihua/第09条_两病门诊用药保障.feature:44 and features/jilin/二(三)_门诊慢性病.feature:288."""
from __future__ import annotations

from conform.harness.report import causes
from conform.harness.report.causes import blame, root_mismatch
from conform.harness.report.model import build
from conform.harness.results import CheckResult, Mismatch, RunResult
from conform.reference.case import parse_case
from conform.reference.engine import compute_case


def _traces(policy: str, person: dict, visits: list[tuple[str, str, str]], facility: str, **case) -> dict:
    settlements = [{"id": f"V{i}", "date": day, "facility": facility, "med_type": "14", "dise_codg": code,
                    "medfee_sumamt": amount} for i, (day, code, amount) in enumerate(visits, 1)]
    out = compute_case(parse_case({"policy": policy, "person": person, "settlements": settlements, **case}))
    return {s["id"]: s["trace"] for s in out["settlements"]}


def pzh_two_disease() -> dict:
    """攀枝花 第九条 scenario: 两病 M03900 (deductible 0, 50%, cap 300), 在职, 一级. V1 400.00 pays 200.00; V2 400.00
    pays the 100.00 left, covers 200.00 and sends 200.00 on (起付线 200.00 charged there); V3 300.00 all sent on:
    (300 − 0) × 60% = 180.00."""
    return _traces("panzhihua", {"psn_no": "P1", "psn_type": "1101",
                                 "chronic_diseases": [{"dise_codg": "M03900", "kind": "two_disease"}]},
                   [("2023-03-01", "M03900", "400.00"), ("2023-04-01", "M03900", "400.00"),
                    ("2023-05-01", "M03900", "300.00")], "primary", region="panzhihua-example",
                   params={"chronic.M03900.deductible": "0", "chronic.M03900.ratio": "0.50",
                           "chronic.M03900.cap": "300"})


def jl_shared_cap() -> dict:
    """吉林 二（三）scenario: M00100 and M00200 share the region's chronic cap 3000 (70%); V1 4000.00 pays 2660.00,
    V2 1000.00 pays the 340.00 left and 282.86 as ordinary pooling after it."""
    return _traces("jilin", {"psn_no": "J1", "psn_type": "1101",
                             "chronic_diseases": [{"dise_codg": "M00100", "kind": "chronic"},
                                                  {"dise_codg": "M00200", "kind": "chronic"}]},
                   [("2023-03-01", "M00100", "4000.00"), ("2023-04-01", "M00200", "1000.00"),
                    ("2023-05-01", "M00200", "500.00")], "secondary", region="jilin-example")


# --------------------------------------------------------------------------------------------- F3: the root

def test_the_root_is_the_earliest_settlement_not_a_later_settlements_deductible():
    # pe_chronic_ratio_minus_5pct: V1's chronic payment 180.00 for 200.00 leaves more of the cap to V2, whose
    # deductible on the overflow then differs: V1's is the root, not V2's act_pay_dedc for being an earlier field
    ms = [{"field": "chronic_pay", "expected": "200.00", "actual": "180.00", "item": "V1"},
          {"field": "hifp_pay", "expected": "200.00", "actual": "180.00", "item": "V1"},
          {"field": "act_pay_dedc", "expected": "200.00", "actual": "0.00", "item": "V2"}]
    assert (root_mismatch(ms)["item"], root_mismatch(ms)["field"]) == ("V1", "chronic_pay")
    traces = pzh_two_disease()
    assert blame(ms, traces, "panzhihua") == (["panzhihua-9"], [])
    # within the one settlement the deductible still comes before the payment it changes
    same = [{"field": "hifp_pay", "expected": "180.00", "actual": "100.00", "item": "V3"},
            {"field": "act_pay_dedc", "expected": "0.00", "actual": "120.00", "item": "V3"}]
    assert root_mismatch(same)["field"] == "act_pay_dedc"


def test_a_chronic_visits_chronic_part_is_computed_before_its_ordinary_part():
    # pe_jilin_cap_per_disease on the 二（三）scenario: V2 pays 700.00 from a cap of its own (340.00 left of the shared
    # one) and so sends nothing on (282.86). The chronic part is computed first; the ordinary part follows from it
    ms = [{"field": "chronic_pay", "expected": "340.00", "actual": "700.00", "item": "V2"},
          {"field": "ordinary_pay", "expected": "282.86", "actual": "0.00", "item": "V2"},
          {"field": "hifp_pay", "expected": "622.86", "actual": "700.00", "item": "V2"}]
    assert root_mismatch(list(reversed(ms)))["field"] == "chronic_pay"
    assert blame(ms, jl_shared_cap(), "jilin") == (["jilin-2.3"], [])
    # a year's totals are counted from the settlements: a settlement's difference comes before them
    totals = [{"field": "ordinary_dedc", "expected": "0.00", "actual": "200.00", "item": "2023年度累计"},
              {"field": "chronic_pay", "expected": "340.00", "actual": "700.00", "item": "V2"},
              {"field": "ordinary_pay", "expected": "282.86", "actual": "0.00", "item": "V2"}]
    assert (root_mismatch(totals)["item"], root_mismatch(totals)["field"]) == ("V2", "chronic_pay")


# --------------------------------------------------------------------------------------------- F2: the overflow

def test_an_overflow_not_sent_on_is_the_overflow_articles_not_the_ordinary_ones():
    traces = pzh_two_disease()
    # pe_chronic_overflow_skipped: V2 charges none of the ordinary deductible the overflow owes (0.00 for 200.00),
    # V3 pays nothing as ordinary pooling: 第十一条 sends that part on; 第七条's steps were never applied to it
    skipped = [{"field": "act_pay_dedc", "expected": "200.00", "actual": "0.00", "item": "V2"},
               {"field": "ordinary_pay", "expected": "180.00", "actual": "0.00", "item": "V3"},
               {"field": "hifp_pay", "expected": "180.00", "actual": "0.00", "item": "V3"}]
    # V2 crosses the cap: that nothing of it is sent on is also what a system reading the split otherwise does (the
    # costs "超过…限额后" as the later visits only), so the deductible's difference rests on A-PZH-OVERFLOW-SPLIT
    assert blame(skipped, traces, "panzhihua") == (["panzhihua-11"], ["A-PZH-OVERFLOW-SPLIT"])
    assert causes._step(skipped[0], traces["V2"], None, skipped) == ("起付线", "攀枝花 第十一条；A-PZH-OVERFLOW-SPLIT")
    # V3 alone (the deductible already met): nothing paid as ordinary pooling is the handoff's. V2 spent the cap, so
    # all of V3 goes on under any split: the handoff cites 第十一条 alone (probe s29 A2 F4; it used to cite the split)
    alone = skipped[1:]
    assert causes._step(alone[0], traces["V3"], None, alone) == ("转入普通门诊统筹", "攀枝花 第十一条")
    assert blame(alone, traces, "panzhihua")[0] == ["panzhihua-11"]
    # … but a figure the system did work out on the overflow and got otherwise stays the ordinary article's: a
    # ratio of 50% for 60% on V3 (150.00 for 180.00), a deductible charged twice on V2 (400.00 for 200.00)
    ratio = [{"field": "ordinary_pay", "expected": "180.00", "actual": "150.00", "item": "V3"}]
    assert blame(ratio, traces, "panzhihua")[0] == ["panzhihua-7"]
    twice = [{"field": "act_pay_dedc", "expected": "200.00", "actual": "400.00", "item": "V2"}]
    assert blame(twice, traces, "panzhihua")[0] == ["panzhihua-11", "panzhihua-7"]


def test_an_overflow_not_sent_on_is_told_from_the_systems_answer_in_the_evidence():
    # the scenario compared the fund payment only: the system's 2207 shows ordinary_pay 0.00 and no deductible
    traces = pzh_two_disease()
    answer = {"mdtrt_id": "V3", "act_pay_dedc": "0.00", "hifp_pay": "0.00", "ordinary_pay": "0.00",
              "chronic_pay": "0.00", "pool_prop_selfpay": "0.5000", "inscp_scp_amt": "300.00"}
    reference = {"id": "V3", "act_pay_dedc": "0.00", "hifp_pay": "180.00", "ordinary_pay": "180.00",
                 "chronic_pay": "0.00", "pool_prop_selfpay": "0.6000", "inscp_scp_amt": "300.00"}
    evidence = [{"operation": "2207 门诊结算", "request": {"infno": "2207", "input": {"data": {"mdtrt_id": "V3"}}},
                 "response": {"infcode": 0, "output": {"setlinfo": answer}}},
                {"operation": "settle", "request": {"psn_no": "P1", "id": "V3"}, "response": reference}]
    ms = [{"field": "hifp_pay", "expected": "180.00", "actual": "0.00", "item": "V3"}]
    assert blame(ms, traces, "panzhihua", evidence)[0] == ["panzhihua-11"]


def test_a_split_not_rounded_is_the_splits_not_the_ordinary_ratios():
    # pe_overflow_split_unrounded (第11条 feature:92): covered 40.38 / 80% = 50.475 kept unrounded, 949.525 sent on,
    # (949.525 − 200) × 60% = 449.715 → 449.72; the reference's 449.712 → 449.71. No usual rounding of 449.712 gives
    # 449.72: the fen came with the split (第十一条；A-PZH-OVERFLOW-SPLIT), 第七条's ratio step did not make it
    trace = compute_case(parse_case({
        "policy": "panzhihua", "region": "panzhihua-example", "params": {"chronic.M001.deductible": "100",
                                                                         "chronic.M001.ratio": "0.80",
                                                                         "chronic.M001.cap": "800"},
        "person": {"psn_no": "P2", "psn_type": "1101", "chronic_diseases": [{"dise_codg": "M001", "kind": "chronic"}]},
        "settlements": [{"id": "V1", "date": "2023-02-01", "facility": "secondary", "med_type": "14",
                         "dise_codg": "M001", "medfee_sumamt": "1049.53"},
                        {"id": "V2", "date": "2023-03-01", "facility": "secondary", "med_type": "14",
                         "dise_codg": "M001", "medfee_sumamt": "1000.00"}]}))["settlements"][1]["trace"]
    assert next(t for t in trace if t["step"] == "转入普通门诊统筹")["value"] == "949.52"
    ms = [{"field": "ordinary_pay", "expected": "449.71", "actual": "449.72", "item": "V2"},
          {"field": "hifp_pay", "expected": "490.09", "actual": "490.10", "item": "V2"}]
    assert blame(ms, {"V2": trace}, "panzhihua") == (["panzhihua-11"], ["A-PZH-OVERFLOW-SPLIT", "A-ROUND-FEN"])
    # a fen the ratio step's own rounding gives (449.712 truncated would be 449.71 = expected; half-even of a
    # product at a half fen) is not this case: a payment the ratio rounded otherwise still names 第七条 (unchanged)


# --------------------------------------------------------------------------------------------- F5: A-REVERSAL row

def _matrix(kind: str, item: str = "2023年度累计") -> tuple[dict, list[str]]:
    ch = CheckResult("n::p", kind, "跨年撤销上年的结算", policy="panzhihua", articles=["panzhihua-7"], status="failed",
                     mismatches=[Mismatch("ordinary_dedc" if item.endswith("年度累计") else "act_pay_dedc", "0.00",
                                          "200.00", item, "起付线")])
    ch.failed_articles = ["panzhihua-7"]
    ch.extra["rests_on"] = ["A-REVERSAL"]
    report = build(RunResult(policies=["panzhihua"], checks=[ch]))
    return {r["tag"]: r["result"] for r in report["matrix"]}, report["checks"][0]["failed_articles"]


def test_a_property_resting_on_a_reversal_marks_the_reversal_row_as_a_scenario_does():
    # pe_reversal_dedc_twice: the cross-year reversal property's year total is expected without what the 2208 took
    # back (rests on A-REVERSAL); a scenario's year total after a reversal blames that reading's row
    matrix, failed = _matrix("property")
    assert matrix.get("panzhihua-A-REVERSAL") == "failed", matrix
    assert failed == ["panzhihua-7", "panzhihua-A-REVERSAL"] and matrix["panzhihua-7"] == "failed"
    # a settlement's figure merely counted after a reversal (its deductible step cites A-REVERSAL beside 第七条) is the
    # article's, as a scenario's is: no row of the reading
    matrix, failed = _matrix("property", "V3")
    assert "panzhihua-A-REVERSAL" not in matrix and failed == ["panzhihua-7"]


# --------------------------------------------------------------------------------------------- F4: readings

def test_a_payment_the_cap_made_nothing_does_not_rest_on_an_emergency_left_in_the_example():
    # pe_cap_per_facility_level's differential: V2, an emergency visit (A-EMERGENCY-ORDINARY) after the cap was
    # used up, pays 32.49 where the cap leaves 0.00. The cap's step decided the 0.00: 第七条, no reading of the route
    trace = [{"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "64.97"},
             {"step": "急诊", "clause": "A-EMERGENCY-ORDINARY"},
             {"step": "起付线", "clause": "攀枝花 第七条", "value": "0.00",
              "detail": "本年度起付线200.00元，此前已累计200.00元，尚余0.00元；本次计入起付线 min(64.97, 0.00) = 0.00元"},
             {"step": "支付比例", "clause": "攀枝花 第七条；A-ROUND-FEN", "value": "32.49", "rounded": True},
             {"step": "年度最高支付限额", "clause": "攀枝花 第七条", "value": "0.00",
              "detail": "年度限额1000.00元，此前已支付1000.00元，尚余0.00元；本次统筹支付 min(32.49, 0.00) = 0.00元"},
             {"step": "个人账户支付", "clause": "攀枝花 第五条；A-ACCOUNT-SELFPAY", "value": "0.00"}]
    ms = [{"field": "hifp_pay", "expected": "0.00", "actual": "32.49", "item": "V2"},
          {"field": "psn_part_amt", "expected": "64.97", "actual": "32.48", "item": "V2"}]
    assert blame(ms, {"V2": trace}, "panzhihua") == (["panzhihua-7"], [])
    assert causes._step(ms[0], trace) == ("年度最高支付限额", "攀枝花 第七条")


def test_a_refusal_the_reference_gives_only_past_the_cap_is_the_overflow_articles():
    # features/panzhihua/第11条 (门诊慢特病超过限额转入普通门诊统筹时，才需要未备案比例…): an unfiled remote chronic visit of
    # 6000.00 crossing the cap needs ordinary.ratio.remote_unfiled (第七条) for the part sent on; the region has none, so
    # the reference refuses. pe_chronic_overflow_skipped settles it as chronic alone (4000.00, ordinary 0.00): it never
    # sent the rest on (第十一条); 第七条's figure it never reached
    trace = [{"step": "结算受理", "clause": "攀枝花 第七条",
              "detail": "参考实现拒绝 the reference refuses: settlement V1: parameter ordinary.ratio.remote_unfiled must "
                        "be supplied by a region configuration (攀枝花 第七条…)"}]
    m = {"field": "infcode", "expected": "拒绝结算", "actual": "结算成功（统筹基金支付 4000.00）", "item": "V1"}

    def answer(ordinary: str) -> list[dict]:
        info = {"mdtrt_id": "V1", "hifp_pay": "4000.00", "chronic_pay": "4000.00", "ordinary_pay": ordinary}
        return [{"operation": "2207 门诊结算", "request": {"infno": "2207", "input": {"data": {"mdtrt_id": "V1"}}},
                 "response": {"infcode": 0, "output": {"setlinfo": info}}}]

    assert blame([m], {"V1": trace}, "panzhihua", answer("0.00")) == (["panzhihua-11"], [])
    # a system that did send the rest on (and so took an unfiled ratio from somewhere) settled 第七条's figure: 第七条
    assert blame([m], {"V1": trace}, "panzhihua", answer("200.00")) == (["panzhihua-7"], [])
