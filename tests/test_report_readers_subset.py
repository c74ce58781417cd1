"""A subset run never reads as a complete pass: an article none (or not all) of whose scenarios ran is
部分运行 / 未运行 in the matrix, never 通过, and the workbook says what was selected.

`conform run --article panzhihua-7` marked 第四条 通过 on one ledger property while none of its 25
scenarios ran, and the Excel 概要 said 完整 complete with no 选择 row (the HTML had one).
"""
from __future__ import annotations

from openpyxl import load_workbook
from report_samples import sample_run

from conform.harness.coverage import article_index
from conform.harness.report import html, model, xlsx
from conform.harness.results import CheckResult


def subset_run():
    """What --article panzhihua-7 gives: 第七条's scenario, a ledger property also tagged 第四条, a skipped
    differential property tagged 第五条."""
    run = sample_run(hostile=False)
    run.selection = {"policies": [], "articles": ["panzhihua-7"], "tag": None}
    run.checks = [run.checks[0]]
    run.checks.append(CheckResult(nodeid="p.py::ledger", kind="property", name="年度累计与逐笔结算一致",
                                  policy="panzhihua", articles=["panzhihua-4", "panzhihua-7"], status="passed"))
    run.checks.append(CheckResult(nodeid="p.py::differential", kind="property", name="与参考实现逐字段一致",
                                  policy="panzhihua", articles=["panzhihua-5"], status="skipped",
                                  message="no second implementation configured"))
    run.planned = len(run.checks)
    return run


def test_articles_whose_scenarios_did_not_run_are_not_passed():
    matrix = {r["tag"]: r for r in model.build(subset_run())["matrix"]}
    planned = article_index()["panzhihua"]["4"].cases
    assert planned > 0
    fourth = matrix["panzhihua-4"]
    assert fourth["result"] == "partial" and fourth["result_label"] == "部分运行 partly run"
    assert (fourth["scenarios_planned"], fourth["scenarios_run"]) == (planned, 0)
    assert f"{planned} 个场景中的 0 个" in fourth["reason"]
    assert matrix["panzhihua-5"]["result"] == "not_run"      # only a skipped property: nothing of it ran
    assert matrix["panzhihua-7"]["result"] == "partial"      # one of its scenarios, not all


def test_an_article_all_of_whose_scenarios_ran_still_passes():
    checks = [{"id": f"c{i}", "kind": "scenario", "status": "passed"} for i in range(2)]
    row = model._row("panzhihua", "攀枝花", "panzhihua-7", "7", "第七条", "", "tested", "", checks,
                     planned=2, present=2)
    assert row["result"] == "passed" and row["reason"] == ""


def test_workbook_names_the_selection_and_the_partly_run_articles(tmp_path):
    path = xlsx.write(model.build(subset_run()), tmp_path / "r.xlsx")
    wb = load_workbook(path)
    info = {r[0]: r[1] for r in wb["概要"].iter_rows(values_only=True) if r[0]}
    assert "panzhihua-7" in info["选择 Selection"]
    assert info["完整性 Completeness"] != "完整 complete" and "selection only" in info["完整性 Completeness"]
    results = {r[1]: r[5] for r in wb["条款矩阵"].iter_rows(min_row=2, values_only=True)}
    assert results["4"] == "部分运行 partly run" and results["5"] == "未运行 not run"
    assert "通过 passed" not in results.values()


def test_a_full_run_says_complete_and_every_article():
    run = subset_run()
    run.selection = {"policies": [], "articles": [], "tag": None}
    wb = xlsx.render(model.build(run))
    info = {r[0]: r[1] for r in wb["概要"].iter_rows(values_only=True) if r[0]}
    assert info["完整性 Completeness"] == "完整 complete"
    assert info["选择 Selection"] == "全部文件的全部条款 every article of every document"
    assert 'id="selection">全部文件的全部条款' in html.render(model.build(run))


def test_a_plugin_run_narrowed_with_k_is_named_a_subset():
    """`pytest --conform-adapter URL -m panzhihua -k 起付线`: the plugin records the -k expression; the reports
    read it too, so 39 of 197 checks are not 完整 complete nor 选择: 攀枝花 (closing review, item 1)."""
    run = subset_run()
    run.selection = {"policies": ["panzhihua"], "articles": [], "tag": None, "keyword": "起付线"}
    wb = xlsx.render(model.build(run))
    info = {r[0]: r[1] for r in wb["概要"].iter_rows(values_only=True) if r[0]}
    assert "名称表达式 keyword expression (-k) 起付线" in info["选择 Selection"]
    assert info["完整性 Completeness"] != "完整 complete" and "selection only" in info["完整性 Completeness"]
