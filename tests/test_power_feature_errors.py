"""A mistake in a feature file is an error of the feature ('feature_error', exit 2), never 'failed'.

The bad feature is bound in a throwaway test module the way a pasted counterexample is
(tests/test_properties_meta.py), and run in process against the reference.
"""
from __future__ import annotations

from pathlib import Path

from conform.harness.report.junit import render as render_junit
from conform.harness.report.model import build
from conform.harness.run import EXIT_USAGE, execute, gate

BAD = """# language: zh-CN
@nanchang @nanchang-4.2.1
功能: 场景文件错误
  背景:
    假如 适用政策 "南昌"

  场景: 未知步骤
    假如 参保人 "X1" 为 "在职职工"
    当 参保人做了一件步骤库不认识的事

  场景: 未知机构
    假如 参保人 "X2" 为 "在职职工"
    当 参保人于 "2023-03-01" 在 "四级医疗机构" 普通门诊结算医疗费用 100.00 元

  场景: 不存在的日期
    假如 参保人 "X3" 为 "在职职工"
    当 参保人于 "2023-02-30" 在 "三级医疗机构" 普通门诊结算医疗费用 100.00 元

  场景: 引用不存在的结算
    假如 参保人 "X4" 为 "在职职工"
    当 参保人于 "2023-03-01" 在 "三级医疗机构" 普通门诊结算医疗费用 100.00 元
    那么 结算 "V9" 的统筹基金支付为 0.00 元

  场景: 正确的场景
    # 三级在职 700：(700 − 600) × 50% = 50.00
    假如 参保人 "X5" 为 "在职职工"
    当 参保人于 "2023-03-01" 在 "三级医疗机构" 普通门诊结算医疗费用 700.00 元
    那么 统筹基金支付为 50.00 元
"""


def test_feature_mistakes_are_feature_errors_and_exit_2(tmp_path: Path):
    feature = tmp_path / "features" / "错误.feature"
    feature.parent.mkdir()
    feature.write_text(BAD, encoding="utf-8")
    module = tmp_path / "bound" / "test_bad_feature.py"
    module.parent.mkdir()
    module.write_text(f"from pytest_bdd import scenarios\n\nscenarios({str(feature)!r})\n", encoding="utf-8")
    run, code = execute(paths=(module,))
    status = {c.name: c.status for c in run.checks}
    assert status == {"未知步骤": "feature_error", "未知机构": "feature_error", "不存在的日期": "feature_error",
                      "引用不存在的结算": "feature_error", "正确的场景": "passed"}, status
    for c in run.checks:
        if c.status == "feature_error":
            assert c.message.startswith("场景文件错误"), c.message
    assert run.counts()["failed"] == 0
    assert gate(run, code)[0] == EXIT_USAGE
    xml = render_junit(build(run)).decode("utf-8")
    assert xml.count('type="feature-error"') == 4


def test_scenario_results_carry_the_assumptions_their_names_give():
    from conform.harness.run import execute as run_suite

    run, _ = run_suite(articles=("nanchang-4.2.1",), tag="not conform_property")
    by_name = {c.name: c for c in run.checks}
    c = by_name["连续多次就诊的统筹支付各自四舍五入到分，不按年度累计取整（A-ROUND-FEN）"]
    assert c.extra["assumptions"] == ["A-ROUND-FEN"]
    assert by_name["新年度开始后撤销上年的结算，冲回的是上年的累计（A-REVERSAL）"].extra["assumptions"] == ["A-REVERSAL"]
