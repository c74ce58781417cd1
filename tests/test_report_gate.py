"""`conform run` as a CI gate: the report folder, exit codes 0/1/2/3, --baseline, interrupted runs."""
from __future__ import annotations

import json
import os
import socket
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sample_server import SampleServer

from conform.harness.cli import main as cli
from conform.harness.report import write_reports
from conform.harness.report.baseline import compare, load_baseline
from conform.harness.report.terminal import verdict_sentence
from conform.harness.run import EXIT_FAIL, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE, execute_detailed, gate

FOUR = {"report.html", "report.xlsx", "junit.xml", "results.json", "manifest.sha256"}

# 攀枝花 第七条, 在职职工, 三级医疗机构, 1000.00 of which all is policy scope:
# (1000 − 200) × 50% = 400.00 from the fund. The second scenario deliberately states 480.00,
# the secondary-level figure (1000 − 200) × 60%, so it must fail on 统筹基金支付 (hifp_pay).
WRONG_FIGURE = """# language: zh-CN
@panzhihua @panzhihua-7
功能: 临时特性 故意写错一个数字
  背景:
    假如 适用政策 "攀枝花"

  场景: 在职职工三级医院普通门诊（数字正确）
    # (1000 − 200) × 50% = 400.00
    假如 参保人 "TMP-0701" 为 "在职职工"
    当 参保人于 "2023-03-01" 在 "三级医疗机构" 普通门诊结算医疗费用 1000.00 元
    那么 统筹基金支付为 400.00 元

  场景: 在职职工三级医院普通门诊（数字故意写错）
    # 正确为 (1000 − 200) × 50% = 400.00；这里写成 (1000 − 200) × 60% = 480.00
    假如 参保人 "TMP-0702" 为 "在职职工"
    当 参保人于 "2023-03-01" 在 "三级医疗机构" 普通门诊结算医疗费用 1000.00 元
    那么 统筹基金支付为 480.00 元
"""


def feature_suite(tmp_path: Path, text: str) -> Path:
    """A test module binding one temporary feature file, as conform/harness/conformance binds features/."""
    feats = tmp_path / "features"
    feats.mkdir()
    (feats / "临时.feature").write_text(text, encoding="utf-8")
    module = tmp_path / f"test_tmp_{uuid.uuid4().hex[:8]}.py"
    module.write_text(f"from pytest_bdd import scenarios\nscenarios({str(feats)!r})\n", encoding="utf-8")
    return module


def few_examples(monkeypatch, examples: int = 3, shrink_seconds: float | None = None) -> None:
    """`conform run` has no examples option; its pytest reads PYTEST_ADDOPTS like any other. For tests of
    the gate and the reports, where the properties' power is not what is checked (tests/test_power_*.py
    and tests/test_properties_meta.py check that)."""
    opts = f"--conform-examples {examples}"
    if shrink_seconds is not None:
        opts += f" --conform-shrink-seconds {shrink_seconds}"
    monkeypatch.setenv("PYTEST_ADDOPTS", opts)


def invoke(*args: str):
    result = CliRunner().invoke(cli, ["run", "--no-progress", *args])
    assert "Traceback" not in result.output, result.output
    return result


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- exit 0


