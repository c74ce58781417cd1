"""A run that no check reached the system under test never certifies it; a feature's mistake or a missing
fixture is never the system's failure.

`conform run --adapter platform+URL` without --config used to end 合格 with exit 0: the region
configuration checks (the harness's own) passed and every other check was not applicable, without one
request. The same holds for any adapter that supports nothing the selection needs, and for a selection of
only harness-side checks. Such a run gives no verdict (无法判定) and exit 2, saying why; the platform
profile without test persons is refused before anything runs; an unreachable platform system is exit 3.
A feature error (a misspelled step) gave exit 2 but the verdict 不合格; a scenario naming a region file
that is not installed counted as a FAILURE of the system. Both are no verdict now.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conform.harness.report.model import build
from conform.harness.results import CheckResult, RunResult
from conform.harness.run import EXIT_FAIL, EXIT_USAGE, execute, gate, run_command

DEAD = "http://127.0.0.1:1/"   # nothing listens on port 1


def _run(args: list[str], out: Path):
    result = CliRunner().invoke(run_command, [*args, "--no-progress", "--out", str(out)])
    data = json.loads((out / "results.json").read_text(encoding="utf-8")) if (out / "results.json").is_file() else None
    return result, data


def test_platform_without_config_is_refused_naming_the_keys_it_needs(tmp_path):
    result, data = _run(["--adapter", f"platform+{DEAD}", "--article", "panzhihua-7"], tmp_path / "out")
    assert result.exit_code == EXIT_USAGE, result.output[-2000:]
    said = " ".join(result.output.split())
    assert "[[adapter.platform.pool]]" in said and 'hooks = ["person_reset"]' in said and "--config" in said
    assert "docs/connect-your-system.md" in said
    assert "Traceback" not in result.output and data is None   # nothing ran, nothing certified


def test_platform_config_without_persons_is_refused_naming_the_file(tmp_path):
    cfg = tmp_path / "conform.toml"
    cfg.write_text(f'[adapter]\nurl = "{DEAD}"\nprofile = "platform"\n\n[adapter.platform]\nhooks = []\n',
                   encoding="utf-8")
    result, data = _run(["--config", str(cfg), "--article", "panzhihua-7"], tmp_path / "out")
    assert result.exit_code == EXIT_USAGE, result.output[-2000:]
    assert f"{cfg}: [adapter.platform] has no test persons" in " ".join(result.output.split())
    assert data is None


@pytest.mark.parametrize("hooks", [True, False], ids=["person_reset", "pool"])
def test_an_unreachable_platform_system_is_exit_3(tmp_path, hooks):
    from conform.fixtures.sample_system.platform import sample_config

    cfg = tmp_path / "conform.toml"
    cfg.write_text(sample_config(DEAD, hooks=hooks), encoding="utf-8")
    result, data = _run(["--config", str(cfg), "--article", "panzhihua-7", "--tag", "not conform_property"],
                        tmp_path / "out")
    assert result.exit_code == 3, result.output[-2000:]
    # nothing listens: no request got an answer, so no verdict (rvendor8 D3); exit 3 all the same
    assert data["run"]["unreachable"] and data["verdict"] == "无法判定"


ONLY_YTD = """
from conform.harness.adapters import Adapter


class OnlyYtd(Adapter):
    name = "only-ytd"
    supports = frozenset({"query_ytd"})   # no prepare_person: every scenario is not applicable
"""


def test_an_adapter_that_supports_nothing_selected_gives_no_verdict(tmp_path, monkeypatch):
    (tmp_path / "only_ytd_plugin.py").write_text(ONLY_YTD, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    result, data = _run(["--adapter", "python:only_ytd_plugin:OnlyYtd", "--article", "panzhihua-7"], tmp_path / "out")
    assert result.exit_code == EXIT_USAGE, result.output[-2000:]
    assert data["verdict"] == "无法判定" and data["verdict_en"] == "no verdict"
    assert data["counts"]["passed"] == 0 and data["counts"]["not_applicable"] > 0
    reason = data["gate"]["reason"]
    assert "no check reached the system under test" in reason and "prepare_person" in reason
    assert "合格 —" not in result.output and "结论：无法判定" in result.output
    assert all(d["verdict"] != "合格" for d in data["documents"])


def test_a_selection_of_only_the_harness_side_region_checks_gives_no_verdict(tmp_path):
    """吉林 六（二）'s scenarios only validate region files in the harness: they pass against any system."""
    result, data = _run(["--article", "jilin-6.2", "--tag", "not conform_property"], tmp_path / "out")
    assert result.exit_code == EXIT_USAGE, result.output[-2000:]
    assert data["verdict"] == "无法判定" and data["counts"]["passed"] == len(data["checks"]) > 0
    assert all(c["exercised"] is False for c in data["checks"])
    assert "passed without asking it anything" in data["gate"]["reason"]


def test_a_selection_that_filters_out_every_check_is_a_usage_error(tmp_path):
    result, data = _run(["--article", "panzhihua-7", "--tag", "not panzhihua-7"], tmp_path / "out")
    assert result.exit_code == EXIT_USAGE and "no scenario matches the selection" in result.output
    assert data is None


def test_the_reference_still_passes_and_its_settling_checks_reached_it(tmp_path):
    result, data = _run(["--article", "panzhihua-7", "--tag", "not conform_property"], tmp_path / "out")
    assert result.exit_code == 0, result.output[-2000:]
    assert data["verdict"] == "合格"
    assert all(c["exercised"] for c in data["checks"] if c["status"] == "passed")


