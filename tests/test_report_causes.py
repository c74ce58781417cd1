"""A cause spanning several documents names each document's clause, never the first check's for all.

Reviewer C: the pharmacy_at_secondary_rate twin made one cause "支付比例（pool_prop_selfpay）在“支付比例”一步
不符" of checks in 南昌, 吉林, 攀枝花 and 浙江, shown with 南昌's clause (四（四）；A-NC-PHARMACY) for all of
them — a 攀枝花 check's rule is 攀枝花 第七条. The clause is listed per document in results.json
("clauses"), and in one line ("clause") in the HTML report and the workbook's 原因汇总 sheet.
"""
from __future__ import annotations

import html as htmllib
import json

from openpyxl import load_workbook

from conform.harness.report import html, jsonout, model, xlsx
from conform.harness.results import CheckResult, Mismatch, RunResult

# (policy, the clause the reference cites for the ratio step, the ratio expected, the ratio answered)
CHECKS = [("nanchang", "南昌 四（四）；A-NC-PHARMACY", "0.5000", "0.5500"),
          ("nanchang", "南昌 四（四）；A-NC-PHARMACY；南昌 四（二）1", "0.5000", "0.5500"),
          ("panzhihua", "攀枝花 第七条", "0.5000", "0.6000"),
          ("jilin", "吉林 二（二）", "0.5000", "0.5500")]


def two_document_run() -> RunResult:
    run = RunResult(adapter={"adapter": "http", "system": "http://127.0.0.1:9/"},
                    policies=["nanchang", "panzhihua", "jilin"], run_id="20240101T000000Z-http",
                    finished="2024-01-01T00:01:00+00:00")
    for i, (policy, clause, want, got) in enumerate(CHECKS):
        run.checks.append(CheckResult(
            nodeid=f"t.py::test_{i}", kind="scenario", name=f"药店购药 {i}", policy=policy,
            articles=[], status="failed", message=f"V1 支付比例 (pool_prop_selfpay): expected {want}, got {got}",
            feature_file=f"{policy}/x.feature", line=10 + i,
            mismatches=[Mismatch("pool_prop_selfpay", want, got, "V1", "支付比例")],
            trace=[{"step": "支付比例", "detail": "药店 50%", "clause": clause, "value": "500.00"}]))
    return run


def test_the_clause_is_listed_per_document_in_json_html_and_xlsx(tmp_path):
    data = model.build(two_document_run())
    (cause,) = data["causes"]
    assert cause["count"] == 4
    assert cause["clauses"] == [
        {"document": "南昌（征求意见稿）", "clause": "南昌 四（四）；A-NC-PHARMACY；南昌 四（二）1"},
        {"document": "攀枝花", "clause": "攀枝花 第七条"},
        {"document": "吉林", "clause": "吉林 二（二）"}]
    line = "南昌 四（四）；A-NC-PHARMACY；南昌 四（二）1 / 攀枝花 第七条 / 吉林 二（二）"
    assert cause["clause"] == line

    written = json.loads(jsonout.render(data))["causes"][0]
    assert written["clauses"] == cause["clauses"] and written["clause"] == line

    page = htmllib.unescape(html.render(data))
    assert f"步骤 <span class=\"en\">step</span>：支付比例（{line}）" in page

    path = tmp_path / "report.xlsx"
    xlsx.write(data, path)
    ws = load_workbook(path)["原因汇总"]
    header = [c.value for c in ws[1]]
    col = next(i for i, h in enumerate(header) if h and h.startswith("依据"))
    assert [r[col] for r in ws.iter_rows(min_row=2, values_only=True)] == [line]


def test_one_document_keeps_its_clause_and_a_bare_assumption_is_named_by_its_document():
    from conform.harness.report.causes import clause_text

    data = model.build(RunResult(policies=["panzhihua"], checks=two_document_run().checks[2:3]))
    assert data["causes"][0]["clause"] == "攀枝花 第七条"
    assert clause_text([{"document": "攀枝花", "clause": "攀枝花 第七条"},
                        {"document": "南昌（征求意见稿）", "clause": "A-NC-PHARMACY"}]) == \
        "攀枝花 第七条 / 南昌（征求意见稿）：A-NC-PHARMACY"


def test_labels_are_cited_without_the_numbering_comma_and_error_kinds_in_chinese():
    """Reviewer C's minor labels: "吉林 一、" (the numbering's 、 kept) beside other articles, and the cause
    "被测系统出错（too_large）" left in English."""
    from conform.harness.report import junit
    from conform.harness.report.terminal import article_label

    assert article_label("jilin-1") == "吉林 一" and article_label("jilin-2.2") == "吉林 二（二）"
    run = two_document_run()
    run.checks[3].articles = ["jilin-1", "jilin-2.2"]
    run.checks.append(CheckResult(nodeid="t.py::test_big", kind="scenario", name="过大", policy="jilin",
                                  articles=["jilin-1"], status="error", feature_file="jilin/x.feature", line=3,
                                  message="system under test error (too_large): 2207: the answer is larger than "
                                          "4194304 bytes (max_response_bytes)"))
    data = model.build(run)
    labels = [label for k in data["causes"] for label in k["article_labels"]]
    assert "吉林 一" in labels and not any(label.endswith("、") for label in labels), labels
    assert any(k["headline"].startswith("被测系统出错（应答过大）：") for k in data["causes"]), data["causes"]
    xml = junit.render(data).decode("utf-8")
    assert "一、、" not in xml and "条款 articles: 一、二（二）" in xml
