"""RunResults built by hand for the report tests, including hostile text from a system under test.

Imported by tests/test_report_*.py (not a conftest). The figures follow 攀枝花
第七条 (在职: 起付线 200, 三级 50%, 二级及以下 60%):
a 1000.00 visit at a tertiary hospital → (1000 − 200) × 50% = 400.00 from the fund;
the "system under test" below wrongly answers 480.00 (the secondary rate, (1000 − 200) × 60%).
"""
from __future__ import annotations

from conform.harness.results import CheckResult, Mismatch, RunResult, StepResult

SCRIPT = "<script>alert(1)</script>"
FORMULAS = ['=HYPERLINK("http://evil.example/x","click")', "+1", "-2", "@SUM(A1:A2)"]
SECRET = "sk-test-SECRET-4242"


def sample_run(hostile: bool = True, secret_in_evidence: bool = False) -> RunResult:
    """A run with one passing, one failing (field by field), one erroring, one not-applicable scenario
    and one failing property; `hostile` fills the SUT-controlled text with markup and formulas."""
    bad = SCRIPT if hostile else "拒绝"
    run = RunResult(adapter={"adapter": "http", "system": "http://127.0.0.1:9/"}, policies=["panzhihua"],
                    selection={"policies": ["panzhihua"], "articles": [], "tag": None}, run_id="20240101T000000Z-http",
                    harness_version="0.1.0", reference_version="0.1.0", seed="12345",
                    examples={"max_examples": 200}, planned=5, finished="2024-01-01T00:01:00+00:00")
    steps = [StepResult("假如", '适用政策 "攀枝花"'), StepResult("假如", '参保人 "PZH-T1" 为 "在职职工"'),
             StepResult("当", '参保人于 "2023-03-01" 在 "三级医疗机构" 普通门诊结算医疗费用 1000.00 元'),
             StepResult("那么", "统筹基金支付为 400.00 元", "failed")]
    run.checks.append(CheckResult(
        nodeid="t.py::test_pass", kind="scenario", name="三级医院普通门诊", policy="panzhihua",
        articles=["panzhihua-7"], tags=["panzhihua", "panzhihua-7"], status="passed",
        feature_file="panzhihua/第07条.feature", line=10, steps=steps[:3] + [StepResult("那么", "统筹基金支付为 400.00 元")]))
    run.checks.append(CheckResult(
        nodeid="t.py::test_fail", kind="scenario", name="三级医院比例错误" + (" " + SCRIPT if hostile else ""),
        policy="panzhihua", articles=["panzhihua-7"], tags=["panzhihua", "panzhihua-7"], status="failed",
        message="V1 统筹基金支付 (hifp_pay): expected 400.00, got 480.00", feature_file="panzhihua/第07条.feature",
        line=20, steps=steps + ([StepResult("并且", SCRIPT, "not_run")] if hostile else []),
        mismatches=[Mismatch("hifp_pay", "400.00", "480.00", "V1", "统筹基金支付"),
                    Mismatch("pool_prop_selfpay", "0.5000", "0.6000", "V1", "支付比例")]
        + ([Mismatch("psn_part_amt", "600.00", f, "V1", "个人负担") for f in FORMULAS] if hostile else []),
        evidence=[{"operation": "2207 门诊结算", "request": {"infno": "2207", "input": {"data": {"psn_no": "PZH-T1"}}},
                   "response": {"infcode": 0, "err_msg": bad, "output": {"setlinfo": {"hifp_pay": "480.00"}}}}],
        trace=[{"step": "起付线", "detail": "本年度起付线200.00元；本次计入起付线 200.00元", "clause": "攀枝花 第七条",
                "value": "200.00"},
               {"step": "支付比例", "detail": "三级（在职）比例50%：(1000.00 − 200.00) × 50% = 400.00元",
                "clause": "攀枝花 第七条", "value": "400.00"}]))
    err_evidence = {"operation": "2207 门诊结算", "request": {"infno": "2207"},
                    "response": {"infcode": -1, "err_msg": bad + (" " + FORMULAS[0] if hostile else "")}}
    if secret_in_evidence:
        err_evidence["request"]["headers"] = {"X-Api-Key": SECRET}
    run.checks.append(CheckResult(
        nodeid="t.py::test_error", kind="scenario", name="系统出错", policy="panzhihua", articles=["panzhihua-8"],
        status="error", message=f"system under test error (infcode): {bad}" + (f" key={SECRET}" if secret_in_evidence else ""),
        feature_file="panzhihua/第08条.feature", line=5, steps=[StepResult("当", "参保人结算", "error")],
        evidence=[err_evidence]))
    run.checks.append(CheckResult(
        nodeid="t.py::test_na", kind="scenario", name="账户使用范围", policy="panzhihua", articles=["panzhihua-5"],
        status="not_applicable", message="not applicable: adapter 'http' does not support check_account_use",
        feature_file="panzhihua/第05条.feature", line=7))
    run.checks.append(CheckResult(
        nodeid="t.py::test_prop", kind="property", name="年度统筹支付不超过最高支付限额", policy="panzhihua",
        articles=["panzhihua-7"], status="failed", message="fund paid 1000.01 > cap 1000.00",
        counterexample='@panzhihua @panzhihua-7\n场景: 反例\n  假如 参保人 "P1" 为 "在职职工"\n  那么 统筹基金支付为 400.00 元'
        + ("\n  # " + SCRIPT if hostile else ""),
        extra={"seed": 12345, "examples": 200}))
    return run
