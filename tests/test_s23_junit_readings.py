"""junit.xml says which named reading (A-…) a failure rests on, as report.html does, and never lists a reading
among the articles violated (probe s23 G, F5)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import xmlschema
from report_samples import sample_run

from conform.harness.report import junit, model, write_reports

XSD = Path(__file__).resolve().parent.parent / "docs" / "junit-10.xsd"


def _case(run, name: str) -> ET.Element:
    root = ET.fromstring(junit.render(model.build(run)))
    return next(c for c in root.iter("testcase") if c.get("name") == name)


def _failing(run, failed_articles: list[str], rests_on: list[str]):
    check = run.checks[1]  # 三级医院比例错误, a failing scenario
    check.failed_articles, check.extra = failed_articles, {"rests_on": rests_on}
    return check


def test_a_failure_resting_on_a_reading_alone_is_no_article_violated(tmp_path):
    run = sample_run(hostile=False)
    check = _failing(run, ["panzhihua-A-BEFORE-VALIDITY"], ["A-BEFORE-VALIDITY"])
    case = _case(run, check.name)
    failure = case.find("failure")
    for text in (failure.text, case.find("system-out").text):
        assert "violated: A-BEFORE-VALIDITY" not in text
        assert "违反的条款" not in text
        assert "所依据的假设 assumptions relied on (named readings where the text is silent): A-BEFORE-VALIDITY" in text
        assert "未违反条文 no article violated" in text
    # a CI view shows the message alone: it names the reading first
    assert failure.get("message").startswith("[依据假设 rests on A-BEFORE-VALIDITY，未违反条文 no article violated] V1 ")
    written = write_reports(run, tmp_path, ("junit",))
    xmlschema.XMLSchema(XSD).validate(str(written["junit"]))


def test_a_failure_of_an_article_under_a_reading_names_both():
    run = sample_run(hostile=False)
    check = _failing(run, ["panzhihua-7"], ["A-ROUND-FEN"])
    case = _case(run, check.name)
    failure = case.find("failure")
    assert failure.get("message").startswith("[依据假设 rests on A-ROUND-FEN] V1 ")
    for text in (failure.text, case.find("system-out").text):
        # listed as violated under the reading, not as a plain breach (probe s29 H5 F2)
        assert "违反的条款（在所依据的读法下） articles violated under the readings relied on: 第七条\n" in text
        assert "违反的条款 articles violated:" not in text
        assert ("所依据的假设 assumptions relied on (named readings where the text is silent): A-ROUND-FEN\n" in text
                or text.endswith("silent): A-ROUND-FEN"))
        assert "no article violated" not in text


def test_a_known_failure_resting_on_a_reading_says_so_in_its_skipped_text():
    run = sample_run(hostile=False)
    check = _failing(run, ["panzhihua-A-REVERSAL"], ["A-REVERSAL"])
    run.baseline = {"known": [check.nodeid]}
    skipped = _case(run, check.name).find("skipped")
    assert skipped.get("message").startswith("[已知失败 known failure] [依据假设 rests on A-REVERSAL，")
    assert "违反的条款" not in skipped.text and "A-REVERSAL（仅依据假设" in skipped.text


def test_a_failure_resting_on_no_reading_is_unchanged():
    run = sample_run(hostile=False)
    check = _failing(run, ["panzhihua-7"], [])
    case = _case(run, check.name)
    assert case.find("failure").get("message").startswith("V1 ")
    assert "所依据的假设" not in case.find("failure").text
    assert "违反的条款 articles violated: 第七条" in case.find("system-out").text
    # a passing check lists no reading: it rests on none that failed
    assert "所依据的假设" not in _case(run, "三级医院普通门诊").find("system-out").text
