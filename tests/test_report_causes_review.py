"""A cause says what all of its checks share, at the step where the system left the reference.

Reviewer, deductible_per_visit twin: (1) the 95-check deductible cause was printed as resting on
A-ZJ-HALF-FEN, and its 浙江 clause ended "；A-ZJ-HALF-FEN", though one check alone rests on that reading;
(2) 吉林 二(三) check c0243 (V2 after the deductible was met: 1000 × 55% = 550.00, the twin paid
(1000 − 200) × 55% = 440.00) was blamed on the annual cap, which did not bind (min(550, 1500) = 550);
(3) "14 个文件" counted feature files and the property modules, where 文件 means a policy document.
"""
from __future__ import annotations

from conform.harness.report.causes import group
from conform.harness.report.terminal import cause_lines
from conform.harness.results import CheckResult, Mismatch, RunResult

ZJ_TRACE = [{"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "100.00"},
            {"step": "起付线", "clause": "浙江 二（一）", "value": "77.78"},
            {"step": "支付比例", "clause": "浙江 二（一）", "value": "14.44"}]


def zhejiang(i: int, rests_on: bool) -> dict:
    # 浙江 退休人员起付线减半: 155.55 ÷ 2 = 77.775 → 77.78 half up (A-ZJ-HALF-FEN); the system answers 77.77, a fen
    # off — a reading that decides a last fen is what no figure further off rests on (rmut4 D1)
    trace = [dict(t) for t in ZJ_TRACE]
    if rests_on:  # the odd-fen half deductible: this check's step cites the reading
        trace[1]["clause"] = "浙江 二（一）；A-ZJ-HALF-FEN"
    return {"id": f"c{i}", "status": "failed", "kind": "scenario", "document": "浙江", "articles": ["zhejiang-2.1"],
            "path": "features/zhejiang/x.feature", "trace": trace, "message": "",
            "extra": {"rests_on": ["A-ZJ-HALF-FEN"]} if rests_on else {},
            "mismatches": [{"field": "act_pay_dedc", "expected": "77.78", "actual": "77.77", "item": "V2",
                            "label": "本次起付线"}]}


def test_one_checks_assumption_is_counted_not_put_on_the_whole_cause():
    [cause] = group([zhejiang(1, True), zhejiang(2, False), zhejiang(3, False)], {})
    assert cause["count"] == 3 and cause["step"] == "起付线"
    assert "其中 1 项检查依据假设 A-ZJ-HALF-FEN" in cause["headline"], cause["headline"]
    assert "所依据的假设" not in cause["headline"], cause["headline"]
    assert cause["assumption_counts"] == {"A-ZJ-HALF-FEN": 1}
    assert cause["clause"] == "浙江 二（一）" and cause["clauses"] == [{"document": "浙江", "clause": "浙江 二（一）"}]


def test_a_reading_every_check_rests_on_stays_on_the_cause_and_its_clause():
    [cause] = group([zhejiang(1, True), zhejiang(2, True)], {})
    assert cause["headline"].endswith("（所依据的假设 rests on: A-ZJ-HALF-FEN）"), cause["headline"]
    assert "其中" not in cause["headline"]
    assert cause["clause"] == "浙江 二（一）；A-ZJ-HALF-FEN"


# 吉林 二（二）/二（三）, c0243's V2: the deductible was met in V1; the reference pays 1000 × 55% = 550.00, under
# a cap of which 1500.00 is left. The table compares the payments only.
JL_TRACE = [{"step": "政策范围内费用", "clause": "国家医保平台结算口径", "value": "1000.00"},
            {"step": "慢特病起付线", "clause": "吉林 二（二）", "value": "0.00"},
            {"step": "慢特病支付", "clause": "吉林 二(三)", "value": "0.00"},
            {"step": "转入普通门诊统筹", "clause": "吉林 六（三）；A-JL-CHRONIC-OVERFLOW", "value": "1000.00"},
            {"step": "起付线", "clause": "吉林 二（二）", "value": "0.00"},
            {"step": "支付比例", "clause": "吉林 二（二）", "value": "550.00"},
            {"step": "年度最高支付限额", "clause": "吉林 二（二）", "value": "550.00"}]


def evidence(system: dict, reference: dict, item: str = "V2") -> list[dict]:
    """The HTTP profile's 2207 exchange, then the reference's own settlement of the same visit."""
    return [{"operation": "2207 门诊结算", "infno": "2207",
             "request": {"infno": "2207", "input": {"data": {"mdtrt_id": item, "medfee_sumamt": "1000.00"}}},
             "response": {"infcode": 0, "output": {"setlinfo": {"mdtrt_id": item, **system}}}},
            {"operation": "settle", "request": {"psn_no": "JL-0203-G", "id": item}, "response": {"id": item, **reference}}]


def jilin(paid: str, system: dict, reference: dict) -> dict:
    return {"id": "c0243", "status": "failed", "kind": "scenario", "document": "吉林", "articles": ["jilin-2.3"],
            "path": "features/jilin/二(三)_门诊慢性病.feature", "trace": JL_TRACE, "message": "", "extra": {},
            "evidence": evidence(system, reference),
            "mismatches": [{"field": "hifp_pay", "expected": "550.00", "actual": paid, "item": "V2",
                            "label": "统筹基金支付"}]}


REFERENCE = {"inscp_scp_amt": "1000.00", "act_pay_dedc": "0.00", "pool_prop_selfpay": "0.5500", "hifp_pay": "550.00"}


def test_a_payment_short_by_a_deductible_charged_again_is_the_deductibles_not_the_caps():
    twin = {**REFERENCE, "act_pay_dedc": "200.00", "hifp_pay": "440.00"}
    [cause] = group([jilin("440.00", twin, REFERENCE)], {})
    assert (cause["field"], cause["step"], cause["clause"]) == ("hifp_pay", "起付线", "吉林 二（二）"), cause
    assert cause["headline"].startswith("统筹基金支付（hifp_pay）在“起付线”一步不符"), cause["headline"]


def test_a_system_agreeing_on_base_deductible_and_ratio_left_the_reference_at_the_cap():
    # a cap not reset on 1 January: everything before the cap answered alike, nothing paid
    twin = {**REFERENCE, "hifp_pay": "0.00"}
    [cause] = group([jilin("0.00", twin, REFERENCE)], {})
    assert cause["step"] == "年度最高支付限额", cause
    # a ratio answered otherwise (0.5000, not 0.5500) is where it parts, whatever the cap step shows
    [cause] = group([jilin("500.00", {**twin, "pool_prop_selfpay": "0.5000"}, REFERENCE)], {})
    assert cause["step"] == "支付比例", cause


def test_evidence_that_is_not_a_settlement_leaves_the_step_to_the_trace():
    """The system's evidence is untrusted: junk, masked or huge figures are no figures, never an error."""
    hostile = [None, "x", {"request": [], "response": 3},
               {"operation": "2207", "request": {"infno": "2207", "input": {"data": {"mdtrt_id": "V2"}}},
                "response": {"output": {"setlinfo": {"act_pay_dedc": "9" * 10_000, "inscp_scp_amt": "***",
                                                     "pool_prop_selfpay": "NaN"}}}},
               {"operation": "settle", "request": {"psn_no": "p", "id": "V2"}, "response": REFERENCE}]
    check = jilin("440.00", {}, REFERENCE)
    check["evidence"] = hostile
    [cause] = group([check], {})
    # a deductible of 9…9 (10,000 digits) is no figure: nothing says the system parted at the deductible
    assert cause["count"] == 1 and cause["step"] != "起付线", cause


def test_the_headline_counts_scenario_files_and_properties_not_modules():
    checks = [zhejiang(1, False), zhejiang(2, False), zhejiang(3, False),
              {**zhejiang(4, False), "path": "features/zhejiang/y.feature"},
              {**zhejiang(5, False), "kind": "property", "path": "conform/harness/properties/differential.py"}]
    [cause] = group(checks, {})
    assert cause["files"] == ["features/zhejiang/x.feature", "features/zhejiang/y.feature"]
    assert "5 项检查（其中 1 项为属性检查）、2 个场景文件" in cause["headline"], cause["headline"]
    assert "个文件" not in cause["headline"].replace("个场景文件", "")
    [cause] = group([{**zhejiang(6, False), "kind": "property", "path": "conform/harness/properties/settlement.py"}], {})
    # one property check is "1 项属性检查", not "1 项检查（均为属性检查）" (probe s21 X item 3)
    assert "1 项属性检查" in cause["headline"] and "文件" not in cause["headline"], cause["headline"]
    assert "均为" not in cause["headline"] and cause["headline_en"].endswith(": 1 property check"), cause


def test_the_terminal_line_says_scenario_files_and_which_checks_rest_on_a_reading():
    run = RunResult(policies=["zhejiang"])
    for i, rests in enumerate((True, False)):
        ch = CheckResult(nodeid=f"t.py::t{i}", kind="scenario", name=f"s{i}", policy="zhejiang",
                         articles=["zhejiang-2.1"], status="failed", feature_file=f"features/zhejiang/{i}.feature",
                         line=3, mismatches=[Mismatch("act_pay_dedc", "77.78", "77.77", "V2", "本次起付线")],
                         trace=zhejiang(i, rests)["trace"])
        if rests:
            ch.extra["rests_on"] = ["A-ZJ-HALF-FEN"]
        run.checks.append(ch)
    [line] = cause_lines(run)
    # the reading is of checks, said beside them, not after the files (probe s21 X item 3: "4 个场景文件（其中 1 项
    # 依据假设 …）" read as of the files); the English beside it (item 2)
    assert "2 项检查（其中 1 项检查依据假设 A-ZJ-HALF-FEN）、2 个场景文件" in line, line
    assert "2 checks (1 rests on the reading A-ZJ-HALF-FEN), 2 scenario files" in line, line
