"""junit.xml and results.json: parsed back, every check present, hostile text intact, secrets absent."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from report_samples import FORMULAS, SCRIPT, SECRET, sample_run

from conform.harness import evidence
from conform.harness.report import FORMATS, junit, model, write_reports
from conform.harness.report.baseline import SCHEMA_NAME
from conform.harness.results import SCHEMA_VERSION


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    return write_reports(sample_run(), out, gate={"exit_code": 1, "reason": "non-conformance"})


def test_all_four_files_are_written(written):
    assert {k: p.name for k, p in written.items()} == {**FORMATS, "manifest": "manifest.sha256"}
    assert all(p.stat().st_size > 0 for p in written.values())
    assert not [p for p in written["json"].parent.iterdir() if p.name.endswith(".tmp")]


def test_junit_has_one_testcase_per_check_classed_by_document_and_article(written):
    root = ET.parse(written["junit"]).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "2", "1")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["攀枝花"]
    assert suites[0].get("skipped") == "1"
    cases = suites[0].findall("testcase")
    assert len(cases) == 5
    by_name = {c.get("name"): c for c in cases}
    failing = by_name["三级医院比例错误 " + SCRIPT]  # markup from the system comes back as the same text
    assert failing.get("classname") == "攀枝花.第七条"
    failure = failing.find("failure")
    assert failure is not None and failure.get("type") == "non-conformance"
    assert "统筹基金支付 (hifp_pay): 应为 expected 400.00，实际 actual 480.00" in failure.text
    assert "攀枝花 第七条" in failure.text  # the reference trace's clause
    assert by_name["系统出错"].find("error").get("message").endswith(SCRIPT)
    assert by_name["系统出错"].get("classname") == "攀枝花.第八条"
    assert by_name["账户使用范围"].find("skipped") is not None
    prop = by_name["年度统筹支付不超过最高支付限额"]
    assert prop.find("failure") is not None and "场景: 反例" in prop.find("failure").text
    kinds = {c.get("name"): c.find("system-out").text for c in cases}
    assert "类型 kind: 属性 property" in kinds["年度统筹支付不超过最高支付限额"]
    assert by_name["三级医院普通门诊"].find("failure") is None


def test_junit_survives_control_characters(tmp_path):
    run = sample_run()
    run.checks[1].message = "bad\x00\x1btext"
    written = write_reports(run, tmp_path, ("junit",))
    failure = ET.parse(written["junit"]).getroot().find(".//failure")
    assert failure.get("message") == "bad\ufffd\ufffdtext"


def test_results_json_is_the_whole_report_with_a_schema_version(written):
    data = json.loads(written["json"].read_text(encoding="utf-8"))
    assert data["schema"] == SCHEMA_NAME and data["schema_version"] == SCHEMA_VERSION
    assert data["verdict"] == "不合格" and data["gate"] == {"exit_code": 1, "reason": "non-conformance"}
    assert data["counts"] == {"passed": 1, "failed": 2, "error": 1, "not_applicable": 1, "skipped": 0,
                              "feature_error": 0, "harness_error": 0}
    assert data["run"]["seed"] == "12345" and data["run"]["examples"] == {"max_examples": 200}
    assert [d["id"] for d in data["documents"]] == ["panzhihua"]
    seventh = next(r for r in data["matrix"] if r["tag"] == "panzhihua-7")
    assert seventh["result"] == "failed" and seventh["properties"]["failed"] == 1
    assert len(seventh["checks"]) == 3
    failing = next(c for c in data["checks"] if c["nodeid"] == "t.py::test_fail")
    hifp = next(m for m in failing["mismatches"] if m["field"] == "hifp_pay")
    assert (hifp["expected"], hifp["actual"], hifp["difference"]) == ("400.00", "480.00", "80.00")
    assert {m["actual"] for m in failing["mismatches"] if m["field"] == "psn_part_amt"} == set(FORMULAS)
    assert failing["evidence"][0]["response"]["err_msg"] == SCRIPT
    assert data["assumptions"] and all({"id", "text", "why", "policies"} <= set(a) for a in data["assumptions"])


def test_no_secret_reaches_any_report(tmp_path):
    evidence.register_secret(SECRET)
    try:
        written = write_reports(sample_run(secret_in_evidence=True), tmp_path)
    finally:
        evidence._secrets.discard(SECRET)
    for fmt, path in written.items():
        raw = path.read_bytes()
        if fmt == "xlsx":
            import zipfile

            with zipfile.ZipFile(path) as z:
                raw = b"".join(z.read(n) for n in z.namelist())
        assert SECRET.encode() not in raw, fmt
    data = json.loads(written["json"].read_text(encoding="utf-8"))
    err = next(c for c in data["checks"] if c["status"] == "error")
    assert err["message"].endswith("key=***")
    assert err["evidence"][0]["request"]["headers"]["X-Api-Key"] == "***"


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown report format pdf"):
        write_reports(sample_run(), tmp_path, ("html", "pdf"))


def test_matrix_lists_every_article_of_every_selected_document():
    from conform.reference.policy import POLICY_IDS, load_policy

    run = sample_run()
    run.selection = {}
    data = model.build(run)
    assert [d["id"] for d in data["documents"]] == list(POLICY_IDS)
    assert len(data["matrix"]) == sum(len(load_policy(p).articles) for p in POLICY_IDS)
    zhejiang = next(d for d in data["documents"] if d["id"] == "zhejiang")
    assert zhejiang["verdict"] == "未测试" and zhejiang["checks"] == 0


def _classnames(status: str, failed_articles: list[str]) -> tuple[str, ET.Element]:
    run = sample_run(hostile=False)
    prop = run.checks[4]
    # as the plugin lists a property's tags: string order, so 'panzhihua-10' comes before 'panzhihua-7'
    prop.articles, prop.status, prop.failed_articles = ["panzhihua-10", "panzhihua-7"], status, failed_articles
    root = ET.fromstring(junit.render(model.build(run)))
    case = next(c for c in root.iter("testcase") if c.get("name") == prop.name)
    return case.get("classname"), case


def test_junit_classname_is_the_same_whether_the_check_passes_or_fails():
    """CI keys a test's history on classname + name: a failing run filed the check under the article it
    blamed (第十条) and a passing one under the string-sorted first tag (also 第十条, not 第七条)."""
    passing, _ = _classnames("passed", [])
    failing, case = _classnames("failed", ["panzhihua-10"])
    assert passing == failing == "攀枝花.第七条"    # its own first article, in the document's order
    assert "违反的条款 articles violated: 第十条" in case.find("failure").text


def test_a_checks_articles_are_in_the_documents_order():
    run = sample_run(hostile=False)
    run.checks[0].articles = ["panzhihua-10", "panzhihua-7", "panzhihua-A-X"]
    assert model.build(run)["checks"][0]["articles"] == ["panzhihua-7", "panzhihua-10", "panzhihua-A-X"]
