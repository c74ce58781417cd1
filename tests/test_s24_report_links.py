"""Each article link of a cause names the row it links to (probe s24 S F1).

A cause's labels were deduplicated and reordered (articles first, each reading once: probe s23 K F3) but the page
zipped them by index with the tags: a reading before an article swapped two links ("攀枝花 第七条" → the
A-REVERSAL row), and a reading named by several documents left fewer labels than tags, so report.html was not
written at all (UndefinedError) for the reversal_keeps_ytd twin.
"""
from __future__ import annotations

import html as htmllib
import re

from conform.harness.report import html, model
from conform.harness.results import CheckResult, Mismatch, RunResult

# (policy, the articles its failing figure breaks: a reading first, as in_document_order may give them)
FAILED = [("panzhihua", ["panzhihua-A-REVERSAL", "panzhihua-7"]),
          ("beijing", ["beijing-A-REVERSAL", "beijing-5"]),
          ("jilin", ["jilin-A-REVERSAL"])]


def _run() -> RunResult:
    run = RunResult(adapter={"adapter": "http", "system": "http://127.0.0.1:9/"},
                    policies=[p for p, _ in FAILED], run_id="20240101T000000Z-http",
                    finished="2024-01-01T00:01:00+00:00")
    for i, (policy, failed) in enumerate(FAILED):
        run.checks.append(CheckResult(
            nodeid=f"t.py::test_{i}", kind="scenario", name=f"撤销后再结算 {i}", policy=policy,
            articles=[t for t in failed if "-A-" not in t] or [f"{policy}-2.2"], status="failed",
            message="V2 年度累计起付线 (ordinary_dedc): expected 0.00, got 200.00",
            feature_file=f"{policy}/x.feature", line=10 + i, failed_articles=list(failed),
            mismatches=[Mismatch("ordinary_dedc", "0.00", "200.00", "V2", "年度累计起付线")],
            trace=[{"step": "起付线", "detail": "撤销退回", "clause": "", "value": "0.00"}]))
    return run


def _row_names(data: dict) -> dict[str, set[str]]:
    """What a link to each matrix row may say: the article as cited, the reading, or (a reading named by
    several documents) the document whose row it is."""
    names: dict[str, set[str]] = {}
    for r in data["matrix"]:
        if str(r["article"]).startswith("A-"):
            names[r["tag"]] = {f"假设 {r['article']}", r["document"]}
        else:
            names[r["tag"]] = {f"{r['document']} {r['label'].rstrip('、. ')}"}
    return names


def test_every_cause_link_names_the_row_it_links_to():
    data = model.build(_run())
    (cause,) = data["causes"]
    assert len(cause["articles"]) == 5, cause["articles"]
    page = html.render(data)  # raised UndefinedError: 3 labels for 5 tags
    where = re.search(r"条款 <span class=\"en\">articles</span>：(.*?)</div>", page).group(1)
    links = [(href, htmllib.unescape(text)) for href, text in re.findall(r'<a href="#a-([^"]+)">([^<]*)</a>', where)]
    names = _row_names(data)
    assert {h for h, _ in links} == set(cause["articles"]), links
    for href, text in links:
        assert f'id="a-{href}"' in page, href
        assert text in names[href], (href, text, names[href])
    # the articles first, the shared reading once, each of its documents linking that document's row
    shown = htmllib.unescape(re.sub(r"<[^>]+>", "", where))
    assert shown == "攀枝花 第七条、北京 (五)、假设 A-REVERSAL（攀枝花、北京、吉林）", shown
    assert cause["article_labels"] == ["攀枝花 第七条", "北京 (五)", "假设 A-REVERSAL"]


def test_a_reading_of_one_document_before_its_article_is_not_swapped():
    run = _run()
    first, second = run.checks[0], run.checks[2]  # 攀枝花 failing on the reading alone, then on 第七条 too
    second.policy, second.nodeid, second.articles = "panzhihua", "t.py::test_9", ["panzhihua-7"]
    first.failed_articles, second.failed_articles = ["panzhihua-A-REVERSAL"], ["panzhihua-7", "panzhihua-A-REVERSAL"]
    run.checks, run.policies = [first, second], ["panzhihua"]
    data = model.build(run)
    (cause,) = data["causes"]
    assert cause["articles"][0] == "panzhihua-A-REVERSAL", cause["articles"]
    where = re.search(r"条款 <span class=\"en\">articles</span>：(.*?)</div>", html.render(data)).group(1)
    links = re.findall(r'<a href="#a-([^"]+)">([^<]*)</a>', where)
    assert links == [("panzhihua-7", "攀枝花 第七条"), ("panzhihua-A-REVERSAL", "假设 A-REVERSAL")], links
