"""s27 probeH2 F2: a chronic visit past its cap whose system charged the chronic deductible right and skipped the
ordinary deductible on the part sent on (攀枝花 第十一条 → 第七条) is blamed at that onward 起付线, not at 第十条's
慢特病起付线.

The recorded case (features/panzhihua/第10条_门诊慢特病保障.feature, "未备案在市外的门诊慢特病超过限额…", under the
mutant k_pzh_overflow_no_dedc): M00500's standard 300.00 counted afresh (第十条), 700.00 sent on, whose deductible is
min(700.00, 200.00) = 200.00 (第十一条；第七条): act_pay_dedc 500.00 by the reference, 300.00 answered — exactly the
chronic standard, so the onward one was skipped. Read either way the answer fits (100.00 of 第十条's 300.00, or 0.00 of
第七条's 200.00); only the onward reading keeps the system's chronic figure equal to the reference's."""
from __future__ import annotations

from conform.harness.report.causes import _split_departure, _step, blame, group

TRACE = [
    {"step": "政策范围内费用", "detail": "6000.00 − 全自费0.00 − 超限价0.00 − 先行自付0.00 = 6000.00元",
     "clause": "国家医保平台结算口径", "value": "6000.00"},
    {"step": "异地未备案", "detail": "未办理异地备案、在市外就医：第七条以备案为条件的是普通门诊医疗费，门诊慢特病按其病种参数支付；"
     "超过其限额转入普通门诊统筹的部分才按地区配置的未备案比例支付", "clause": "攀枝花 第七条；A-PZH-REMOTE-UNFILED",
     "decides": True},
    {"step": "慢特病起付线", "detail": "病种M00500：起付线300.00元，此前已累计0.00元，本次计入300.00元", "clause": "攀枝花 第十条",
     "value": "300.00"},
    {"step": "慢特病支付", "detail": "(6000.00 − 300.00) × 80% = 4560.00元；慢特病年度限额4000.00元，此前已支付0.00元，本次支付4000.00元",
     "clause": "攀枝花 第十条", "value": "4000.00", "rounded": False, "rounding_unit": "0.01"},
    {"step": "转入普通门诊统筹", "detail": "慢特病限额内对应费用4000.00 / 80% = 5000.00元；超过限额后的费用5700.00 − 5000.00 = "
     "700.00元按普通门诊统筹政策支付", "clause": "攀枝花 第十一条；A-PZH-OVERFLOW-SPLIT", "value": "700.00", "rounded": False,
     "rounding_unit": "0.01"},
    {"step": "异地未备案", "detail": "未办理异地备案、在市外就医：文件未规定其待遇，按地区配置的比例40%支付",
     "clause": "攀枝花 第七条；A-PZH-REMOTE-UNFILED"},
    {"step": "起付线", "detail": "本年度起付线200.00元，此前已累计0.00元，尚余200.00元；本次计入起付线 min(700.00, 200.00) = 200.00元",
     "clause": "攀枝花 第十一条；A-PZH-OVERFLOW-SPLIT；攀枝花 第七条", "value": "200.00"},
    {"step": "支付比例", "detail": "二级定点医疗机构（在职）支付比例40%：(700.00 − 200.00) × 40% = 200.00元（四舍五入到分）",
     "clause": "攀枝花 第七条；A-PZH-REMOTE-UNFILED", "value": "200.00", "rounded": False, "rounding_unit": "0.01"},
    {"step": "年度最高支付限额", "detail": "年度限额1000.00元，此前已支付0.00元，尚余1000.00元；本次统筹支付 min(200.00, 1000.00) = "
     "200.00元", "clause": "攀枝花 第七条", "value": "200.00"},
    {"step": "结算支付比例", "detail": "本次就诊部分由慢特病待遇支付、其余按普通门诊统筹支付（比例40%）：结算的支付比例记慢特病比例80%",
     "clause": "攀枝花 第十条；A-CHRONIC-OVERFLOW-RATIO"},
    {"step": "个人账户支付", "detail": "个人账户余额未知（未给出期初余额或没有个人账户），不从账户支付，账户支付0.00元",
     "clause": "攀枝花 第五条；A-ACCOUNT-SELFPAY", "value": "0.00"}]

