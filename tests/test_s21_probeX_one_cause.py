"""One defect, one cause (probe s21 X): a check whose first departure is the same figure of the same story step as
another's is grouped with it, under the field that check differs in first, at the step whose figure parts first.

Figures are those of the probe's twins (/work/s21/probeX/out/<defect>-<policy>/rep/results.json), cut down."""
from __future__ import annotations

from conform.harness.report import causes


def _answer(item: str, **setl: str) -> dict:
    """A system's 2207 answer for settlement `item`, as the HTTP profile records it."""
    return {"operation": "2207 门诊结算", "request": {"infno": "2207", "input": {"data": {"mdtrt_id": item}}},
            "response": {"infcode": 0, "output": {"setlinfo": {"mdtrt_id": item, **setl}}}}


def _check(cid: str, kind: str, mismatches: list[dict], trace: list[dict], evidence: list[dict]) -> dict:
    return {"id": cid, "status": "failed", "kind": kind, "policy": "panzhihua", "document": "攀枝花",
            "path": "features/panzhihua/第07条_普通门诊统筹.feature" if kind == "scenario"
            else "conform/harness/properties/settlement.py", "articles": ["panzhihua-7"],
            "failed_articles": ["panzhihua-7"], "mismatches": mismatches, "trace": trace, "evidence": evidence,
            "extra": {}, "message": ""}


# --------------------------------------------------------------------------- rounding_truncate, 攀枝花 (differential)

def test_a_part_of_the_fund_payment_is_ordered_as_the_sum_so_the_earlier_settlement_is_the_root():
    # the differential's mismatches, as listed: V2's split chronic visit pays 2000.00 for 2000.01 (the truncated
    # fen), V3's ordinary_pay 0.59 for 0.60 follows from it (V3's chronic part takes 2000.00 where 1999.99 was
    # left). FIELD_ORDER alone put V3 ordinary_pay (a part) before V2 hifp_pay (the sum): the cause then read
    # "普通门诊统筹支付（ordinary_pay）" under 第十条, a field that was not the check's first to differ
    ms = [{"field": "hifp_pay", "expected": "2000.01", "actual": "2000.00", "item": "V2"},
          {"field": "fund_pay_sumamt", "expected": "2000.01", "actual": "2000.00", "item": "V2"},
          {"field": "psn_part_amt", "expected": "800.00", "actual": "800.01", "item": "V2"},
          {"field": "psn_cash_pay", "expected": "800.00", "actual": "800.01", "item": "V2"},
          {"field": "chronic_pay", "expected": "2000.01", "actual": "2000.00", "item": "V2"},
          {"field": "ordinary_pay", "expected": "0.60", "actual": "0.59", "item": "V3"},
          {"field": "chronic_pay", "expected": "1999.99", "actual": "2000.00", "item": "V3"},
          {"field": "ordinary_pay", "expected": "60.60", "actual": "60.59", "item": "2023年度累计"}]
    root = causes.root_mismatch(ms)
    assert (root["item"], root["field"]) == ("V2", "chronic_pay")  # the part, within V2, before the sum


def test_the_earlier_settlements_payment_comes_before_a_later_settlements_deductible():
    # the order of the working: the earliest settlement that differs, then its first-computed field (probe s22 E,
    # F3). V3's deductible 0.00 for 200.00 cannot have moved V2's payment, settled before it; within one settlement
    # the deductible still comes before the payment it changes
    ms = [{"field": "hifp_pay", "expected": "55.00", "actual": "165.00", "item": "V2"},
          {"field": "act_pay_dedc", "expected": "200.00", "actual": "0.00", "item": "V3"}]
    assert (causes.root_mismatch(ms)["item"], causes.root_mismatch(ms)["field"]) == ("V2", "hifp_pay")
    ms = [{"field": "hifp_pay", "expected": "55.00", "actual": "165.00", "item": "V3"},
          {"field": "act_pay_dedc", "expected": "200.00", "actual": "0.00", "item": "V3"}]
    assert causes.root_mismatch(ms)["field"] == "act_pay_dedc"


# --------------------------------------------------------------------------- policy_scope_ignores_preselfpay, 攀枝花

def _scope_trace(base: str) -> list[dict]:
    # the reference's working of a visit below the deductible: the deductible is min(base, 200.00 left) = the base
    return [{"step": "政策范围内费用", "value": base, "clause": "国家医保平台结算口径"},
            {"step": "起付线", "value": base, "clause": "攀枝花 第七条",
             "detail": f"本年度起付线200.00元，此前已累计0.00元，尚余200.00元；本次计入起付线 min({base}, 200.00) = {base}元"},
            {"step": "支付比例", "value": "0.00", "clause": "攀枝花 第七条", "rounded": False, "rounding_unit": "0.01"},
            {"step": "年度最高支付限额", "value": "0.00", "clause": "攀枝花 第七条"}]


