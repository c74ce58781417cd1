"""Ledger rows that read as plausible figures but contradict themselves (reviewer B, items 1, 6 and 8, and
item 5 for a renamed time column): a setl_date that is not setl_time's date in Beijing time, a hosp_lv code
that [codes.hosp_lv] does not map, a reversal whose total is not its settlement's negated.

Figures by hand from 攀枝花 第七条 (in-service; deductible 200.00 a natural year; 三级 50%), as in
test_ledger_reading.py: S0 2023-02-01, 100.50 in scope, all of it toward the deductible, fund 0.00; S1 500.00
− 50.00 − 20.00 = 430.00 in scope.
"""
from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from conform.audit.errors import AuditInputError
from test_ledger_reading import HEADER, S0, S1, _csv, _expected

UTC = dt.timezone.utc


# --------------------------------------------------------------------------- 1. setl_date against setl_time


def _zoned(tmp_path, setl_date: dt.date | None):
    """S0, then S1 at 2023-12-31 16:30 UTC: 2024-01-01 00:30 in Beijing, a settlement of 2024."""
    cols = {"setl_id": ["S0", "S1"], "psn_no": ["P1", "P1"], "psn_type": ["1101", "1101"],
            "setl_time": pa.array([dt.datetime(2023, 2, 1, 1, 0, tzinfo=UTC), dt.datetime(2023, 12, 31, 16, 30, tzinfo=UTC)],
                                  pa.timestamp("us", tz="UTC")),
            "med_type": ["11", "11"], "facility": ["primary", "tertiary"], "medfee_sumamt": ["100.50", "500.00"],
            "fulamt_ownpay_amt": ["0", "50"], "overlmt_selfpay": ["0", "0"], "preselfpay_amt": ["0", "20.00"],
            "hifp_pay": ["0.00", "115.00"]}
    if setl_date is not None:  # the date in UTC, as a writer that took the instant's UTC date gives it
        cols["setl_date"] = pa.array([dt.date(2023, 2, 1), setl_date], pa.date32())
    path = tmp_path / "zoned.parquet"
    pq.write_table(pa.table(cols), path)
    return path


def test_a_setl_date_that_contradicts_setl_time_is_refused_naming_both(tmp_path):
    """The reviewer's A3: dated 2023-12-31 (UTC) beside 2024-01-01 00:30 Beijing time, the visit fell in 2023 and
    S0's deductible was counted against it: 'underpaid' where the ledger is right. Which of the two is right
    the export cannot say: refused, at the row, with both values."""
    with pytest.raises(AuditInputError, match=r"zoned\.parquet, row 2, column setl_date: not the date of setl_time in "
                                              r"Beijing time .*: 'setl_date 2023-12-31, setl_time 2024-01-01 00:30:00 "
                                              r"in Beijing time'"):
        _expected([_zoned(tmp_path, dt.date(2023, 12, 31))])


@pytest.mark.parametrize("setl_date", [None, dt.date(2024, 1, 1)])
def test_a_zoned_time_alone_or_with_its_beijing_date_dates_the_visit(tmp_path, setl_date):
    # 2024: the deductible starts again (A-YEAR-BY-SETTLEMENT-DATE): (430.00 − 200.00) × 50% = 115.00
    code, s, rows = _expected([_zoned(tmp_path, setl_date)])
    assert (code, [r[:3] for r in rows]) == (0, [("S0", 0, 10050), ("S1", 11500, 20000)])


def test_text_times_with_an_offset_are_held_to_the_date_too(tmp_path):
    header = HEADER.replace("setl_time,", "setl_time,setl_date,")
    s1 = S1.replace("2023-03-01 10:00:00,", "2023-12-31T16:30:00Z,2023-12-31,")
    s0 = S0.replace("2023-02-01 09:00:00,", "2023-02-01 09:00:00,2023-02-01,")
    with pytest.raises(AuditInputError, match=r"ledger\.csv, line 3, column setl_date: not the date of setl_time"):
        _expected([_csv(tmp_path, [header, s0, s1])])
    code, _, rows = _expected([_csv(tmp_path, [header, s0, s1.replace(",2023-12-31,", ",2024-01-01,")])])
    assert (code, rows[1][:2]) == (0, ("S1", 11500))


# --------------------------------------------------------------------------- 6. hosp_lv codes


def test_an_unknown_hosp_lv_code_names_hosp_lv_and_the_codes_its_section_maps(tmp_path):
    """Excel dropped the zeros of 01/02/…: the code '3' was reported under column facility (the file has none)
    with advice to add [codes.facility], which changes nothing ([codes.hosp_lv] decides)."""
    m = tmp_path / "map.toml"
    m.write_text('[codes.hosp_lv]\n"01" = "tertiary"\n"03" = "primary"\n"10" = "pharmacy"\n', encoding="utf-8")
    header = HEADER.replace(",facility,", ",hosp_lv,")
    path = _csv(tmp_path, [header, S0.replace(",primary,", ",03,"), S1.replace(",tertiary,", ",1,")])
    with pytest.raises(AuditInputError, match=r"ledger\.csv, line 3, column hosp_lv: unknown hosp_lv code: "
                                              r"\[codes\.hosp_lv\] in --map maps 01 \(tertiary\), 03 \(primary\), "
                                              r"10 \(pharmacy\); .*leading zero was lost .*: '1'"):
        _expected([path], mapping=(str(m),))


# --------------------------------------------------------------------------- 8. a reversal's sign


def test_a_reversal_with_its_settlements_amounts_not_negated_is_refused_at_its_line(tmp_path):
    """Every 2208 row positive (the other sign convention): read as is, R1 was a second 165.25 'overpaid'."""
    path = _csv(tmp_path, [HEADER, S0, S1, "R1,P1,1101,2023-03-02 10:00:00,,,,500.00,,,,165.25,S1"])
    with pytest.raises(AuditInputError, match=r"ledger\.csv, line 4, column medfee_sumamt: reverses 'S1', but its "
                                              r"medfee_sumamt is not that settlement's negated \(500\.00 there, so "
                                              r"-500\.00 here, not 500\.00\)"):
        _expected([path])
    # a reversal leaving its total blank takes its settlement's (the plan reads S1's inputs)
    code, s, _ = _expected([_csv(tmp_path, [HEADER, S0, S1, "R1,P1,1101,2023-03-02 10:00:00,,,,,,,,-165.25,S1"])])
    assert s["reversals"] == 1


# --------------------------------------------------------------------------- 5. a renamed time column in xlsx


def test_a_renamed_xlsx_time_left_as_a_day_number_is_told_as_a_date(tmp_path):
    """结算时间 renamed to setl_time by --map: 45195.36996528 lies within 4 s of a multiple of 0.01 day, and was
    refused as an amount a hair off two decimals."""
    m = tmp_path / "map.toml"
    m.write_text('[columns]\n"结算时间" = "setl_time"\n', encoding="utf-8")
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.replace("setl_time", "结算时间").split(","))
    ws.append(S0.split(","))
    ws.append(S1.split(","))
    ws.cell(3, 4, 45195.36996528)
    path = tmp_path / "serial.xlsx"
    wb.save(path)
    with pytest.raises(AuditInputError, match=r"serial\.xlsx, row 3, column 结算时间 \(setl_time\): not a date: an Excel date number"):
        _expected([path], mapping=(str(m),))
