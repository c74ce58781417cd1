"""Roll-ups on a realistic discrepancy set: every breakdown adds up to the totals, computed here in Decimal."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pyarrow.parquet as pq
from _synth_fixtures import discrepancies_from_planted, summary_for
from openpyxl import load_workbook

from audit.report import rollups, write_reports
from audit.synth import synth_ledger


def test_breakdowns_add_up_to_the_totals(tmp_path):
    ledger = tmp_path / "zj.parquet"
    synth_ledger(4000, "zhejiang", ledger, defect_rate=0.3, seed=21, workers=1)
    disc = discrepancies_from_planted(ledger, tmp_path / "d.parquet")
    rows = pq.read_table(disc).to_pylist()
    # The money is what stands of a settlement and its reversal together, in the settlement's month (the
    # reversal's, when only the reversal differs).
    pairs: dict[str, list] = {}
    for r in rows:
        if r["field"] == "hifp_pay":
            net_row = pairs.setdefault(r["init_setl_id"] or r["setl_id"], [Decimal(0), r])
            net_row[0] += r["diff"]
            if r["init_setl_id"] is None:
                net_row[1] = r
    assert any(r["init_setl_id"] for r in rows if r["field"] == "hifp_pay"), "reversals make the netting meaningful"
    over = sum((n for n, _ in pairs.values() if n > 0), Decimal(0))
    under = -sum((n for n, _ in pairs.values() if n < 0), Decimal(0))
    by_month: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for r in rows:
        by_month[r["month"]][0] += 0  # a month with discrepancies on other fields only shows 0 / 0
    for n, r in pairs.values():
        by_month[r["month"]][0 if n > 0 else 1] += abs(n)
    assert over > 0 and under > 0

    con = rollups.connect(disc)
    data = rollups.collect(con)
    con.close()
    fen = lambda d: int(d * 100)  # noqa: E731
    assert (data["totals"]["overpaid"], data["totals"]["underpaid"]) == (fen(over), fen(under))
    assert data["totals"]["settlements"] == len({r["setl_id"] for r in rows})
    for key in ("by_month", "by_facility", "by_psn_type", "by_institution"):
        assert sum(g["overpaid"] for g in data[key]) == fen(over), key
        assert sum(g["underpaid"] for g in data[key]) == fen(under), key
    assert {g["month"]: (g["overpaid"], g["underpaid"]) for g in data["by_month"]} == \
        {m: (fen(a), fen(b)) for m, (a, b) in by_month.items()}
    # every settlement falls in exactly one class; the classes carry the whole over/underpayment
    assert sum(c["settlements"] for c in data["classes"]) == data["totals"]["settlements"]
    assert sum(c["overpaid"] for c in data["classes"]) == fen(over)
    assert sum(c["underpaid"] for c in data["classes"]) == fen(under)
    assert len(data["classes"]) >= 5
    for c in data["classes"]:  # each class's example is one of its own settlements
        example_fields = {r["field"] for r in rows if r["setl_id"] == c["example"]}
        assert example_fields and ", ".join(sorted(example_fields)) in c["field_sets"]

    out = tmp_path / "audit-r"
    assert write_reports(out, disc, summary_for(disc)) == 1
    wb = load_workbook(out / "audit.xlsx", read_only=True)
    detail = list(wb["差异明细"].iter_rows(min_row=2, values_only=True))
    assert len(detail) == len(rows)
    month_sheet = {r[0]: r for r in wb["按月份"].iter_rows(min_row=2, values_only=True)}
    assert set(month_sheet) == set(by_month)


def test_top_persons_and_institutions_are_only_the_overpaid(tmp_path):
    ledger = tmp_path / "zj.parquet"
    synth_ledger(1500, "zhejiang", ledger, defect_rate=0.3, seed=5, workers=1)
    disc = discrepancies_from_planted(ledger, tmp_path / "d.parquet")
    rows = pq.read_table(disc).to_pylist()
    over: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        if r["field"] == "hifp_pay" and r["diff"] > 0:
            over[r["psn_no"]] += r["diff"]
    con = rollups.connect(disc)
    data = rollups.collect(con, top=10_000)
    con.close()
    assert {p["psn_no"]: p["overpaid"] for p in data["top_persons"]} == {k: int(v * 100) for k, v in over.items()}
    assert len({r["psn_no"] for r in rows}) > len(over) > 0  # some persons had discrepancies but no overpayment
    assert data["top_institutions"] and all(i["overpaid"] > 0 for i in data["top_institutions"])
    assert len(data["by_institution"]) >= len(data["top_institutions"])
