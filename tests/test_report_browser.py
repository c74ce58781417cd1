"""report.html in a real headless browser: Debian's chromium driven by playwright (never `playwright install`).

Opened straight from disk (file://): it must load without console errors, show
the verdict, let a reader filter and expand failing articles, never run the
markup a system under test sent, and produce a screenshot. In CI a missing
chromium is a failure, not a skip (.ci/run installs it).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from report_samples import sample_run

from conform.harness.report import write_reports





class Watched:
    """A page that records console errors, uncaught exceptions, dialogs and any network request."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport={"width": 1280, "height": 1000})
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.as_uri())
        self.page.wait_for_selector("html[data-ready='1']", state="attached", timeout=10_000)


@pytest.fixture
def failing_report(tmp_path):
    return write_reports(sample_run(hostile=True), tmp_path, ("html",))["html"]


def visible_articles(page) -> list[str]:
    return page.eval_on_selector_all("tr.art", "rows => rows.filter(r => !r.hidden).map(r => r.id)")


def test_failing_report_loads_cleanly_and_filters(browser, failing_report, tmp_path):
    w = Watched(browser, failing_report)
    page = w.page
    assert w.errors == [] and w.dialogs == []           # no console error; alert(1) from the system never ran
    assert w.requests == [failing_report.as_uri()]       # nothing fetched but the file itself
    verdict = page.locator("#verdict-word")
    assert verdict.is_visible() and verdict.inner_text() == "不合格"

    total = len(visible_articles(page))
    assert total == page.locator("tr.art").count() > 10
    page.click("#filter-failing")
    assert visible_articles(page) == ["a-panzhihua-7", "a-panzhihua-8"]
    assert page.locator("#matrix-count").inner_text() == f"2 / {total}"

    detail = page.locator("#" + page.get_attribute("#a-panzhihua-7", "data-detail"))
    assert detail.is_hidden()
    page.click("#a-panzhihua-7 button.toggle")
    assert detail.is_visible()
    assert page.get_attribute("#a-panzhihua-7 button.toggle", "aria-expanded") == "true"
    assert "hifp_pay" in detail.inner_text()
    detail.locator("a[href='#c0002']").click()           # the cell leads to the failing scenario
    assert page.locator("#c0002").is_visible()
    assert "<script>alert(1)</script>" in page.locator("#c0002 h3").inner_text()  # shown as text

    page.click("button[data-filter='all']")
    page.fill("#matrix-search", "第八条")
    assert visible_articles(page) == ["a-panzhihua-8"]
    page.fill("#matrix-search", "三级医院比例错误")      # a scenario's name finds its article
    assert visible_articles(page) == ["a-panzhihua-7"]
    page.fill("#matrix-search", "")
    page.click("#collapse-all")
    assert detail.is_hidden()
    page.click("#expand-failing")
    assert detail.is_visible()

    shot = tmp_path / "report.png"
    page.click("#filter-failing")
    page.locator("#matrix").scroll_into_view_if_needed()
    page.screenshot(path=str(shot), full_page=False)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    keep = os.environ.get("CONFORM_SCREENSHOT_DIR")  # to look at it: CONFORM_SCREENSHOT_DIR=reports uv run pytest …
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "report-failing.png")
    assert w.errors == [] and w.dialogs == []


def test_a_real_reference_run_report_opens_from_disk(browser, tmp_path):
    from conform.harness.run import execute, gate

    # beijing's scenarios and properties; a few examples each: the report page is what is checked
    run, code = execute(policies=("beijing",), extra_args=("--conform-examples", "3"))
    written = write_reports(run, tmp_path, ("html",), gate=dict(zip(("exit_code", "reason"), gate(run, code))))
    w = Watched(browser, written["html"])
    assert w.errors == []
    assert w.page.locator("#verdict-word").inner_text() == "合格"
    w.page.click("#filter-failing")
    assert visible_articles(w.page) == []
    w.page.click("button[data-filter='all']")
    assert len(visible_articles(w.page)) == w.page.locator("tr.art").count()
    w.page.screenshot(path=str(tmp_path / "conformant.png"))
    assert (tmp_path / "conformant.png").stat().st_size > 10_000


def test_audit_pages_header_keeps_its_values_readable_beside_long_labels(browser, tmp_path):
    """audit.html's header lists each reason rows were not assessed, in a label of a hundred characters or
    more: the values beside it (verdict, totals) keep a column wide enough to read."""
    import json

    from conform.audit.run import audit

    ledger = tmp_path / "ledger.csv"
    ledger.write_text("setl_id,psn_no,psn_type,setl_date,med_type,facility,dise_codg,medfee_sumamt,hifp_pay\n"
                      "Q1,Q,1101,2023-03-01,14,secondary,M00500,1000.00,560.00\n"
                      "Q2,Q,1101,2023-04-01,11,secondary,,1000.00,480.00\n", encoding="utf-8")
    persons = tmp_path / "persons.jsonl"
    persons.write_text(json.dumps({"psn_no": "Q", "chronic_diseases": [{"dise_codg": "M00500", "kind": "chronic"}]})
                       + "\n", encoding="utf-8")
    out = tmp_path / "out"
    audit([str(ledger)], "panzhihua", None, str(persons), out=out)
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto((out / "audit.html").as_uri())
    labels = page.eval_on_selector_all("dl.meta dt", "els => els.map(e => e.textContent)")
    assert max(len(t) for t in labels) > 80  # the case this is about: a long reason among the labels
    widths = page.eval_on_selector_all("dl.meta dd", "els => els.map(e => e.getBoundingClientRect().width)")
    assert min(widths) > 400, widths
    page.close()


NARROW = """() => {
  const width = document.documentElement.clientWidth;
  const loose = [];
  for (const t of document.querySelectorAll('table')) {
    if (t.getClientRects().length === 0) continue;             // hidden (a collapsed detail row's table)
    let box = t.parentElement, held = false;
    while (box && box !== document.body) {
      const s = getComputedStyle(box);
      if (['auto', 'scroll'].includes(s.overflowX) && box.getBoundingClientRect().right <= width + 1) { held = true; break; }
      box = box.parentElement;
    }
    if (!held && t.getBoundingClientRect().right > width + 1) loose.push(t.id || t.className || t.outerHTML.slice(0, 60));
  }
  const dds = [...document.querySelectorAll('dl.meta dd')].filter(d => d.textContent.trim().length > 12)
    .filter(d => d.getBoundingClientRect().width < 120).map(d => d.textContent.slice(0, 40));
  return {scroll: document.body.scrollWidth, width, loose, narrow: dds};
}"""


def test_at_375_px_no_table_widens_the_page(browser, failing_report):
    # probe s21 X item 4: at 375 px the page was 920 wide, the Actual column cut, and the metadata grid broke URLs one
    # character a line; a wide table now scrolls in its own box, and the grid falls to one column
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(failing_report.as_uri())
    page.wait_for_selector("html[data-ready='1']", state="attached", timeout=10_000)
    page.click("#a-panzhihua-7 button.toggle")  # an open detail row: its tables count too
    found = page.evaluate(NARROW)
    assert found["loose"] == [], found
    assert found["scroll"] <= found["width"] + 1, found
    assert found["narrow"] == [], found  # no metadata value squeezed to a sliver
    page.close()