# --------------------------------------------------------------------------- feature errors, missing fixtures

FEATURE = """# language: zh-CN
@jilin @jilin-6.2
功能: 缺少的配置文件
  背景:
    假如 适用政策 "吉林"

  场景: 引用未安装的无效配置
    假如 地区配置 "invalid/jilin-not-installed"
    当 校验地区配置
    那么 地区配置被拒绝，原因引用 "二（二）"

  场景: 拼错的步骤
    假如 参保人 "X1" 为 "在职职工"
    并且 统筹基金付了 100 元
"""

SETTLES = """
  场景: 一次结算
    假如 地区配置 "jilin-example"
    并且 参保人 "X2" 为 "在职职工"
    当 参保人于 "2023-03-01" 在 "三级医疗机构" 普通门诊结算医疗费用 700.00 元
    那么 统筹基金支付为 {pay} 元
"""


def _bound(tmp_path: Path, text: str) -> Path:
    feature = tmp_path / "features" / "缺少.feature"
    feature.parent.mkdir(exist_ok=True)
    feature.write_text(text, encoding="utf-8")
    # a module name of its own per test: pytest runs in this process and keeps every module it imported
    module = tmp_path / "bound" / f"test_missing_fixture_{abs(hash(str(tmp_path)))}.py"
    module.parent.mkdir(exist_ok=True)
    module.write_text(f"from pytest_bdd import scenarios\n\nscenarios({str(feature)!r})\n", encoding="utf-8")
    return module


def test_a_missing_fixture_and_a_misspelled_step_are_feature_errors_with_no_verdict(tmp_path):
    run, code = execute(paths=(_bound(tmp_path, FEATURE + SETTLES.format(pay="250.00")),))
    status = {c.name: c.status for c in run.checks}
    assert status == {"引用未安装的无效配置": "feature_error", "拼错的步骤": "feature_error", "一次结算": "passed"}, status
    missing = next(c for c in run.checks if c.name == "引用未安装的无效配置")
    assert missing.message.startswith("场景文件错误") and "invalid/jilin-not-installed" in missing.message
    assert "no such file" in missing.message
    assert run.counts()["failed"] == 0
    assert run.verdict == "无法判定"
    assert gate(run, code)[0] == EXIT_USAGE
    data = build(run, {"exit_code": EXIT_USAGE, "reason": "feature error"})
    assert data["verdict"] == "无法判定" and data["verdict_en"] == "no verdict"
    assert {d["verdict"] for d in data["documents"] if d["checks"]} == {"无法判定"}


def test_a_real_failure_beside_a_feature_error_is_still_non_conformant(tmp_path):
    # 吉林 example, 三级在职 700: (700 − 200) × 50% = 250.00; the feature claims 260.00, so the system fails
    run, code = execute(paths=(_bound(tmp_path, FEATURE + SETTLES.format(pay="260.00")),))
    assert {c.name: c.status for c in run.checks}["一次结算"] == "failed"
    assert run.verdict == "不合格"


def test_the_terminal_sentence_and_table_do_not_count_feature_errors_as_the_systems_errors(tmp_path):
    from conform.harness.report.terminal import counts_columns, counts_row, verdict_sentence

    run, _ = execute(paths=(_bound(tmp_path, FEATURE + SETTLES.format(pay="250.00")),))
    sentence = verdict_sentence(run)
    assert sentence.startswith("结论：无法判定") and "2 项场景文件错误" in sentence and "出错" not in sentence
    row = dict(zip((k for k, _ in counts_columns(run)), counts_row(run)))
    assert row["error"] == "0" and row["feature_error"] == "2"


def test_verdicts_of_hand_made_runs_are_unchanged_when_nothing_was_tracked():
    """A RunResult built without tracking (a report sample, an old results.json) keeps its verdict."""
    run = RunResult(checks=[CheckResult("a", "scenario", "a", status="passed"),
                            CheckResult("b", "scenario", "b", status="not_applicable")])
    assert run.verdict == "合格"
    run.checks[0].exercised = False
    assert run.verdict == "无法判定" and gate(run, 0)[0] == EXIT_USAGE
    run.checks[0].exercised = True
    assert run.verdict == "合格" and gate(run, 0)[0] == 0
    run.checks.append(CheckResult("c", "scenario", "c", status="harness_error"))
    assert run.verdict == "无法判定"
    run.checks.append(CheckResult("d", "scenario", "d", status="failed", exercised=True))
    assert run.verdict == "不合格" and gate(run, 1)[0] == 4 and gate(run, 1)[0] != EXIT_FAIL


# --------------------------------------------------------------------------- the adapter forms are discoverable

def test_run_help_and_list_adapters_name_the_platform_form_and_plugin_names():
    from conform.harness.cli import main

    runner = CliRunner()
    help_text = " ".join(runner.invoke(main, ["run", "--help"]).output.split())
    assert "platform+http(s)://URL" in help_text and "python:module:Class" in help_text
    assert "installed plugin" in help_text and "conform.adapters" in help_text
    listed = runner.invoke(main, ["list", "adapters", "--json"])
    rows = {r["name"]: r for r in json.loads(listed.output)}
    assert rows["platform"]["how"] == "--adapter platform+http(s)://HOST:PORT/PATH"
    assert "[[adapter.platform.pool]]" in rows["platform"]["what"] and "person_reset" in rows["platform"]["what"]
    assert rows["plugin"]["how"] == "--adapter NAME" and "conform.adapters" in rows["plugin"]["what"]