REFERENCE = {"id": "V1", "setl_id": "V1", "medfee_sumamt": "6000.00", "inscp_scp_amt": "6000.00", "act_pay_dedc": "500.00",
             "hifp_pay": "4200.00", "pool_prop_selfpay": "0.8000", "fund_pay_sumamt": "4200.00", "psn_part_amt": "1800.00",
             "acct_pay": "0.00", "psn_cash_pay": "1800.00", "ordinary_pay": "200.00", "chronic_pay": "4000.00",
             "inpatient_pay": "0.00"}
SYSTEM = {**REFERENCE, "setl_id": "SETL0000000177", "mdtrt_id": "V1", "act_pay_dedc": "300.00", "hifp_pay": "4280.00",
          "fund_pay_sumamt": "4280.00", "psn_part_amt": "1720.00", "psn_cash_pay": "1720.00", "ordinary_pay": "280.00"}
EVIDENCE = [{"operation": "2207 门诊结算", "infno": "2207",
             "request": {"infno": "2207", "input": {"data": {"psn_no": "PZH-0727", "mdtrt_id": "V1"}}},
             "response": {"infcode": 0, "output": {"setlinfo": SYSTEM}}},
            {"operation": "settle", "request": {"psn_no": "PZH-0727", "id": "V1"}, "response": REFERENCE}]
# the scenario compared the ordinary payment (280.00 for 200.00: the 200.00 deductible skipped, × 40%)
ORDINARY = {"field": "ordinary_pay", "expected": "200.00", "actual": "280.00", "item": "V1", "label": "普通门诊统筹支付"}
DEDUCTIBLE = {"field": "act_pay_dedc", "expected": "500.00", "actual": "300.00", "item": "V1", "label": "本次起付线"}


def test_a_total_equal_to_the_chronic_deductible_departs_at_the_onward_deductible():
    assert _split_departure(TRACE, SYSTEM)["step"] == "起付线"


def test_the_check_fails_the_onward_articles_not_article_10():
    articles, _ = blame([ORDINARY], {"V1": TRACE}, "panzhihua", EVIDENCE)
    assert "panzhihua-10" not in articles and "panzhihua-11" in articles, articles
    articles, _ = blame([DEDUCTIBLE], {"V1": TRACE}, "panzhihua", EVIDENCE)
    assert "panzhihua-10" not in articles and "panzhihua-11" in articles, articles
    assert _step(DEDUCTIBLE, TRACE, EVIDENCE, [DEDUCTIBLE])[0] == "起付线"


def test_the_cause_is_the_onward_deductible():
    check = {"id": "c1", "status": "failed", "kind": "scenario", "document": "攀枝花", "articles": ["panzhihua-10"],
             "path": "features/panzhihua/第10条_门诊慢特病保障.feature", "trace": TRACE, "message": "", "extra": {},
             "mismatches": [ORDINARY], "evidence": EVIDENCE}
    [cause] = group([check], {})
    assert cause["step"] == "起付线" and "第十条" not in cause["clause"], (cause["step"], cause["clause"])


def test_a_chronic_standard_counted_afresh_is_still_the_chronic_steps():
    # M00500's deductible met before (0.00 of 300.00 this visit) and charged afresh, the onward 200.00 right:
    # 500.00 for 200.00 is 第十条's (the tie itself, 150.00 for 50.00, is pinned by tests/test_s26_review_mends.py)
    met = [dict(t) for t in TRACE]
    met[2] = {**met[2], "detail": "病种M00500：起付线300.00元，此前已累计300.00元，本次计入0.00元", "value": "0.00"}
    assert _split_departure(met, {**SYSTEM, "act_pay_dedc": "500.00"})["step"] == "慢特病起付线"
