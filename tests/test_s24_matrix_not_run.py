"""An article whose property checks did not run is never 通过 in the matrix (probe s24 S F2).

An interrupted run (Ctrl-C, the system going down) read 北京 (五) 通过 on its scenarios while its 11 property
checks were in `run.not_run` — the complete run fails it on a property; and a `--tag "not conform_property"`
selection read 通过 for articles whose properties it left out. docs/connect-your-system.md: such articles read
部分运行, never 通过. The verdict stays as documented: 无法判定 for the interrupted run, 合格 for what the selection
covered (its 选择 row names the tag expression).
"""
from __future__ import annotations

import html as htmllib

from conform.harness.coverage import article_index
from conform.harness.properties import load
from conform.harness.report import html, model
from conform.harness.results import CheckResult, RunResult

TAG = "beijing-5"


def _scenarios() -> list[CheckResult]:
    """Every scenario of 北京 (五), passed (outline rows counted as the coverage list counts them)."""
    n = article_index()["beijing"]["5"].cases
    assert n > 0
    return [CheckResult(nodeid=f"f.py::test_s{i}", kind="scenario", name=f"北京 (五) 场景 {i}", policy="beijing",
                        articles=[TAG], tags=["beijing", TAG], status="passed", feature_file="beijing/x.feature",
                        line=i + 1, exercised=True) for i in range(n)]


def _properties() -> list[CheckResult]:
    """北京's property checks covering (五), as conform/harness/conformance/test_properties.py binds them."""
    out = []
    for prop in load().values():
        if "5" in prop.clauses.get("beijing", ()):
            out.append(CheckResult(nodeid=f"conform/harness/conformance/test_properties.py::test_{prop.id}[beijing]",
                                   kind="property", name=prop.check_name("beijing"), policy="beijing",
                                   articles=[f"beijing-{a}" for a in prop.clauses["beijing"]], status="passed",
                                   exercised=True))
    assert out
    return out


def _run(checks: list[CheckResult], **kw) -> RunResult:
    run = RunResult(adapter={"adapter": "http", "system": "http://127.0.0.1:9/"}, policies=["beijing"],
                    run_id="20240101T000000Z-http", finished="2024-01-01T00:01:00+00:00", **kw)
    run.checks = checks
    run.planned = len(checks)
    return run


def _row(data: dict) -> dict:
    return next(r for r in data["matrix"] if r["tag"] == TAG)


def test_a_complete_run_with_its_properties_passes_the_article():
    data = model.build(_run(_scenarios() + _properties(), selection={"policies": ["beijing"]}))
    row = _row(data)
    assert row["result"] == "passed", row["reason"]
    assert data["documents"][0]["verdict"] == "合格"


def test_an_interrupted_run_whose_properties_did_not_run_is_partly_run():
    props = _properties()
    run = _run(_scenarios(), selection={"policies": ["beijing"]}, incomplete=True)
    run.planned_checks = [{"nodeid": p.nodeid, "name": p.name, "kind": "property", "policy": "beijing",
                           "articles": list(p.articles)} for p in props]
    run.planned = len(run.checks) + len(props)
    data = model.build(run)
    row = _row(data)
    assert row["result"] == "partial" and row["result_label"] == "部分运行 partly run", row
    assert f"{len(props)} 项属性检查中的 {len(props)} 项未运行（运行未完成）" in row["reason"], row["reason"]
    assert len([p for p in data["run"]["not_run"] if TAG in p["articles"]]) == len(props)
    assert data["documents"][0]["verdict"] == "无法判定"
    page = htmllib.unescape(html.render(data))
    tr = page[page.index(f'id="a-{TAG}"') - 200:page.index(f'id="a-{TAG}"') + 3000]
    assert "部分运行" in tr and 'data-result="partial"' in tr


def test_a_selection_without_properties_does_not_pass_the_article():
    n = len(_properties())
    sel = {"policies": ["beijing"], "articles": [], "tag": "not conform_property"}
    data = model.build(_run(_scenarios(), selection=sel))
    row = _row(data)
    assert row["result"] == "partial", row
    assert f"本次选择未包含该条款 {n} 项属性检查中的 {n} 项" in row["reason"], row["reason"]
    assert data["documents"][0]["verdict"] == "合格"  # of what was selected, as any subset (README, connect…md)
    # an article no property covers is judged on its scenarios alone, as before
    assert not any(r["reason"].count("属性检查") for r in data["matrix"] if r["tag"] == "beijing-1")
