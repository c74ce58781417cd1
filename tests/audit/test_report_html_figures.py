"""audit.html's by-field table and charts say what the headline says: money netted with reversals, no sum of
ratios, the latest months kept, a plain line where there is no fund money to draw."""
from __future__ import annotations

import datetime as dt
import re

from _synth_fixtures import summary_for, write_discrepancies

from conform.audit.report import html as html_report
from conform.audit.report import rollups, write_reports


def _row(setl_id: str, field: str, recorded: str, expected: str, reverses: str | None = None, **kw) -> dict:
    return {"setl_id": setl_id, "field": field, "recorded": recorded, "expected": expected,
            **({"init_setl_id": reverses} if reverses else {}), **kw}


def _page(tmp_path, rows: list[dict]) -> str:
    disc = write_discrepancies(tmp_path / "d.parquet", rows)
    out = tmp_path / "out"
    assert write_reports(out, disc, summary_for(disc)) == 1
    return (out / "audit.html").read_text(encoding="utf-8")


def _by_field_rows(page: str) -> dict[str, list[str]]:
    """{field: [差异数, 偏高笔, 偏低笔, 偏高合计, 偏低合计]} as the page's 按字段 table shows them."""
    table = page[page.index("按字段"):]
    table = table[:table.index("</table>")]
    got = {}
    for tr in re.findall(r"<tr><td>(.*?)</tr>", table, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", "<td>" + tr, re.S)
        got[cells[0].split()[-1]] = cells[1:]
    return got


def _section(page: str, name: str) -> str:
    start = page.index(f'<section id="{name}">')
    return page[start:page.index("</section>", start)]


def test_by_field_money_is_netted_with_the_reversal_as_the_headline_is(tmp_path):
    """S1's hifp_pay is 50.00 too high (200.00 for 150.00) and its reversal R1 gave back as recorded (−200.00
    for −150.00, diff −50.00): the pair nets to 0, no fund money. S2 alone is 30.00 too high. By hand: 多付
    30.00, 少付 0.00 — and the by-field hifp_pay row the same: 1 settlement higher by 30.00, none lower, while
    its 差异数 still counts the three rows that differ. act_pay_dedc the same way: S3 +100.00, R3 −100.00
    (nets to 0), S4 −200.00."""
    rows = [_row("S1", "hifp_pay", "200.00", "150.00"),
            _row("R1", "hifp_pay", "-200.00", "-150.00", "S1"),
            _row("S2", "hifp_pay", "180.00", "150.00", psn_no="P2"),
            _row("S3", "act_pay_dedc", "300.00", "200.00", psn_no="P3"),
            _row("R3", "act_pay_dedc", "-300.00", "-200.00", "S3", psn_no="P3"),
            _row("S4", "act_pay_dedc", "0.00", "200.00", psn_no="P4")]
    disc = write_discrepancies(tmp_path / "d.parquet", rows)
    con = rollups.connect(disc)
    data = rollups.collect(con)
    con.close()
    assert (data["totals"]["overpaid"], data["totals"]["underpaid"]) == (3000, 0)
    by = {f["field"]: (f["n"], f["n_higher"], f["n_lower"], f["higher"], f["lower"]) for f in data["by_field"]}
    assert by == {"hifp_pay": (3, 1, 0, "30.00", "0.00"), "act_pay_dedc": (3, 0, 1, "0.00", "200.00")}

    page = _page(tmp_path, rows)
    assert "¥30.00" in page.split("按字段")[0]  # the headline 多付
    assert _by_field_rows(page)["hifp_pay"] == ["3", "1", "0", "30.00", "0.00"]
    assert _by_field_rows(page)["act_pay_dedc"] == ["3", "0", "1", "0.00", "200.00"]
    assert "50.00" not in _section(page, "verdict")


def test_the_only_reversed_pair_nets_to_nothing_in_the_table_as_in_the_headline(tmp_path):
    page = _page(tmp_path, [_row("S1", "hifp_pay", "200.00", "150.00"),
                            _row("R1", "hifp_pay", "-200.00", "-150.00", "S1")])
    verdict = _section(page, "verdict")
    assert "多付 <span class=\"en\">overpaid</span><b class=\"over\">¥0.00</b>" in verdict
    assert _by_field_rows(page)["hifp_pay"] == ["2", "0", "0", "0.00", "0.00"]


def test_ratio_differences_are_counted_never_summed(tmp_path):
    """Twelve settlements each recorded 0.1000 above the rule's ratio: 12 higher, and no "1.2000" anywhere."""
    rows = [_row(f"S{i:02d}", "pool_prop_selfpay", "0.6000", "0.5000", psn_no=f"P{i}") for i in range(12)]
    rows += [_row("S99", "pool_prop_selfpay", "0.4000", "0.5000", psn_no="P99")]
    disc = write_discrepancies(tmp_path / "d.parquet", rows)
    con = rollups.connect(disc)
    data = rollups.collect(con)
    con.close()
    assert [(f["field"], f["n"], f["n_higher"], f["n_lower"], f["higher"], f["lower"]) for f in data["by_field"]] == [
        ("pool_prop_selfpay", 13, 12, 1, None, None)]
    page = _page(tmp_path, rows)
    assert _by_field_rows(page)["pool_prop_selfpay"] == ["13", "12", "1", "—", "—"]
    assert "1.2000" not in page and "0.1000" not in _section(page, "verdict")


def test_a_ratio_differing_on_a_settlement_and_its_reversal_is_one_settlement(tmp_path):
    # the ratio is not negated on a reversal: S1 and R1 both say 0.5000 for 0.6000, one settlement lower
    rows = [_row("S1", "pool_prop_selfpay", "0.5000", "0.6000"), _row("R1", "pool_prop_selfpay", "0.5000", "0.6000", "S1")]
    assert _by_field_rows(_page(tmp_path, rows))["pool_prop_selfpay"] == ["2", "0", "1", "—", "—"]


def _months(n: int) -> list[str]:
    return [f"{2019 + i // 12}-{i % 12 + 1:02d}" for i in range(n)]


def test_the_month_chart_keeps_the_latest_months_and_says_what_it_left_out(tmp_path):
    """45 months, each with a settlement overpaid 1.00 × its number: the chart draws the last 40 (2019-06 …
    2022-09) in time order and says the 5 earlier ones are in audit.xlsx 按月份."""
    months = _months(45)
    rows = [_row(f"S{i:02d}", "hifp_pay", f"{100 + i + 1}.00", "100.00", psn_no=f"P{i}",
                 setl_date=dt.date.fromisoformat(m + "-15")) for i, m in enumerate(months)]
    page = _page(tmp_path, rows)
    chart = _section(page, "months")
    drawn = re.findall(r'text-anchor="end">([0-9-]+)</text>', chart)
    assert drawn == months[5:]  # the most recent 40, oldest first
    assert "2019-01" not in chart and "¥45.00" in chart
    assert "只显示最近 40 个月；较早的 5 个月见 audit.xlsx“按月份”。" in chart
    assert "仅显示前若干项" not in page


def test_a_chart_that_cut_nothing_has_no_note():
    rows = [{"month": m, "overpaid": 100, "underpaid": 0} for m in _months(40)]
    chart = html_report.bar_chart(rows, "month", recent=True, kind="月", unit="个")
    assert (len(chart["bars"]), chart["note"], chart["none"], chart["left_out"]) == (40, None, None, 0)
    cut = html_report.bar_chart(rows + [{"month": "2022-05", "overpaid": 0, "underpaid": 7}], "month",
                                recent=True, kind="月", unit="个", rest="见 audit.xlsx“按月份”")
    assert [b["label"] for b in cut["bars"]] == [r["month"] for r in rows[1:]] + ["2022-05"]
    assert cut["note"] == "只显示最近 40 个月；较早的 1 个月见 audit.xlsx“按月份”。"


def test_a_ranked_chart_keeps_the_largest_and_says_how_many_it_left_out():
    rows = [{"label": f"L{i:02d}", "overpaid": i * 100, "underpaid": 0} for i in range(43)]
    chart = html_report.bar_chart(rows, "label", kind="机构等级", unit="个")
    assert [b["label"] for b in chart["bars"]] == [f"L{i:02d}" for i in range(42, 2, -1)]
    assert chart["note"] == "只显示多付、少付最多的 40 个机构等级；其余 3 个机构等级未显示。"


def test_charts_without_fund_money_say_so_in_a_line(tmp_path):
    """Only psn_cash_pay and the ratio differ: no month or facility level has fund money over- or underpaid.
    No chart of ¥0.00 bars: a plain line instead."""
    rows = [_row("S1", "psn_cash_pay", "10.00", "0.00", setl_date=dt.date(2023, 4, 1)),
            _row("S2", "pool_prop_selfpay", "0.6000", "0.5000", psn_no="P2", setl_date=dt.date(2023, 5, 1),
                 facility="pharmacy", med_type="41")]
    page = _page(tmp_path, rows)
    assert "<svg" not in page and "¥0.00</text>" not in page
    assert "各月均无统筹基金多付或少付。" in _section(page, "months")
    assert "各机构等级均无统筹基金多付或少付。" in _section(page, "facilities")


def test_a_chart_with_some_money_still_draws_the_months_without(tmp_path):
    rows = [_row("S1", "psn_cash_pay", "10.00", "0.00", setl_date=dt.date(2023, 4, 1)),
            _row("S2", "hifp_pay", "160.00", "150.00", psn_no="P2", setl_date=dt.date(2023, 5, 1))]
    chart = _section(_page(tmp_path, rows), "months")
    assert chart.count("<svg") == 1 and "2023-04" in chart and "¥10.00" in chart and "均无" not in chart
