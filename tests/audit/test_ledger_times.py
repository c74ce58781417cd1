"""Text settlement times with a UTC offset, as JSON and Java writers emit them ('2023-12-31T16:30:00Z',
'2024-01-01T00:30:00+08:00'): the instant, dated in Beijing (its date and natural year), as a Parquet
TIMESTAMP WITH TIME ZONE is (test_timezone.py). A time without an offset stays Beijing wall-clock time.

By hand (攀枝花 第七条, in service, 三级 50%, deductible 200 a natural year), as in test_timezone.py:
  C1 2023-06-01: (2000 − 200) × 50% = 900.00, deductible 200.00.
  C2 at 2024-01-01 00:30 Beijing (2023-12-31 16:30 UTC): a new year, so (600 − 200) × 50% = 200.00 and
     deductible 200.00, as recorded. Dated 2023-12-31 it would owe no deductible, and (600 − 0) × 50% = 300.00
     would reach the in-service cap of 1000 a year (第七条): 1000 − 900 = 100.00, a false 100.00 overpaid.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from conform.audit.errors import AuditInputError
from conform.audit.ledger import DATE_FORMATS, TIME_FORMATS, _date
from _kept import kept_audit
from test_timezone import _ledger

HEADER = "setl_id,psn_no,psn_type,med_type,facility,setl_time,medfee_sumamt,act_pay_dedc,hifp_pay"
FIGURES = ("SELECT l.setl_id, l.setl_time, l.setl_date, e.act_pay_dedc, e.hifp_pay "
           "FROM ledger l JOIN expected_rows e ON e.rid = l.rid ORDER BY l.setl_id")
BEIJING = [("C1", dt.datetime(2023, 6, 1, 10, 0), dt.date(2023, 6, 1), 20000, 90000),
           ("C2", dt.datetime(2024, 1, 1, 0, 30), dt.date(2024, 1, 1), 20000, 20000)]


def _rows(c1: str, c2: str) -> list[dict]:
    return [dict(setl_id="C1", psn_no="C", psn_type="1101", med_type="11", facility="tertiary", setl_time=c1,
                 medfee_sumamt="2000.00", act_pay_dedc="200.00", hifp_pay="900.00"),
            dict(setl_id="C2", psn_no="C", psn_type="1101", med_type="11", facility="tertiary", setl_time=c2,
                 medfee_sumamt="600.00", act_pay_dedc="200.00", hifp_pay="200.00")]


def _write(path: Path, rows: list[dict]) -> Path:
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    else:
        path.write_text("\n".join([",".join(rows[0]), *(",".join(r.values()) for r in rows)]) + "\n", encoding="utf-8")
    return path


def _figures(path: Path) -> tuple[int, list[tuple]]:
    with kept_audit([str(path)], "panzhihua", "panzhihua-example", write=False) as (code, s, con):
        return code, con.execute(FIGURES).fetchall()


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
@pytest.mark.parametrize("c1, c2", [
    ("2023-06-01T10:00:00+08:00", "2024-01-01T00:30:00+08:00"),          # Java's OffsetDateTime
    ("2023-06-01T10:00:00.000+08:00", "2024-01-01T00:30:00.000+08:00"),  # Jackson, milliseconds
    ("2023-06-01T02:00:00Z", "2023-12-31T16:30:00Z"),                    # JSON's toISOString, UTC
    ("2023-06-01T02:00:00.123456Z", "2023-12-31T16:30:00.000Z"),
    ("2023-06-01T02:00:00+00:00", "2023-12-31T16:30:00+00:00"),          # Python's isoformat, UTC
    ("2023-05-31T21:00:00-05:00", "2023-12-31T11:30:00-05:00"),          # another zone's writer
    ("2023-06-01 10:00:00+0800", "2024-01-01 00:30+08"),                 # PostgreSQL's text
])
def test_a_text_time_with_an_offset_is_dated_in_beijing(tmp_path, suffix, c1, c2):
    code, figures = _figures(_write(tmp_path / f"ledger{suffix}", _rows(c1, c2)))
    millis = dt.timedelta(microseconds=123456) if ".123456Z" in c1 else dt.timedelta()
    assert code == 0 and figures == [(*BEIJING[0][:1], BEIJING[0][1] + millis, *BEIJING[0][2:]), BEIJING[1]]


def test_it_reads_as_the_parquet_timestamp_with_time_zone_does(tmp_path):
    _ledger(tmp_path / "ledger.parquet")
    parquet = _figures(tmp_path / "ledger.parquet")
    assert parquet == (0, BEIJING)
    assert _figures(_write(tmp_path / "ledger.csv", _rows("2023-06-01T02:00:00Z", "2023-12-31T16:30:00Z"))) == parquet


def test_a_text_time_without_an_offset_stays_beijing_wall_clock_time(tmp_path):
    """'2023-12-31 16:30:00' is 16:30 in Beijing, not UTC: still 2023, so C2 owes no deductible (C1 used it) and
    the fund pays what is left of the year's cap, 1000 − 900 = 100.00: the recorded 200.00 and 200.00 differ."""
    code, figures = _figures(_write(tmp_path / "ledger.csv", _rows("2023-06-01 10:00:00", "2023-12-31 16:30:00")))
    assert code == 1
    assert figures == [BEIJING[0], ("C2", dt.datetime(2023, 12, 31, 16, 30), dt.date(2023, 12, 31), 0, 10000)]


