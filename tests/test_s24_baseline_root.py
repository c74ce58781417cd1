"""--baseline: a failure is known only when the same check fails for the same root (probe s24 S F6). The
differential property failed in the baseline on a rounding (hifp_pay 425.59 vs 425.58) and now on a wrong ratio
(pool_prop_selfpay 0.5000 vs 0.6000): keyed by the check alone the new defect read 已知失败 and passed the gate."""
from __future__ import annotations

import json

from conform.harness.report import write_reports
from conform.harness.report.baseline import compare, load_baseline
from conform.harness.results import CheckResult, Mismatch, RunResult
from conform.harness.run import EXIT_FAIL, EXIT_OK, gate

DIFF = "conform/harness/conformance/test_properties.py::test_differential[zhejiang]"
SCEN = "conform/harness/conformance/test_features.py::test_x[a]"
ERR = "conform/harness/conformance/test_features.py::test_y[b]"

ROUNDING = [Mismatch("hifp_pay", "425.59", "425.58", "V1", "统筹基金支付"),
            Mismatch("fund_pay_sumamt", "425.59", "425.58", "V1", "基金支付总额")]
RATIO = [Mismatch("pool_prop_selfpay", "0.5000", "0.6000", "V1", "支付比例"),
         Mismatch("hifp_pay", "300.00", "250.00", "V1", "统筹基金支付")]


def _run(diff: list[Mismatch], scen: list[Mismatch], err_status: str = "error") -> RunResult:
    run = RunResult(adapter={"adapter": "http", "system": "http://127.0.0.1:1/"})
    run.checks = [
        CheckResult(nodeid=DIFF, kind="property", name="差分测试", policy="zhejiang", status="failed",
                    message="不一致", mismatches=list(diff)),
        CheckResult(nodeid=SCEN, kind="scenario", name="场景", policy="zhejiang", status="failed",
                    message="不符", mismatches=list(scen)),
        CheckResult(nodeid=ERR, kind="scenario", name="出错", policy="zhejiang", status=err_status,
                    message="系统出错"),
    ]
    return run


def _baseline(tmp_path, run: RunResult) -> dict:
    write_reports(run, tmp_path, ("json",))
    return load_baseline(tmp_path / "results.json")


def test_a_broad_property_failing_on_another_root_is_a_regression(tmp_path):
    base = _baseline(tmp_path, _run(ROUNDING, ROUNDING))
    now = _run(RATIO, ROUNDING)  # the differential test now roots at the ratio: a new defect
    now.baseline = compare(now, base)
    assert now.baseline["regressions"] == [DIFF]
    assert now.baseline["known"] == [SCEN, ERR]
    assert gate(now, 1)[0] == EXIT_FAIL


def test_the_same_root_stays_known(tmp_path):
    base = _baseline(tmp_path, _run(ROUNDING, ROUNDING))
    # another example of the same rounding: it differs on the same root field, at another visit, fewer fields
    now = _run([Mismatch("hifp_pay", "12.35", "12.34", "V2", "统筹基金支付")], ROUNDING)
    now.baseline = compare(now, base)
    assert now.baseline["known"] == [DIFF, SCEN, ERR] and now.baseline["regressions"] == []
    assert gate(now, 1)[0] == EXIT_OK


def test_a_failure_on_figures_where_the_baseline_had_an_error_is_a_regression(tmp_path):
    base = _baseline(tmp_path, _run(ROUNDING, ROUNDING))
    now = _run(ROUNDING, ROUNDING, err_status="failed")
    now.checks[2].mismatches = [Mismatch("hifp_pay", "1.00", "0.99", "V1")]
    now.baseline = compare(now, base)
    assert now.baseline["regressions"] == [ERR]


def test_a_baseline_without_mismatches_keys_by_the_check_alone(tmp_path):
    write_reports(_run(ROUNDING, ROUNDING), tmp_path, ("json",))
    data = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    for c in data["checks"]:
        c.pop("mismatches", None)  # a results.json that did not record them: nothing to compare the root with
    (tmp_path / "results.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    now = _run(RATIO, RATIO)
    now.baseline = compare(now, load_baseline(tmp_path / "results.json"))
    assert now.baseline["known"] == [DIFF, SCEN, ERR] and now.baseline["regressions"] == []
