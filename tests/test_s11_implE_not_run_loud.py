"""A run whose property checks were not applicable says so on its verdict line, in the report's banner and matrix
(rvendor s11 D1): 12 of 浙江's 14 properties not applicable once read "结论：合格 … 全部通过或不适用", green, the matrix
二（一）"通过 passed" with its properties {passed 0, not_applicable 12}, and nothing said."""
from __future__ import annotations

from conform.harness.report import model
from conform.harness.report.terminal import verdict_sentence
from conform.harness.results import CheckResult, RunResult

REMOTE = "not applicable: 异地就医 a remote visit needs remote_mdtrtarea_admvs in [adapter.platform]"


def _run(n_na: int, n_props: int = 14) -> RunResult:
    checks = [CheckResult(nodeid="features/zj::s1", kind="scenario", name="退休人员起付线减半", policy="zhejiang",
                          articles=["zhejiang-2.1"], status="passed", exercised=True)]
    for i in range(n_props):
        na = i < n_na
        checks.append(CheckResult(nodeid=f"props::p{i}", kind="property", name=f"属性{i}〔zhejiang〕", policy="zhejiang",
                                  articles=["zhejiang-2.1"], status="not_applicable" if na else "passed",
                                  message=REMOTE if na else "", extra={"property": f"p{i}"},
                                  exercised=not na))
    return RunResult(adapter={"adapter": "platform", "system": "http://127.0.0.1:1/"}, policies=["zhejiang"],
                     checks=checks)


def test_most_properties_not_applicable_is_said_on_the_verdict_line_with_the_reason_and_the_properties():
    run = _run(12)
    assert run.verdict == "合格"  # the verdict itself stands: no check found the system wrong …
    said = verdict_sentence(run)
    # … but the line says what was not checked: 12 of the 14 property checks, why, and which
    assert said.startswith("结论：合格 — ") and "大多数属性检查未运行" in said
    assert "属性检查 14 项中 12 项不适用" in said and "remote_mdtrtarea_admvs" in said
    assert "（12 项：p0〔zhejiang〕、p1〔zhejiang〕、p2〔zhejiang〕、p3〔zhejiang〕 等）" in said


def test_one_property_not_applicable_is_named_without_most():
    said = verdict_sentence(_run(1))
    assert "属性检查 14 项中 1 项不适用" in said and "大多数" not in said and "p0〔zhejiang〕" in said
    assert verdict_sentence(_run(0)).endswith("全部通过或不适用。")  # nothing not applicable: the sentence as before


def test_the_report_carries_a_banner_and_the_article_reads_partly_run():
    data = model.build(_run(12))
    banner = [n for n in data["run"]["notes"] if "不适用、未运行" in n]
    assert len(banner) == 1 and "大多数属性检查未运行" in banner[0] and "remote_mdtrtarea_admvs" in banner[0]
    row = next(r for r in data["matrix"] if r["tag"] == "zhejiang-2.1")
    assert row["properties"]["not_applicable"] == 12 and row["properties"]["passed"] == 2
    assert row["result"] == "partial" and row["result_label"] == "部分运行 partly run"
    assert "12 项属性检查不适用" in row["reason"]
    # every property ran: no banner, and nothing said of properties on the article (this run holds one of its
    # scenarios, so it is partly run for that reason alone)
    data = model.build(_run(0))
    assert not [n for n in data["run"]["notes"] if "不适用、未运行" in n]
    assert "属性检查不适用" not in next(r for r in data["matrix"] if r["tag"] == "zhejiang-2.1")["reason"]