def test_reference_run_writes_four_files_under_reports_latest_and_exits_0(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    few_examples(monkeypatch)  # every scenario and every property, a few examples each
    result = invoke()
    assert result.exit_code == EXIT_OK, result.output
    latest = tmp_path / "reports" / "latest"
    assert latest.is_symlink()
    run_dir = tmp_path / "reports" / os.readlink(latest)
    assert {p.name for p in run_dir.iterdir()} == FOUR
    data = json.loads((latest / "results.json").read_text(encoding="utf-8"))
    assert data["verdict"] == "合格" and data["gate"]["exit_code"] == 0
    assert data["counts"]["failed"] == data["counts"]["error"] == 0
    assert data["counts"]["passed"] > 300 and data["run"]["incomplete"] is False
    assert data["run"]["run_id"] == run_dir.name and data["run"]["completed"] == data["run"]["planned"]
    junit = ET.parse(latest / "junit.xml").getroot()
    assert int(junit.get("tests")) == len(data["checks"]) and junit.get("failures") == "0"
    assert load_workbook(latest / "report.xlsx")["概要"]["B1"].value == "合格 conformant"
    assert 'data-verdict="合格"' in (latest / "report.html").read_text(encoding="utf-8")
    assert "Exit code 0" in result.output


def test_a_report_writer_failing_writes_the_others_and_exits_4(tmp_path, monkeypatch):
    """A bug in one writer is the harness's failure (exit 4), said on stderr; the CI job still gets its
    junit.xml and results.json (naming the missing workbook), and the verdict is still printed."""
    from conform.harness.report import xlsx

    def refuses(data, path):
        raise ValueError("All strings must be XML compatible")

    monkeypatch.setattr(xlsx, "write", refuses)
    few_examples(monkeypatch)
    out = tmp_path / "ci-report"
    result = invoke("--article", "beijing-3", "--out", str(out))
    assert result.exit_code == 4, result.output
    assert {p.name for p in out.iterdir()} == {"report.html", "junit.xml", "results.json", "manifest.sha256"}
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["reports_not_written"] == {"xlsx": "ValueError: All strings must be XML compatible"}
    assert "report(s) not written: report.xlsx: ValueError" in result.output and "结论" in result.output
    # every report written, and the terminal, give the code the run exits with, and keep the checks' own
    assert data["gate"]["exit_code"] == 4 and "the checks' own gate: 0" in data["gate"]["reason"]
    assert "Exit code 4" in result.output and "Exit code 0" not in result.output
    assert "exit code</span> 4 — 测试工具内部错误" in (out / "report.html").read_text(encoding="utf-8")


def test_format_and_out_choose_what_is_written_and_where(tmp_path, monkeypatch):
    few_examples(monkeypatch)
    out = tmp_path / "ci-report"
    result = invoke("--policy", "beijing", "--format", "json,junit", "--out", str(out))
    assert result.exit_code == EXIT_OK, result.output
    assert {p.name for p in out.iterdir()} == {"results.json", "junit.xml", "manifest.sha256"}
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["run"]["selection"]["policies"] == ["beijing"]
    assert {c["policy"] for c in data["checks"]} == {"beijing"}
    assert [d["id"] for d in data["documents"]] == ["beijing"]


# ---------------------------------------------------------------- exit 1


def test_a_wrong_figure_fails_and_the_report_names_the_article_and_field(tmp_path):
    ex = execute_detailed(paths=(feature_suite(tmp_path, WRONG_FIGURE),))
    code, reason = gate(ex.run, ex.pytest_code)
    assert code == EXIT_FAIL, reason
    assert [c.status for c in ex.run.checks] == ["passed", "failed"]
    written = write_reports(ex.run, tmp_path / "out", gate={"exit_code": code, "reason": reason})
    data = json.loads(written["json"].read_text(encoding="utf-8"))
    failing = next(c for c in data["checks"] if c["status"] == "failed")
    assert failing["articles"] == ["panzhihua-7"]
    m = failing["mismatches"][0]
    assert (m["field"], m["expected"], m["actual"]) == ("hifp_pay", "480.00", "400.00")
    page = written["html"].read_text(encoding="utf-8")
    section = page[page.index(f'id="{failing["id"]}"'):]
    assert "panzhihua-7" in section[:2000] and "hifp_pay" in section and "480.00" in section
    rows = [[c.value for c in r] for r in load_workbook(written["xlsx"])["失败详情"].iter_rows(min_row=2)]
    assert rows[0][2] == "攀枝花 第七条" and rows[0][6] == "hifp_pay"


@pytest.fixture(scope="module")
def pharmacy_defect():
    """The sample system paying 定点零售药店 at the secondary rate (60% instead of 50% for 在职)."""
    with SampleServer(defect="pharmacy_at_secondary_rate") as server:
        yield server


def test_a_defective_system_exits_1_and_its_report_names_article_and_field(pharmacy_defect, tmp_path, monkeypatch):
    few_examples(monkeypatch, 5, shrink_seconds=0.5)  # what is checked comes from the scenarios and the report
    out = tmp_path / "r"
    result = invoke("--adapter", pharmacy_defect.url, "--article", "panzhihua-7", "--out", str(out))
    assert result.exit_code == EXIT_FAIL, result.output
    assert "pool_prop_selfpay" in result.output
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    failing = [c for c in data["checks"] if c["status"] == "failed"]
    assert failing and all("panzhihua-7" in c["articles"] for c in failing)
    # 在职 at a pharmacy: 第七条 “三级定点医疗机构和定点零售药店报销比例为50%”; the defect answers 60%
    fields = {(m["field"], m["expected"], m["actual"]) for c in failing for m in c["mismatches"]}
    assert ("pool_prop_selfpay", "0.5000", "0.6000") in fields
    assert all(any(e.get("infno") == "2207" for e in c["evidence"]) for c in failing  # the 门诊结算 exchange
               if c["kind"] == "scenario")
    seventh = next(r for r in data["matrix"] if r["tag"] == "panzhihua-7")
    assert seventh["result"] == "failed" and seventh["label"] == "第七条"
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="a-panzhihua-7"' in page and "pool_prop_selfpay" in page
    matrix = load_workbook(out / "report.xlsx")["条款矩阵"]
    row = next(r for r in matrix.iter_rows(min_row=2, values_only=True) if r[0] == "攀枝花" and r[1] == "7")
    assert row[5] == "失败 failed"


# ---------------------------------------------------------------- exit 2


@pytest.mark.parametrize("args, message", [
    (("--policy", "atlantis"), "unknown policy atlantis"),
    (("--format", "pdf"), "'pdf' is not a report format"),
    (("--baseline", "no-such-results.json"), "no such baseline file"),
    (("--config", "no-such-config.toml"), "no such config file"),
    (("--adapter", "ftp://example"), "unknown adapter"),
    (("--tag", "no_such_tag_anywhere"), "no_such_tag_anywhere"),
    (("--tag", "panzhihua and beijing"), "no scenario matches the selection"),
])
def test_usage_and_configuration_errors_exit_2_with_a_clear_message(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = invoke(*args)
    assert result.exit_code == EXIT_USAGE, result.output
    assert message in result.output
    assert not (tmp_path / "reports" / "latest").exists()


def test_a_baseline_that_is_not_a_results_file_is_a_usage_error(tmp_path):
    bad = tmp_path / "other.json"
    bad.write_text('{"hello": 1}', encoding="utf-8")
    result = invoke("--baseline", str(bad), "--out", str(tmp_path / "r"))
    assert result.exit_code == EXIT_USAGE
    assert "not a conform results.json" in result.output


def test_a_broken_feature_file_is_named_not_run(tmp_path):
    module = feature_suite(tmp_path, '# language: zh-CN\n功能: 坏的\n  场景: 一\n    假如 适用政策 "攀枝花"\n功能: 第二个\n')
    ex = execute_detailed(paths=(module,))
    assert ex.usage_error and "临时.feature" in ex.usage_error and "Line number: 5" in ex.usage_error
    assert ex.run.checks == []


# ---------------------------------------------------------------- exit 3


def test_an_unreachable_system_exits_3_and_keeps_what_it_has(tmp_path):
    out = tmp_path / "r"
    result = invoke("--adapter", f"http://127.0.0.1:{closed_port()}/", "--policy", "panzhihua", "--out", str(out))
    assert result.exit_code == EXIT_UNREACHABLE, result.output
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["run"]["unreachable"] is True and data["run"]["incomplete"] is True
    assert data["verdict"] == "无法判定" and data["run"]["answered"] is False   # it answered nothing (rvendor8 D3)
    assert 0 < data["run"]["completed"] < data["run"]["planned"]
    assert all(c["status"] == "error" for c in data["checks"])
    assert "unreachable" in " ".join(data["run"]["notes"])
    assert 'id="incomplete"' in (out / "report.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------- interrupted


class StopAfter:
    """Presses Ctrl-C after n checks."""

    def __init__(self, n: int):
        self.n, self.seen = n, 0

    def pytest_runtest_logfinish(self, nodeid, location):
        self.seen += 1
        if self.seen == self.n:
            raise KeyboardInterrupt


def test_an_interrupted_run_writes_what_it_has_marked_incomplete(tmp_path):
    ex = execute_detailed(policies=("beijing",), plugins=(StopAfter(3),))
    run = ex.run
    assert ex.interrupted and run.incomplete
    assert len(run.checks) == 3 and run.planned > 3
    code, reason = gate(run, ex.pytest_code)
    assert code == EXIT_FAIL and "incomplete" in reason
    assert run.verdict == "无法判定"  # all three passed, yet an incomplete run is no certificate (nor a failure)
    assert "运行未完成（完成 3 / " in verdict_sentence(run)
    written = write_reports(run, tmp_path, gate={"exit_code": code, "reason": reason})
    data = json.loads(written["json"].read_text(encoding="utf-8"))
    assert data["run"]["incomplete"] is True and data["run"]["completed"] == 3
    # nor does any document read 合格 off it: 北京's three passes are its only checks
    assert [(d["id"], d["verdict"]) for d in data["documents"]] == [("beijing", "无法判定")]
    assert 'id="incomplete"' in written["html"].read_text(encoding="utf-8")


# ---------------------------------------------------------------- baseline


def test_baseline_known_failures_pass_the_gate_new_ones_do_not(pharmacy_defect, tmp_path):
    # scenarios only: which generated examples a property tries may differ from run to run
    select = ("--adapter", pharmacy_defect.url, "--article", "panzhihua-7", "--tag", "not conform_property")
    first = tmp_path / "first"
    r1 = invoke(*select, "--format", "json", "--out", str(first))
    assert r1.exit_code == EXIT_FAIL
    baseline = first / "results.json"
    failing = [c["nodeid"] for c in json.loads(baseline.read_text(encoding="utf-8"))["checks"]
               if c["status"] == "failed"]
    assert len(failing) >= 2

    # Same system, same failures: all known, the gate passes, the report still lists them.
    second = tmp_path / "second"
    r2 = invoke(*select, "--baseline", str(baseline), "--out", str(second))
    assert r2.exit_code == EXIT_OK, r2.output
    data = json.loads((second / "results.json").read_text(encoding="utf-8"))
    assert sorted(data["baseline"]["known"]) == sorted(failing) and data["baseline"]["regressions"] == []
    assert data["verdict"] == "不合格"  # the regulator's verdict is absolute; only the gate is relative
    assert "baseline-known" in (second / "report.html").read_text(encoding="utf-8")

    # A baseline in which one of them still passed: that one is a regression and fails the gate.
    older = json.loads(baseline.read_text(encoding="utf-8"))
    for c in older["checks"]:
        if c["nodeid"] == failing[0]:
            c["status"] = "passed"
    older_file = tmp_path / "older.json"
    older_file.write_text(json.dumps(older, ensure_ascii=False), encoding="utf-8")
    third = tmp_path / "third"
    r3 = invoke(*select, "--baseline", str(older_file), "--format", "json", "--out", str(third))
    assert r3.exit_code == EXIT_FAIL, r3.output
    data = json.loads((third / "results.json").read_text(encoding="utf-8"))
    assert data["baseline"]["regressions"] == [failing[0]]
    regression = next(c for c in data["checks"] if c["nodeid"] == failing[0])
    assert regression["baseline"] == "regression"


def test_compare_finds_fixed_and_missing_failures(tmp_path):
    from report_samples import sample_run

    run = sample_run(hostile=False)
    path = tmp_path / "results.json"
    write_reports(run, tmp_path, ("json",))
    data = json.loads(path.read_text(encoding="utf-8"))
    data["checks"].append({"nodeid": "t.py::test_gone", "status": "failed"})
    path.write_text(json.dumps(data), encoding="utf-8")
    now = sample_run(hostile=False)
    now.checks[1].status = "passed"  # the field-by-field failure was fixed
    result = compare(now, load_baseline(path))
    assert result["fixed"] == ["t.py::test_fail"]
    assert result["known"] == ["t.py::test_error", "t.py::test_prop"]
    assert result["regressions"] == [] and result["missing"] == ["t.py::test_gone"]
    now.baseline = result
    assert gate(now, 1)[0] == EXIT_OK
    now.checks[0].status = "failed"
    now.baseline = compare(now, load_baseline(path))
    assert gate(now, 1) == (EXIT_FAIL, "发现不符合 non-conformance: 1 新增 new failing check(s)")


def test_sigterm_during_the_checks_is_an_interrupt():
    """A cancelled CI job (SIGTERM) stops pytest like Ctrl-C, so the reports of what ran still get written."""
    import signal

    from conform.harness.run import _sigterm_interrupts

    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), _sigterm_interrupts():
        os.kill(os.getpid(), signal.SIGTERM)
        signal.sigtimedwait([], 1.0) if hasattr(signal, "sigtimedwait") else None
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_baseline_saved_before_the_one_package_layout_matches_the_same_checks(tmp_path):
    """Node ids began harness/conformance/ before the code moved under conform/: such a baseline's known
    failure stays known, not a regression, and its fixed check reads as fixed."""
    from report_samples import sample_run

    run = sample_run(hostile=False)
    for c in run.checks:
        c.nodeid = "conform/harness/conformance/" + c.nodeid
    path = tmp_path / "results.json"
    write_reports(run, tmp_path, ("json",))
    data = json.loads(path.read_text(encoding="utf-8"))
    for c in data["checks"]:
        c["nodeid"] = c["nodeid"].removeprefix("conform/")  # as an earlier version wrote them
    path.write_text(json.dumps(data), encoding="utf-8")
    now = sample_run(hostile=False)
    for c in now.checks:
        c.nodeid = "conform/harness/conformance/" + c.nodeid
    now.checks[1].status = "passed"
    result = compare(now, load_baseline(path))
    assert result["fixed"] == ["conform/harness/conformance/t.py::test_fail"]
    assert result["known"] == ["conform/harness/conformance/t.py::test_error",
                               "conform/harness/conformance/t.py::test_prop"]
    assert result["regressions"] == [] and result["missing"] == []
