"""report.html: self-contained, escaped, and saying what failed where (parsed, not browsed)."""
from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest
from markupsafe import escape
from report_samples import FORMULAS, SCRIPT, sample_run

from conform.harness.report import html, model


class Page(HTMLParser):
    """Collects the tags, the inline scripts and every URL-bearing attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self._in_script = False
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if tag == "script":
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


@pytest.fixture(scope="module")
def page_source():
    return html.render(model.build(sample_run()))


@pytest.fixture(scope="module")
def page(page_source):
    p = Page()
    p.feed(page_source)
    return p


def test_hostile_text_from_the_system_is_escaped(page_source, page):
    # step text, scenario name, err_msg in evidence and the error message all carry <script>alert(1)</script>
    assert SCRIPT not in page_source
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page_source
    assert len(page.scripts) == 1 and "alert(1)" not in page.scripts[0]
    text = "".join(page.text)
    assert text.count(SCRIPT) >= 4  # shown to the reader as text: name, step, message, evidence
    for formula in FORMULAS:
        assert str(escape(formula)) in page_source


def test_the_only_script_is_the_one_the_policy_allows(page_source, page):
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    digest = base64.b64encode(hashlib.sha256(page.scripts[0].encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp
    assert "default-src 'none'" in csp


def test_self_contained_no_network_resource(page):
    for tag, attrs in page.tags:
        for name in ("src", "href", "action", "data"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith("#"), (tag, name, value)
        assert not (tag == "link" and attrs.get("rel") == "stylesheet")


def test_verdict_documents_matrix_and_failure_details(page_source, page):
    text = re.sub(r"\s+", " ", "".join(page.text))
    assert 'data-verdict="不合格"' in page_source and "non-conformant" in text
    assert 'id="a-panzhihua-7"' in page_source and 'data-result="failed"' in page_source
    # every article of the document is a row
    from conform.reference.policy import load_policy

    assert page_source.count('class="art ') == len(load_policy("panzhihua").articles)
    # the failing scenario: expected vs actual for the field, the reference's clause, the evidence
    section = page_source[page_source.index('id="c0002"'):page_source.index('id="c0003"')]
    assert "hifp_pay" in section and "400.00" in section and "480.00" in section
    assert "攀枝花 第七条" in section and "(1000.00 − 200.00) × 50% = 400.00元" in section
    assert "2207 门诊结算" in section and "&#34;err_msg&#34;" in section
    # the property's Gherkin counterexample, the seed, the assumptions
    assert "场景: 反例" in page_source and "12345" in text
    assert "A-ROUND-FEN" in page_source


def test_untestable_articles_show_their_reason(page_source):
    row = page_source[page_source.index('id="a-panzhihua-1"'):]
    row = row[:row.index("</tr>")]
    assert 'data-result="untestable"' in row and "不可测试理由" in row


def test_incomplete_and_unreachable_runs_say_so():
    run = sample_run(hostile=False)
    run.incomplete, run.unreachable = True, True
    run.notes.append("system unreachable: 5 consecutive connection failures")
    source = html.render(model.build(run))
    assert 'id="incomplete"' in source and "Incomplete run" in source
    assert "System unreachable" in source and "5 consecutive connection failures" in source


def test_conformant_run_shows_the_green_verdict():
    run = sample_run(hostile=False)
    run.checks = [c for c in run.checks if c.status == "passed"]
    source = html.render(model.build(run))
    assert 'class="verdict ok"' in source and 'data-verdict="合格"' in source
    assert "没有失败或错误的检查项" in source


def test_no_verdict_is_shown_neither_red_nor_green():
    """无法判定 (a feature error, nothing reached the system) is not a failure of the system: its own colour."""
    run = sample_run(hostile=False)
    run.checks = [c for c in run.checks if c.status == "passed"]
    d = model.build(run)
    d["verdict"], d["verdict_en"] = "无法判定", "no verdict"
    source = html.render(d)
    assert 'class="verdict undecided"' in source and 'data-verdict="无法判定"' in source
    assert ".verdict.undecided" in source and ".b-无法判定" in source


def test_a_check_names_the_assumptions_it_relies_on_in_html_and_excel(tmp_path):
    """A vendor reading the text differently sees which assumption a failed check rests on (issue 10)."""
    from openpyxl import load_workbook

    from conform.harness.report import xlsx

    run = sample_run(hostile=False)
    failing = next(c for c in run.checks if c.status == "failed" and c.kind == "scenario")
    failing.extra["assumptions"] = ["A-ROUND-FEN"]
    failing.extra["rests_on"] = ["A-ROUND-FEN"]  # a failed check lists what its failing figure rests on (§7, s12)
    data = model.build(run)
    source = html.render(data)
    section = source[source.index(f'id="{next(c["id"] for c in data["checks"] if c["nodeid"] == failing.nodeid)}"'):]
    assert '<a href="#A-ROUND-FEN"><code>A-ROUND-FEN</code></a>' in section.split("</section>")[0]
    path = tmp_path / "report.xlsx"
    xlsx.write(data, path)
    rows = list(load_workbook(path)["场景明细"].iter_rows(values_only=True))
    assert rows[0][-1] == "所依据的假设 Assumptions"
    assert [r[-1] for r in rows[1:] if r[4] == failing.name] == ["A-ROUND-FEN"]
