"""Dates and times at the edges of what a settlement time may be (probeQ F1, F5, F6).

By hand (攀枝花 第七条, in service, 三级 50%, deductible 200 a natural year), as test_ledger_times.py:
  C1 2023-06-01 10:00: (2000 − 200) × 50% = 900.00; C2 2024-01-01 00:30 Beijing: a new year, 200.00 / 200.00.
A C2 written '+25:00' was dated 2023-12-31 by DuckDB's cast (no such offset exists), putting it in 2023.
"""
from __future__ import annotations

import datetime as dt

import pytest

from conform.audit.errors import AuditInputError
from test_ledger_times import BEIJING, _figures, _rows, _write


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
@pytest.mark.parametrize("c2", ["2024-01-01T00:30:00+25:00", "2024-01-01T00:30:00+99:99", "2024-01-01T00:30:00+08:60",
                                "2024-01-01T00:30:00-13:00", "2024-01-01T00:30:00+14:30", "2024-01-01 00:30+1500"])
def test_an_offset_no_zone_has_is_refused_naming_the_cell(tmp_path, suffix, c2):
    with pytest.raises(AuditInputError) as e:
        _figures(_write(tmp_path / f"ledger{suffix}", _rows("2023-06-01T10:00:00+08:00", c2)))
    msg = str(e.value)
    line = 3 if suffix == ".csv" else 2  # a CSV's header is line 1
    assert f"line {line}, column setl_time: a UTC offset outside -12:00 … +14:00" in msg and msg.endswith(f"'{c2}'"), msg


def test_an_offset_no_zone_has_in_setl_date_is_refused(tmp_path):
    rows = [{**r, "setl_date": d} for r, d in zip(_rows("2023-06-01 10:00:00", "2024-01-01 00:30:00"),
                                                   ("2023-06-01", "2024-01-01T00:30:00+99:00"))]
    for r in rows:
        del r["setl_time"]
    with pytest.raises(AuditInputError) as e:
        _figures(_write(tmp_path / "ledger.csv", rows))
    assert "line 3, column setl_date: a UTC offset outside" in str(e.value), str(e.value)


@pytest.mark.parametrize("c1, c2", [("2023-06-01T10:00:00+14:00", "2023-12-31T04:30:00-12:00"),  # the real extremes
                                    ("2023-06-01T07:45:00+05:45", "2024-01-01T00:30:00+08:00")])  # Nepal
def test_the_offsets_of_real_zones_are_still_read(tmp_path, c1, c2):
    code, figures = _figures(_write(tmp_path / "ledger.csv", _rows(c1, c2)))
    want = BEIJING[0][1] - dt.timedelta(hours=6) if "+14:00" in c1 else BEIJING[0][1]
    assert code == 0 and figures[1] == BEIJING[1] and figures[0][1] == want, figures


@pytest.mark.parametrize("c1, c2", [
    ("2023-06-01 10:00:00.0000000", "2024-01-01 00:30:00.0000000"),      # SQL Server datetime2 (CONVERT 121)
    ("2023-06-01T10:00:00.1234560", "2024-01-01T00:30:00.000000000"),    # ISO 126; nanoseconds
    ("2023-06-01 10:00:00.12345600", "2024-01-01T00:30:00.0000000+08:00"),  # datetimeoffset agrees
])
def test_seven_to_nine_fractional_digits_are_read_when_zero_beyond_the_microsecond(tmp_path, c1, c2):
    code, figures = _figures(_write(tmp_path / "ledger.csv", _rows(c1, c2)))
    micro = dt.timedelta(microseconds=123456) if ".123456" in c1 else dt.timedelta()
    assert code == 0 and figures == [(*BEIJING[0][:1], BEIJING[0][1] + micro, *BEIJING[0][2:]), BEIJING[1]], figures


@pytest.mark.parametrize("c2", ["2024-01-01 00:30:00.0000001", "2024-01-01T00:30:00.1234567+08:00"])
def test_digits_beyond_the_microsecond_that_are_not_zeros_are_refused_not_cut(tmp_path, c2):
    with pytest.raises(AuditInputError) as e:
        _figures(_write(tmp_path / "ledger.csv", _rows("2023-06-01 10:00:00", c2)))
    msg = str(e.value)
    assert "line 3, column setl_time: fractions of a second beyond the microsecond that are not zeros" in msg, msg


def test_a_sql_server_datetime2_midnight_is_read_as_a_date(tmp_path):
    rows = [{**r, "setl_date": d} for r, d in zip(_rows("x", "y"), ("2023-06-01 00:00:00.0000000", "2024-01-01"))]
    for r in rows:
        del r["setl_time"]
    code, figures = _figures(_write(tmp_path / "ledger.csv", rows))
    assert code == 0 and [f[2] for f in figures] == [dt.date(2023, 6, 1), dt.date(2024, 1, 1)], figures


@pytest.mark.parametrize("column, value, why", [
    ("setl_time", "2023-02-29 10:00:00", "day is out of range for month"),
    ("setl_time", "2023/2/30 8:30", "day is out of range for month"),
    ("setl_time", "20230431100000", "day is out of range for month"),
    ("setl_time", "2023-04-31T10:00:00+08:00", "day is out of range for month"),
    ("setl_time", "2023/13/1 8:30", "month must be in 1..12"),
    ("setl_date", "2023-02-29", "day is out of range for month"),
    ("setl_date", "20230001", "month must be in 1..12"),
])
def test_a_day_that_does_not_exist_is_said_so(tmp_path, column, value, why):
    rows = _rows("2023-06-01 10:00:00", value)
    if column == "setl_date":
        rows = [{**{k: v for k, v in r.items() if k != "setl_time"}, "setl_date": d}
                for r, d in zip(rows, ("2023-06-01", value))]
    with pytest.raises(AuditInputError) as e:
        _figures(_write(tmp_path / "ledger.csv", rows))
    msg = str(e.value)
    assert f"line 3, column {column}: a date that does not exist ({why}): '{value}'" in msg, msg


def test_a_leap_day_and_a_bad_hour_are_not_called_impossible_dates(tmp_path):
    code, _ = _figures(_write(tmp_path / "ledger.csv", _rows("2024-02-29 10:00:00", "2024-03-01 00:30:00")))
    assert code in (0, 1)
    with pytest.raises(AuditInputError) as e:
        _figures(_write(tmp_path / "ledger.csv", _rows("2023-06-01 10:00:00", "2024-01-01 24:00:00")))
    assert "column setl_time: not a time; the forms read" in str(e.value), str(e.value)
