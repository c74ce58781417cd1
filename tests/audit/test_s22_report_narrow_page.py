"""audit.html at 375 px (a phone), in Debian's chromium as tests/test_report_browser.py drives it (probe s22 F item 4):
the two charts were SVGs 686 px wide and the 按字段 table wider still, so the page scrolled sideways and cut off the
largest 多付 figure; the header's period broke inside a date ("2024-01-0 / 3"). Now the charts scale to the width (their
viewBox), every table scrolls inside its own box, and a date stays whole.

The ledger is probe F's tiny one, shortened: 攀枝花 第七条, 2023-01-05 to 2024-01-03 (the period in the header).
"""
from __future__ import annotations

import pytest

from conform.audit.run import audit

HEADER = ("setl_id,psn_no,psn_type,setl_time,med_type,facility,fixmedins_code,fixmedins_name,medfee_sumamt,"
          "fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt,inscp_scp_amt,act_pay_dedc,hifp_pay,pool_prop_selfpay,"
          "fund_pay_sumamt,psn_part_amt,acct_pay,psn_cash_pay,init_setl_id")
ROWS = [
    "D1,D,1101,2023-01-05 09:00:00,11,tertiary,H1,市中心医院,300.00,0,0,0,300.00,200.00,50.00,0.5000,50.00,250.00,0.00,250.00,",
    "A2,A,1101,2023-03-01 09:00:00,11,tertiary,H1,市中心医院,300.00,0,0,0,300.00,200.00,50.00,0.5000,50.00,250.00,0.00,250.00,",
    "A3,A,1101,2023-04-01 09:00:00,11,secondary,H2,区医院,1700.00,0,0,0,1700.00,200.00,1020.00,0.6000,1020.00,680.00,0.00,680.00,",
    "B2,B,1201,2023-03-10 09:00:00,41,pharmacy,P1,药店,100.01,0,0,0,100.01,0.00,55.00,0.5500,55.00,45.01,0.00,45.01,",
    "D2,D,1101,2023-12-20 09:00:00,11,secondary,H2,区医院,100.00,0,0,0,100.00,0.00,60.00,0.6000,60.00,40.00,0.00,40.00,",
    "D3,D,1101,2024-01-03 09:00:00,11,tertiary,H1,市中心医院,300.00,0,0,0,300.00,0.00,150.00,0.5000,150.00,150.00,0.00,150.00,",
]

# What sticks out past the right edge: a table not inside a box that scrolls, an svg; the page's own width; and each
# date of the header's period, by how many lines it takes.
NARROW = """() => {
  const width = document.documentElement.clientWidth;
  const loose = [];
  for (const t of document.querySelectorAll('table, svg')) {
    let box = t.parentElement, held = false;
    while (box && box !== document.body) {
      const s = getComputedStyle(box);
      if (['auto', 'scroll'].includes(s.overflowX) && box.getBoundingClientRect().right <= width + 1) { held = true; break; }
      box = box.parentElement;
    }
    if (!held && t.getBoundingClientRect().right > width + 1) loose.push(t.tagName + ' ' + (t.closest('section') || {}).id);
  }
  const dates = [];
  for (const dd of document.querySelectorAll('dl.meta dd')) {
    const node = dd.firstChild;
    if (!node || node.nodeType !== 3 || !/^\\d{4}-\\d\\d-\\d\\d 至 /.test(node.data)) continue;
    for (const m of node.data.matchAll(/\\d{4}-\\d\\d-\\d\\d/g)) {
      const r = document.createRange();
      r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
      dates.push([m[0], r.getClientRects().length]);
    }
  }
  const svgs = [...document.querySelectorAll('svg')].map(s => [s.getBoundingClientRect().width, s.getBoundingClientRect().height]);
  return {scroll: document.documentElement.scrollWidth, width, loose, dates, svgs};
}"""




@pytest.fixture(scope="module")
def page_path(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("narrow")
    ledger = tmp / "l.csv"
    ledger.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", out=tmp / "out")
    assert code == 1 and s["overpaid_fen"] > 0
    return tmp / "out" / "audit.html"


def test_at_375_px_nothing_widens_the_page_and_the_period_keeps_its_dates_whole(browser, page_path):
    page = browser.new_page(viewport={"width": 375, "height": 800})
    page.goto(page_path.as_uri())
    found = page.evaluate(NARROW)
    page.close()
    assert len(found["svgs"]) == 2, found  # both charts drawn
    assert found["loose"] == [], found
    assert found["scroll"] <= found["width"] + 1, found
    assert [d for d, _ in found["dates"]] == ["2023-01-05", "2024-01-03"], found
    assert all(lines == 1 for _, lines in found["dates"]), found
    for w, h in found["svgs"]:  # scaled down whole, in proportion, not cut or squashed
        assert w <= found["width"] and h < 686 * 0.6, found
    # on a wide screen the charts keep their own size: scaled down to fit, never up
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(page_path.as_uri())
    widths = page.eval_on_selector_all("svg", "els => els.map(e => [e.getBoundingClientRect().width, +e.getAttribute('width')])")
    page.close()
    assert len(widths) == 2 and all(abs(w - own) < 1 for w, own in widths), widths
