"""Each defective twin of the sample system is caught by named scenarios of the feature suite.

All defective servers start at once (own processes, free loopback ports, one per twin shared
by the test process: conftest.py's sample_servers); each is run through the `http` adapter on the
scenarios of the articles that hold its named scenarios (南昌 四（二）1 and 攀枝花 第七条) to keep
the test quick. Only the scenarios: that the properties catch every twin is
test_properties_meta.py's business, and the one full run (every scenario and property) against
the correct server is test_http_adapter.py's. Here the named scenarios must pass against the
reference too, so a failure can only come from the defect.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from conform.fixtures.sample_system.defects import DEFECTS
from conform.harness.results import CheckResult, RunResult
from conform.harness.run import CONFORMANCE, execute

ARTICLES = ("nanchang-4.2.1", "panzhihua-7")
SCENARIOS = (CONFORMANCE / "test_features.py",)  # the feature suite only, not the properties
NC = "四（二）1_普通门诊待遇"
PZH = "第07条_普通门诊统筹"

# defect → scenarios that must not pass: (feature file stem, scenario name, example values the row must show).
# Why each one catches it is worked out in the scenario's comments; the one-line reason is given here.
CAUGHT_BY: dict[str, list[tuple[str, str, dict[str, str]]]] = {
    # V2 pays the whole deductible 600 again instead of 0
    "deductible_per_visit": [(NC, "在职职工多次三级就诊，达到1800元限额后不再支付", {}),
                             (PZH, "在职职工在不同级别机构多次就诊，合并计算年度限额", {})],
    # V3 on 2024-01-01 finds the 2023 cap already used: pays 0 instead of (1000 − 600) × 50% = 200
    "cap_not_reset_on_new_year": [(NC, "1月1日起起付线和限额重新计算", {})],
    # pharmacy paid at 55% (二级) instead of 50%
    "pharmacy_at_secondary_rate": [(NC, "每种人员类别在每个机构等级一次就诊跨过起付线",
                                    {"人员类别": "在职职工", "机构": "定点零售药店"}),
                                   (NC, "在职职工在不同等级机构就诊，限额合并计算", {})],
    # in-service paid at the retiree's 55% instead of 50%
    "retiree_ratio_for_in_service": [(PZH, "三级医院一次就诊跨过起付线，分项自付不计入政策范围", {}),
                                     (NC, "每种人员类别在每个机构等级一次就诊跨过起付线",
                                      {"人员类别": "在职职工", "机构": "三级医疗机构"})],
    # 0.01 × 50% = 0.005 → 0.01 half-up, 0.00 half-even
    "rounding_half_even": [(NC, "起付线600元的边界（低于、等于、刚超过），在职与退休相同",
                            {"人员类别": "在职职工", "费用": "600.01"})],
    # 0.01 × 55% = 0.0055 → 0.01 half-up, 0.00 truncated
    "rounding_truncate": [(NC, "起付线600元的边界（低于、等于、刚超过），在职与退休相同",
                           {"人员类别": "退休人员", "费用": "600.01"})],
    # s26 probe1 F1 — 2.01 × 50% = 1.005 (double 1.00499…) → 1.00 in binary floating point, 1.01 half-up; the
    # 600.01 row's 0.005 (double 0.00500…01) rounds up either way, so it cannot tell this twin from the reference
    "rounding_float": [(NC, "统筹支付恰为半分、其二进制浮点值略小于半分时，仍四舍五入进一分（A-ROUND-FEN）",
                        {"人员类别": "在职职工", "费用": "602.01"}),
                       (NC, "统筹支付恰为半分、其二进制浮点值略小于半分时，仍四舍五入进一分（A-ROUND-FEN）",
                        {"人员类别": "退休人员", "费用": "601.90"}),
                       (PZH, "统筹支付恰为半分、其二进制浮点值略小于半分时，仍四舍五入进一分（A-ROUND-FEN）",
                        {"人员类别": "在职职工", "医疗费用": "369.29"})],
    # 700 total with 150 全自费: deductible counted 600 instead of the 550 policy-scope amount
    "deductible_on_total": [(NC, "医疗费用总额超过起付线但政策范围内费用未超过，分项自付也不计入起付线", {})],
    # V3 (cap used up) refused instead of paid 0
    "refuse_over_cap": [(NC, "在职职工多次三级就诊，达到1800元限额后不再支付", {}),
                        (PZH, "在职职工在不同级别机构多次就诊，合并计算年度限额", {})],
    # after the reversal the year still shows deductible 600
    "reversal_keeps_ytd": [(NC, "撤销结算后起付线和统筹支付恢复（A-REVERSAL）", {})],
    # 500 − 50 − 0 = 450 instead of 500 − 50 − 0 − 20 = 430
    "policy_scope_ignores_preselfpay": [(PZH, "三级医院一次就诊跨过起付线，分项自付不计入政策范围", {}),
                                        (NC, "全自费、超限价、先行自付不计入政策范围内费用", {"先行自付": "200.00"})],
    # issue 10 — V2 of 4: running total 100.010 → 100.01 pays 50.00 instead of 50.005 → 50.01 (each visit)
    "round_running_total": [(NC, "连续多次就诊的统筹支付各自四舍五入到分，不按年度累计取整（A-ROUND-FEN）", {}),
                            (NC, "退休人员每次不足一分的支付各自四舍五入（A-ROUND-FEN）", {})],
    # 0.01 of deductible left rounds to 0 yuan: V2 counts 0.00 and pays 60.00 instead of 0.01 and 59.99
    "deductible_left_whole_yuan": [(NC, "起付线在两次就诊之间差几分钱用完，按分累计", {"首次": "599.99"}),
                                   (NC, "起付线在两次就诊之间差几分钱用完，按分累计", {"首次": "599.50"})],
    # 0.50 of cap left truncated to 0 yuan: V2 pays 0.00 instead of 0.50
    "cap_left_whole_yuan": [(NC, "年度限额在两次就诊之间差几分钱用完，限额余额按分支付", {"首次": "4199.00"})],
    # reversing the 2023 V1 in 2024 empties 2024's totals: V3 counts deductible 100 and pays 0 instead of 50
    "reversal_in_current_year": [(NC, "新年度开始后撤销上年的结算，冲回的是上年的累计（A-REVERSAL）", {})],
    # retired 2023-07-01, still settled as in service: V2 pays 0 (1800 cap used) instead of 200
    "role_at_year_start": [(NC, "年度中退休，此后按退休比例和2000元限额，已累计的支付继续累计（A-MIDYEAR-RETIREMENT）", {})],
    # V2 crosses the last 100 of the deductible and the cap: min(4000 × 50%, 1800) − 100 × 50% = 1750, not 1800
    # pharmacy V2 with 200 of the deductible left: counted 0 and paid 500 × 50% = 250 instead of 150
    "pharmacy_skips_deductible": [(NC, "起付线在一个自然年度内跨次累计，第二次就诊跨过起付线",
                                   {"人员类别": "在职职工", "机构": "定点零售药店"})],
    "cap_before_deductible": [(NC, "一次就诊同时跨过剩余起付线和年度限额", {"人员类别": "在职职工"}),
                              (NC, "一次就诊同时跨过剩余起付线和年度限额", {"人员类别": "退休人员"})],
}


def test_every_defect_has_named_scenarios_and_there_are_at_least_eight():
    assert set(CAUGHT_BY) == set(DEFECTS)
    assert len(DEFECTS) >= 8


def matching(run: RunResult, stem: str, scenario: str, example: dict[str, str]) -> list[CheckResult]:
    found = [c for c in run.checks if Path(c.feature_file).stem == stem
             and (c.name == scenario or c.name.startswith(scenario + " ["))
             and all(f"{k}={v}" in c.name for k, v in example.items())]
    assert found, f"no scenario {scenario!r} {example or ''} in {stem}.feature — renamed? update CAUGHT_BY"
    return found


@pytest.fixture(scope="module")
def reference_run() -> RunResult:
    run, _ = execute(articles=ARTICLES, paths=SCENARIOS)
    return run


@pytest.fixture(scope="module")
def defect_servers(sample_servers):
    return sample_servers(sorted(DEFECTS))


@pytest.mark.parametrize("defect", sorted(CAUGHT_BY))
def test_defective_variant_is_caught_by_named_scenarios(defect, defect_servers, reference_run):
    run, _ = execute(adapter=defect_servers[defect].url, articles=ARTICLES, paths=SCENARIOS)
    assert run.checks and not run.unreachable
    assert {c.kind for c in run.checks} == {"scenario"} and len(run.checks) == len(reference_run.checks)
    for stem, scenario, example in CAUGHT_BY[defect]:
        for ref in matching(reference_run, stem, scenario, example):
            assert ref.status == "passed", f"{ref.name} does not pass against the reference: {ref.message}"
        for c in matching(run, stem, scenario, example):
            if defect == "refuse_over_cap":
                # A refusal where the rules pay is a failure on infcode (exit 1, not 3), with its evidence.
                assert c.status == "failed" and "infcode -1" in c.message, (c.status, c.message)
                assert any(e.get("response", {}).get("infcode") == -1 for e in c.evidence)
            else:
                assert c.status == "failed", f"{defect}: {c.name} was {c.status} {c.message}"
                assert c.mismatches, c.name
    # Whatever a defect breaks, it never makes the run itself break down: every check is judged (no error of the
    # system or the harness) and those the defect does not touch still pass. (Not a share of them: a defect on every
    # in-service ordinary visit fails half the scenarios of these articles, and more as scenarios are added.)
    assert not [c.name for c in run.checks if c.status in ("error", "harness_error")]
    assert run.counts()["passed"] > 0 and run.counts()["failed"] > 0
