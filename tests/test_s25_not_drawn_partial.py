"""A property that passed without drawing the visits the system cannot be sent as configured (a platform config
leaving the pharmacy level out: extra.not_drawn) did not check the article for them: the article reads 部分运行 with
the kinds named, never 通过 (probe s24 W F4: 第七条 read 通过 while its pharmacy ratio was never tried)."""
from __future__ import annotations

from conform.harness.coverage import article_index
from conform.harness.properties import load
from conform.harness.report import model
from conform.harness.results import CheckResult, RunResult

TAG = "beijing-5"
PHARMACY = "facility level pharmacy: not in [adapter.platform.facilities]"


def _run(not_drawn: dict[str, str]) -> RunResult:
    n = article_index()["beijing"]["5"].cases
    checks = [CheckResult(nodeid=f"f.py::test_s{i}", kind="scenario", name=f"北京 (五) 场景 {i}", policy="beijing",
                          articles=[TAG], tags=["beijing", TAG], feature_file="beijing/x.feature", line=i + 1,
                          exercised=True, status="passed") for i in range(n)]
    props = [p for p in load().values() if "5" in p.clauses.get("beijing", ())]
    assert props
    for prop in props:
        checks.append(CheckResult(nodeid=f"conform/harness/conformance/test_properties.py::test_{prop.id}[beijing]",
                                  kind="property", name=prop.check_name("beijing"), policy="beijing",
                                  articles=[f"beijing-{a}" for a in prop.clauses["beijing"]], status="passed",
                                  exercised=True, extra={"not_drawn": dict(not_drawn)}))
    return RunResult(adapter={"adapter": "platform", "system": "http://127.0.0.1:9/"}, policies=["beijing"],
                     selection={"policies": ["beijing"], "articles": [], "tag": None}, checks=checks,
                     planned=len(checks), finished="2024-01-01T00:01:00+00:00")


def _row(data: dict) -> dict:
    return next(r for r in data["matrix"] if r["tag"] == TAG)


def test_a_property_that_drew_no_pharmacy_visit_leaves_its_article_partly_run():
    row = _row(model.build(_run({"pharmacy": PHARMACY})))
    assert row["result"] == "partial", row
    assert PHARMACY in row["reason"] and "未抽取" in row["reason"]


def test_a_property_that_drew_every_kind_passes_its_article():
    assert _row(model.build(_run({})))["result"] == "passed"