def test_a_deductible_that_is_the_base_parts_at_the_base_when_the_systems_base_differs():
    # settlement_ratio_bound: the system kept 先行自付 0.87 in the base, 2.57 for 1.70, and so counted 2.57 against
    # the deductible (min(2.57, 200.00)) where the reference counts min(1.70, 200.00) = 1.70. The 起付线 step shows
    # the expected 1.70, but the difference began at the base it was handed: one cause with the scenarios comparing
    # 政策范围内费用 (450.00 for 430.00), not a second 本次起付线 在“起付线”一步不符
    prop = _check("p", "property", [{"field": "act_pay_dedc", "expected": "1.70", "actual": "2.57", "item": "V1",
                                     "label": "本次起付线"}], _scope_trace("1.70"),
                  [_answer("V1", inscp_scp_amt="2.57", act_pay_dedc="2.57", pool_prop_selfpay="0.5000",
                           hifp_pay="0.00")])
    scen = _check("s", "scenario", [{"field": "inscp_scp_amt", "expected": "430.00", "actual": "450.00",
                                     "item": "V1", "label": "政策范围内费用"}], _scope_trace("430.00"),
                  [_answer("V1", inscp_scp_amt="450.00", act_pay_dedc="200.00", pool_prop_selfpay="0.5000",
                           hifp_pay="125.00")])
    assert causes._root(prop)[1] == "政策范围内费用"
    [cause] = causes.group([scen, prop], {})
    assert cause["step"] == "政策范围内费用" and cause["count"] == 2


def test_a_deductible_whose_base_agrees_stays_at_the_deductible():
    # a deductible counted twice (2.57 for 1.70 on a base of 1.70 both answer) is the 起付线 step's own
    prop = _check("p", "property", [{"field": "act_pay_dedc", "expected": "1.70", "actual": "2.57", "item": "V1"}],
                  _scope_trace("1.70"), [_answer("V1", inscp_scp_amt="1.70", act_pay_dedc="2.57",
                                                 pool_prop_selfpay="0.5000", hifp_pay="0.00")])
    assert causes._root(prop)[1] == "起付线"


# --------------------------------------------------------------------------- pharmacy_at_secondary_rate, 攀枝花

RATIO_BOUND_TRACE = [{"step": "支付比例", "value": None, "clause": "攀枝花 第七条"}]  # the bound's own steps


def _bound_check(ratio: str, paid: str) -> dict:
    # settlement_ratio_bound at a pharmacy: (604.16 − 200.00) × 50% = 202.08 at most; the twin pays the 二级 ratio,
    # (604.16 − 200.00) × 60% = 242.496 → 242.50
    return _check("p", "property", [{"field": "hifp_pay", "expected": "≤ (604.16 − 200.00) × 0.5 = 202.080",
                                     "actual": paid, "item": "V1", "label": "统筹基金支付"}], RATIO_BOUND_TRACE,
                  [_answer("V1", inscp_scp_amt="604.16", act_pay_dedc="200.00", pool_prop_selfpay=ratio,
                           hifp_pay=paid)])


def test_a_payment_over_its_ratio_bound_with_another_ratio_is_the_ratio_steps():
    scen = _check("s", "scenario", [{"field": "pool_prop_selfpay", "expected": "0.5000", "actual": "0.6000",
                                     "item": "V1", "label": "支付比例"}],
                  [{"step": "政策范围内费用", "value": "1000.00", "clause": "国家医保平台结算口径"},
                   {"step": "起付线", "value": "200.00", "clause": "攀枝花 第七条"},
                   {"step": "支付比例", "value": "400.00", "clause": "攀枝花 第七条", "rounded": False,
                    "rounding_unit": "0.01"}],
                  [_answer("V1", inscp_scp_amt="1000.00", act_pay_dedc="200.00", pool_prop_selfpay="0.6000",
                           hifp_pay="480.00")])
    prop = _bound_check("0.6000", "242.50")
    assert causes._root(prop)[1:] == ("支付比例", "攀枝花 第七条")
    [cause] = causes.group([scen, prop], {})
    assert cause["step"] == "支付比例" and cause["count"] == 2


def test_a_payment_over_its_bound_with_the_right_ratio_is_not_put_at_the_ratio():
    # ratio answered 0.5000 as the bound's: over the bound for another reason, left where it was
    assert causes._root(_bound_check("0.5000", "242.50"))[1] != "支付比例"


def test_a_chronic_visits_deductible_parts_at_the_base_too():
    # test_deductible on a chronic visit (V13): base 12.86 in the reference's working; the system kept 先行自付 18.33
    # in it, 12.86 + 18.33 = 31.19, and counted min(31.19, 200.00 left) = 31.19 against the 慢特病起付线 where the
    # reference counts 12.86. A chronic trace has no 支付比例 step; the base is still read from its one step
    trace = [{"step": "政策范围内费用", "value": "12.86", "clause": "国家医保平台结算口径"},
             {"step": "异地备案", "value": None, "clause": "攀枝花 第七条；A-PZH-REMOTE-FILED-PLACE"},
             {"step": "慢特病起付线", "value": "12.86", "clause": "攀枝花 第十条"},
             {"step": "慢特病支付", "value": "0.00", "clause": "攀枝花 第十条", "rounded": False},
             {"step": "个人账户支付", "value": "0.00", "clause": "攀枝花 第五条；A-ACCOUNT-SELFPAY"}]
    prop = _check("p", "property", [{"field": "act_pay_dedc", "expected": "≤ 政策范围内费用 12.86", "actual": "31.19",
                                     "item": "V13"}], trace,
                  [_answer("V13", inscp_scp_amt="31.19", act_pay_dedc="31.19", pool_prop_selfpay="0.8000",
                           hifp_pay="0.00")])
    assert causes._root(prop)[1:] == ("政策范围内费用", "国家医保平台结算口径")
