"""A report cuts a message at a pause or between words and figures, never inside a figure: a cause's
headline that quoted "…统筹基金支付655." (120 characters of "…655.36元…") read as a wrong figure (s9, implV)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from conform.harness.report import junit, model
from conform.harness.report.causes import group
from conform.display import cut
from conform.harness.report.model import CAUSE_MESSAGE
from conform.harness.results import CheckResult, RunResult

# 9 characters, then 107 without a pause: "655.36" starts at index 116, so the 120th character (index 119) is its
# "."; cut to 120 by characters the message said "…655." and by spaces (there are none) "…655…"
HEAD = "被测系统拒绝结算："
FILLER = "本年度在三级医疗机构普通门诊累计发生的政策范围内费用按第七条扣除起付线后由统筹基金支付的金额合计"
MESSAGE = (HEAD + FILLER * 3)[:116] + "655.36元超过年度最高支付限额"


def test_the_message_is_built_as_stated():
    assert MESSAGE.index("655.36") == 116 and MESSAGE[119] == "." and len(MESSAGE) > CAUSE_MESSAGE
    assert not any(ch in MESSAGE[:116] for ch in "，；。、 ") and MESSAGE[8] == "："  # the only pause: index 8


def test_a_figure_at_the_limit_is_left_out_whole_not_cut():
    # no pause after half the limit (60): the last place not inside "655.36" is before it, index 116
    assert cut(MESSAGE, CAUSE_MESSAGE) == MESSAGE[:116] + "…"


def test_a_pause_in_the_later_half_is_where_the_cut_falls():
    text = MESSAGE[:70] + "，" + MESSAGE[71:]  # a comma at index 70: cut after it, the comma itself dropped
    assert cut(text, CAUSE_MESSAGE) == MESSAGE[:70] + "…"
    spaced = "certificate verify failed: unable to get local issuer certificate 655.36"
    assert cut(spaced, 70) == "certificate verify failed: unable to get local issuer certificate…"
    assert cut("甲" * 60 + "2023-03-01", 65) == "甲" * 60 + "…"   # a date is one run too


def test_a_cause_quotes_the_message_cut_at_the_figure():
    check = {"id": "c0001", "status": "error", "status_label": "被测系统出错", "message": MESSAGE + "\n第二行",
             "mismatches": [], "articles": ["panzhihua-7"], "document": "攀枝花", "path": "panzhihua/a.feature"}
    [cause] = group([check], {})   # the raw message, not the run's cause_view: group cuts it itself
    assert cause["message"] == MESSAGE[:116] + "…"
    assert "655." not in cause["headline"]
    data = model.build(_run(MESSAGE))
    [cause] = data["causes"]
    assert cause["message"] == MESSAGE[:116] + "…"


def test_junit_cuts_its_message_attribute_the_same_way():
    # junit's limit is 1000: "655.36" put at index 996, its "." the 1000th character
    long = (HEAD + FILLER * 30)[:996] + "655.36元超过年度最高支付限额"
    assert long[999] == "."
    root = ET.fromstring(junit.render(model.build(_run(long))))
    [error] = root.iter("error")
    assert error.get("message") == long[:996] + "…"


def _run(message: str) -> RunResult:
    run = RunResult(adapter={"adapter": "http"}, policies=["panzhihua"], selection={"policies": ["panzhihua"]},
                    run_id="implV", planned=1, finished="2024-01-01T00:01:00+00:00")
    run.checks.append(CheckResult(nodeid="t.py::a", kind="scenario", name="拒绝", policy="panzhihua",
                                  articles=["panzhihua-7"], status="error", message=message,
                                  feature_file="panzhihua/a.feature", line=3))
    return run
