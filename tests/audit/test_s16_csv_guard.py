"""discrepancies.csv guards text against formulas and unwritable characters on every path: a column of few distinct
values is checked once per value and written as it is only when no value needs the guard; a column of many values
is guarded row by row. Either way the file holds what the row-by-row guard writes."""
from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import pytest
from _synth_fixtures import summary_for, write_discrepancies

import conform.audit.report as report
from conform.audit.report import write_reports


def _rows(n: int, hostile: dict[int, dict]) -> list[dict]:
    """`n` discrepancy rows, distinct setl_id and psn_no, one clause, two fields; row i takes hostile[i]'s values."""
    rows = []
    for i in range(n):
        row = {"setl_id": f"S{i:04d}", "psn_no": f"P{i:04d}", "field": ["hifp_pay", "act_pay_dedc"][i % 2],
               "recorded": "10.00", "expected": "9.00", "setl_date": dt.date(2023, 4, 1 + i % 28),
               "fixmedins_code": "H1", "clause": "攀枝花 第七条"}
        rows.append({**row, **hostile.get(i, {})})
    return rows


def _csv(tmp_path, rows) -> dict[str, dict]:
    disc = write_discrepancies(tmp_path / "d.parquet", rows)
    write_reports(tmp_path / "audit-g", disc, summary_for(disc))
    with open(tmp_path / "audit-g" / "discrepancies.csv", encoding="utf-8", newline="") as f:
        return {r["psn_no"]: r for r in csv.DictReader(f)}


@pytest.mark.parametrize("few", [2, 1000])
def test_hostile_values_deep_in_a_column_are_guarded_on_either_path(tmp_path, monkeypatch, few):
    """few=2: setl_id, psn_no and the clause (two values) go row by row; few=1000: every column is checked by value."""
    monkeypatch.setattr(report, "FEW_VALUES", few)
    hostile = {37: {"setl_id": "=1+1", "clause": "@SUM(A1)"},  # a formula start in an ID and in a column of 2 values
               38: {"fixmedins_code": "-2+3"},
               39: {"setl_id": "bell\x07in", "med_type": "\tlead"},
               40: {"psn_no": "+P40"}}
    got = _csv(tmp_path, _rows(60, hostile))
    assert got["P0037"]["setl_id"] == "'=1+1" and got["P0037"]["clause"] == "'@SUM(A1)"
    assert got["P0038"]["fixmedins_code"] == "'-2+3"
    assert got["P0039"]["setl_id"] == "bell\\x07in" and got["P0039"]["med_type"] == "'\tlead"
    assert "'+P40" in got and got["'+P40"]["setl_id"] == "S0040"
    # the other rows of the same columns as they are: nothing prefixed that did not need it
    assert got["P0036"]["setl_id"] == "S0036" and got["P0036"]["clause"] == "攀枝花 第七条"
    assert got["P0036"]["fixmedins_code"] == "H1" and got["P0036"]["med_type"] == "11"


def test_a_column_whose_few_values_are_all_safe_is_written_as_it_is(tmp_path):
    """A NULL is no value to guard; text inside a value that only starts safely is not a formula."""
    got = _csv(tmp_path, _rows(5, {1: {"clause": "A-X=1", "fixmedins_name": None}}))
    assert got["P0001"]["clause"] == "A-X=1" and got["P0001"]["fixmedins_name"] == ""


def test_the_csv_keeps_the_sorted_order_over_many_row_groups(tmp_path):
    """discrepancies.csv is written from the sorted file as read, with no second sort: the projection must not
    reorder rows. (A formula test written as left(c, 1) IN (…) did: DuckDB planned it as a join, which lost the
    order after the first row group, on a file of this size.) The rows are written in reverse order here."""
    n = 300_000
    import pyarrow as pa
    import pyarrow.parquet as pq
    from _synth_fixtures import SCHEMA

    ids = [f"={i:06d}" if i % 1000 == 7 else f"S{i:06d}" for i in range(n)][::-1]  # the guard row by row
    cols = {c: pa.nulls(n, SCHEMA.field(c).type) for c in SCHEMA.names}
    cols.update(setl_id=pa.array(ids), psn_no=pa.array(["P1"] * n), field=pa.array(["hifp_pay"] * n),
                setl_date=pa.array([dt.date(2023, 4, 1)] * n), month=pa.array(["2023-04"] * n),
                recorded=pa.array([Decimal("1.00")] * n, SCHEMA.field("recorded").type),
                expected=pa.array([Decimal("0.00")] * n, SCHEMA.field("expected").type),
                diff=pa.array([Decimal("1.00")] * n, SCHEMA.field("diff").type), route=pa.array(["plan"] * n))
    disc = tmp_path / "d.parquet"
    pq.write_table(pa.table(cols, schema=SCHEMA), disc, row_group_size=50_000)
    write_reports(tmp_path / "audit-o", disc, summary_for(disc))
    with open(tmp_path / "audit-o" / "discrepancies.csv", encoding="utf-8", newline="") as f:
        got = [r["setl_id"] for r in csv.DictReader(f)]
    # ROW_ORDER: setl_date, setl_id, field; one date and field, so by setl_id ('=' sorts before 'S')
    assert got == ["'" + s if s.startswith("=") else s for s in sorted(ids)]
