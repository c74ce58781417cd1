"""What a failing figure rests on, where the closing reviewer rclose9 found the blame of s6 narrowing wrongly.

D1: a visit crossing 攀枝花's chronic cap is split (第十一条；A-PZH-OVERFLOW-SPLIT: the covered part is the cap's
payment ÷ the chronic ratio, rounded to the fen); a fen off at the ordinary part may have begun at that rounding,
which no answered figure shows, so it is named beside (or, where the ratio step rounded nothing, instead of) the
ratio step's. D2: 攀枝花's retiree credit (第四条（二） 2% of the average pension 第十二条 supplies, rounded to the
yuan) answered from another average is the product's, not the rounding's alone. D4: one defect at one step is one
cause, whether a scenario compares the fund payment or its ordinary part.

Figures are worked by hand from the texts: 攀枝花 第七条 "起付线为200元 … 二级及以下60%", the feature's example
chronic disease M001 (起付线 100, 80%, 限额 800), the example region's average pension 2825.00.
"""
from __future__ import annotations

from test_s6_implE_blame_readings import M001, SPLIT_MISMATCHES, pzh_split, traces

from conform.harness.report.causes import _step, blame


def pzh_overflow(first: str, second: str) -> list[dict]:
    """V2's trace: 攀枝花 在职 M001 二级, V1 `first` then V2 `second` crossing the chronic cap."""
    return traces("panzhihua", {"psn_no": "P2", "psn_type": "1101",
                                "chronic_diseases": [{"dise_codg": "M001", "kind": "chronic"}]},
                  [{"id": "V1", "date": "2023-02-01", "facility": "secondary", "med_type": "14", "dise_codg": "M001",
                    "medfee_sumamt": first},
                   {"id": "V2", "date": "2023-03-01", "facility": "secondary", "med_type": "14", "dise_codg": "M001",
                    "medfee_sumamt": second}],
                  region="panzhihua-example", params=M001)["V2"]


def _split(trace: list[dict]) -> dict:
    [t] = [t for t in trace if t["step"] == "转入普通门诊统筹"]
    return t


# ------------------------------------------------------------------------------------------------- D1

def test_the_split_step_records_whether_its_rounding_changed_the_covered_part():
    # V1 1049.53: (1049.53 − 100) × 80% = 759.624 → 759.62, 40.38 of the cap left; V2 1000.00 covers
    # 40.38 / 80% = 50.475 → 50.48: rounded; 1000 − 50.48 = 949.52 to ordinary pooling
    split = _split(pzh_split())
    assert (split["value"], split["rounded"]) == ("949.52", True)
    # V1 1049.50: (1049.50 − 100) × 80% = 759.60, 40.40 left; 40.40 / 80% = 50.50 exactly: nothing rounded
    split = _split(pzh_overflow("1049.50", "1000.00"))
    assert (split["value"], split["rounded"]) == ("949.50", False)


def test_a_split_rounded_otherwise_is_blamed_on_the_split_too():
    # rclose9 D1 (feature 第11条:92, twin round_half_down): the system rounds 50.475 down to 50.47, so its ordinary
    # base is 1000 − 50.47 = 949.53 and (949.53 − 200) × 60% = 449.718 → 449.72 (any rounding rule gives it);
    # the reference's 949.52 gives (949.52 − 200) × 60% = 449.712 → 449.71. No usual rounding of 449.712 (half-up,
    # half-even, truncation) gives 449.72, so the ratio step's rounding did not make the fen: the split
    # (第十一条；A-PZH-OVERFLOW-SPLIT) alone, not 第七条 beside it (probe s22 E, F2: a split not rounded failed
    # 第七条 in the matrix); 第十一条 was lost before rclose9 D1
    tags, named = blame(SPLIT_MISMATCHES, {"V2": pzh_split()}, "panzhihua")
    assert tags == ["panzhihua-11"] and named == ["A-PZH-OVERFLOW-SPLIT", "A-ROUND-FEN"], (tags, named)
    assert _step(SPLIT_MISMATCHES[0], pzh_split()) == (
        "转入普通门诊统筹", "攀枝花 第十一条；A-PZH-OVERFLOW-SPLIT；A-ROUND-FEN")


def test_a_fen_off_after_an_exact_ratio_product_is_the_splits_alone():
    # V2 1000.03: covered 50.475 → 50.48, base 1000.03 − 50.48 = 949.55, (949.55 − 200) × 60% = 449.73 exactly
    # (the ratio step rounded nothing). Rounded down, 50.47: 949.56, (949.56 − 200) × 60% = 449.736 → 449.74:
    # only the split's rounding can have made that fen
    trace = pzh_overflow("1049.53", "1000.03")
    ratio = next(t for t in trace if t["step"] == "支付比例")
    assert (ratio["value"], ratio["rounded"]) == ("449.73", False)
    m = {"field": "ordinary_pay", "expected": "449.73", "actual": "449.74", "item": "V2"}
    assert _step(m, trace) == ("转入普通门诊统筹", "攀枝花 第十一条；A-PZH-OVERFLOW-SPLIT；A-ROUND-FEN")
    assert blame([m], {"V2": trace}, "panzhihua") == (["panzhihua-11"], ["A-PZH-OVERFLOW-SPLIT", "A-ROUND-FEN"])