def test_a_date_column_with_an_offset_takes_the_beijing_date(tmp_path):
    """A date at Beijing midnight written by a UTC writer: '2023-12-31T16:00:00Z' is 2024-01-01 in Beijing."""
    rows = [{**{k: v for k, v in r.items() if k != "setl_time"}, "setl_date": d}
            for r, d in zip(_rows("", ""), ("2023-05-31T16:00:00Z", "2023-12-31T16:00:00.000Z"))]
    code, figures = _figures(_write(tmp_path / "ledger.csv", rows))
    assert code == 0 and figures == [("C1", None, dt.date(2023, 6, 1), 20000, 90000),
                                     ("C2", None, dt.date(2024, 1, 1), 20000, 20000)]


@pytest.mark.parametrize("c2", ["2023-12-31T25:30:00Z", "2023-12-31T16:30:00+8", "2023-12-31T16:30:00 +08:00",
                                "2023-12-31T16:30:00+08:00 Asia/Shanghai", "2023-12-31T16:30:00z"])
def test_an_offset_time_that_is_no_time_is_refused_at_its_line(tmp_path, c2):
    path = _write(tmp_path / "ledger.csv", _rows("2023-06-01T10:00:00+08:00", c2))
    with pytest.raises(AuditInputError, match=r"ledger\.csv, line 3, column setl_time: not a time"):
        _figures(path)


def test_a_month_reversing_a_settlement_of_the_month_before_says_to_audit_both(tmp_path):
    """December's export reverses C1 of November: alone it is refused at the reversal, saying where the settlement
    may be; with November's file the pair is audited. C1 given back, C2 on 2023-12-03 owes the deductible again:
    (600 − 200) × 50% = 200.00, as recorded."""
    head = "setl_id,psn_no,psn_type,med_type,facility,setl_time,medfee_sumamt,act_pay_dedc,hifp_pay,init_setl_id\n"
    nov = tmp_path / "2023-11.csv"
    nov.write_text(head + "C1,C,1101,11,tertiary,2023-11-20 10:00:00,2000.00,200.00,900.00,\n", encoding="utf-8")
    dec = tmp_path / "2023-12.csv"
    dec.write_text(head + "C2,C,1101,11,tertiary,2023-12-03 09:00:00,600.00,200.00,200.00,\n"
                          "R1,C,1101,,,2023-12-02 10:00:00,-2000.00,-200.00,-900.00,C1\n", encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        _figures(dec)
    assert str(e.value).endswith(
        "2023-12.csv, line 3, column init_setl_id: reversal of unknown setl_id 'C1': its settlement may be in an "
        "earlier export; audit that month's file together with this one"), str(e.value)
    with kept_audit([str(nov), str(dec)], "panzhihua", "panzhihua-example", write=False) as (code, s, con):
        assert (code, s["rows_read"]) == (0, 3)


@pytest.mark.parametrize("fmt", TIME_FORMATS + DATE_FORMATS)
def test_every_accepted_format_is_read_whatever_its_date_separator(fmt):
    """Each cell tries only the formats of its own date separator ('/', '-', none): every format must still
    be found by the cells it describes."""
    when = dt.datetime(2023, 3, 1, 10, 5, 7, 120000) if fmt in TIME_FORMATS else dt.datetime(2023, 3, 1)
    text = when.strftime(fmt)
    expr, bad = _date("c", "VARCHAR", fmt in TIME_FORMATS)
    con = duckdb.connect()
    try:
        got, refused = con.execute(f"SELECT {expr}, {bad} FROM (SELECT ? AS c)", [text]).fetchall()[0]
    finally:
        con.close()
    assert not refused, text
    want = when.replace(second=0, microsecond=0) if "%S" not in fmt else when if "%f" in fmt else when.replace(microsecond=0)
    assert got == (want if fmt in TIME_FORMATS else want.date()), (fmt, text, got)