def test_a_split_that_rounded_nothing_is_not_named_for_a_fen():
    # V1 1049.50, V2 1000.00: 40.40 / 80% = 50.50 exactly, (949.50 − 200) × 60% = 449.70 exactly; 449.71
    # answered is no rounding's: the figure's step (the cap's, 第七条), neither 第十一条 nor a rounding reading
    m = {"field": "ordinary_pay", "expected": "449.70", "actual": "449.71", "item": "V2"}
    assert blame([m], {"V2": pzh_overflow("1049.50", "1000.00")}, "panzhihua") == (["panzhihua-7"], [])


# ------------------------------------------------------------------------------------------------- D2

def _credit(average: str) -> list[dict]:
    from conform.reference.account import credit_month
    from conform.reference.case import CreditRequest, parse_person
    from conform.reference.engine import rules_for

    rules = rules_for("panzhihua", "panzhihua-example", {"account.retiree.average_pension": average})
    return credit_month(rules, parse_person({"psn_no": "R", "psn_type": "1201"}, "implH"),
                        CreditRequest("2023-03")).trace.render()


def _credit_blame(actual: str, average: str = "2825.00") -> tuple[list[str], list[str]]:
    wrong = [{"field": "amount", "expected": "57.00", "actual": actual, "item": "2023-03", "label": "个人账户计入"}]
    return blame(wrong, {"2023-03": _credit(average)}, "panzhihua")


def test_a_credit_from_another_average_is_blamed_on_the_averages_source_too():
    # 第四条（二）: 2825.00 × 2% = 56.50 → 以“元”为单位四舍五入 57.00. A system using 3000.00 answers 3000 × 2% = 60.00 →
    # 60.00: 3.50 from the product, no rounding of it; the product (第四条；第十二条, the average's source) differs
    assert _credit_blame("60.00") == (["panzhihua-4", "panzhihua-12"], [])
    # 58.00 (an average of 2900.00): 1.50 from 56.50, no rounding of it either
    assert _credit_blame("58.00") == (["panzhihua-4", "panzhihua-12"], [])


def test_a_credit_that_is_a_rounding_of_the_right_product_stays_at_the_rounding():
    # 56.50 (the product kept to the fen) and 56.00 (56.50 rounded down) are within a yuan of 56.50: the average
    # was right, the rounding to the yuan 第四条（二） requires was not (implF's reading, kept)
    assert _credit_blame("56.50") == (["panzhihua-4"], [])
    assert _credit_blame("56.00") == (["panzhihua-4"], [])
    # a product already whole, 2850.00 × 2% = 57.00: 57.50 is half a yuan off it but neither it nor a whole yuan,
    # no rounding of it (rclose10 D3): the product's
    assert _credit_blame("57.50", "2850.00") == (["panzhihua-4", "panzhihua-12"], [])


# ------------------------------------------------------------------------------------------------- D4

def test_a_fen_off_at_the_ratio_step_is_one_cause_whether_the_part_or_the_sum_is_compared():
    # a system rounding half to even (rclose9 D4, twin rounding_half_even), 北京's example region 在职 二级
    # (起付线 1800, 70%) 1800.15: (1800.15 − 1800) × 70% = 0.105 → 0.11 half up, 0.10 half to even: a fen off at
    # 支付比例 (a trace made by hand in that shape). One scenario compares 普通门诊统筹支付 (ordinary_pay, the part,
    # computed first) and 统筹基金支付, two others 统筹基金支付 alone (hifp_pay): one defect, one step, one cause
    from conform.harness.report.causes import group

    trace = [{"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "1800.15"},
             {"step": "起付线", "clause": "北京 二", "value": "1800.00"},
             {"step": "支付比例", "clause": "北京 二；A-ROUND-FEN", "value": "0.11", "rounded": True},
             {"step": "年度最高支付限额", "clause": "北京 二", "value": "0.11"}]

    def check(cid: str, mismatches: list[dict]) -> dict:
        return {"id": cid, "status": "failed", "kind": "scenario", "document": "北京", "policy": "beijing",
                "articles": [], "path": f"features/beijing/{cid}.feature", "trace": trace, "message": "",
                "extra": {}, "mismatches": mismatches}

    part = {"field": "ordinary_pay", "expected": "0.11", "actual": "0.10", "item": "V1", "label": "普通门诊统筹支付"}
    total = {"field": "hifp_pay", "expected": "0.11", "actual": "0.10", "item": "V1", "label": "统筹基金支付"}
    causes_ = group([check("a", [part, total]), check("b", [total]), check("c", [total])], {})
    assert len(causes_) == 1, [(k["field"], k["step"], k["count"]) for k in causes_]
    [cause] = causes_
    assert (cause["step"], cause["count"], cause["clause"]) == ("支付比例", 3, "北京 二；A-ROUND-FEN")
    assert cause["field"] == "hifp_pay" and cause["fields"] == ["ordinary_pay", "hifp_pay"]
    assert cause["headline"].startswith("统筹基金支付（hifp_pay）在“支付比例”一步不符：3 项检查"), cause["headline"]
    # a part alone stays the part's cause, as before
    [alone] = group([check("a", [part])], {})
    assert (alone["field"], alone["fields"], alone["label"]) == ("ordinary_pay", ["ordinary_pay"], "普通门诊统筹支付")
