"""Amounts and ratios as exports write them: a zero tail beyond the fen (a DECIMAL(18,4) column written as text
by Navicat or DataX: '27.2400') and no digit before the point (Oracle's TO_CHAR: '.40') are exact and read as
the Parquet DECIMAL(18,4) of the same figures is; only a non-zero digit beyond the fen (or the fifth decimal of
a ratio) is refused. A payment ratio above 1 is none (most likely a percentage, 60.00 for 60%): refused at its
row in every format, not read as a ratio discrepancy on every row.

Figures by hand from 攀枝花 第七条 (in service, deductible 200 a natural year; 一级 60%, 三级 50%):
  S0 2023-02-01 一级: 100.50 in scope, all of it deductible, fund 0.00.
  S1 2023-03-01 三级: 500.00 − 50.00 − 0 − 20.00 = 430.00 in scope; deductible 200 − 100.50 = 99.50;
                       (430 − 99.50) × 50% = 165.25.
  R1 2023-03-02 reverses S1: every amount negated, the ratio unchanged (0.5000).
  S2 2023-04-01 三级: 0.40 in scope, all deductible again (S1's was given back), fund 0.00.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from conform.audit.errors import AuditInputError
from conform.harness.cli import main
from _kept import kept_audit

COLS = ("setl_id", "psn_no", "psn_type", "setl_time", "med_type", "facility", "medfee_sumamt", "fulamt_ownpay_amt",
        "overlmt_selfpay", "preselfpay_amt", "act_pay_dedc", "hifp_pay", "pool_prop_selfpay", "init_setl_id")
AMOUNTS = COLS[6:12]
# The figures as the platform records them (two decimals, the ratio four) …
ROWS = [
    ("S0", "P1", "1101", "2023-02-01 09:00:00", "11", "primary", "100.50", "0.00", "0.00", "0.00", "100.50", "0.00", "0.6000", ""),
    ("S1", "P1", "1101", "2023-03-01 10:00:00", "11", "tertiary", "500.00", "50.00", "0.00", "20.00", "99.50", "165.25", "0.5000", ""),
    ("R1", "P1", "1101", "2023-03-02 10:00:00", "11", "tertiary", "-500.00", "-50.00", "0.00", "-20.00", "-99.50", "-165.25", "0.5000", "S1"),
    ("S2", "P1", "1101", "2023-04-01 10:00:00", "11", "tertiary", "0.40", "0.00", "0.00", "0.00", "0.40", "0.00", "0.5000", ""),
]
# … and as a DECIMAL(18,4) text export and Oracle's TO_CHAR write the same figures.
TEXT_ROWS = [
    ("S0", "P1", "1101", "2023-02-01 09:00:00", "11", "primary", "100.5000", "0", ".0000", "0.000000", "100.5", ".00", ".6", ""),
    ("S1", "P1", "1101", "2023-03-01 10:00:00", "11", "tertiary", "500.0000", "50.", "0", "20.0000", "99.5000", "165.2500", "0.500000", ""),
    ("R1", "P1", "1101", "2023-03-02 10:00:00", "11", "tertiary", "-500.0000", "-50.00", "-0", "-20.0000", "-99.50", "-165.250", ".5000", "S1"),
    ("S2", "P1", "1101", "2023-04-01 10:00:00", "11", "tertiary", ".40", ".0", "0", "0", ".4", "0.0000", ".50000000", ""),
]
FIGURES = ("SELECT l.setl_id, l.medfee_sumamt, l.fulamt_ownpay_amt, l.overlmt_selfpay, l.preselfpay_amt, l.act_pay_dedc, "
           "l.hifp_pay, l.pool_prop_selfpay, e.act_pay_dedc, e.hifp_pay, e.pool_prop_selfpay "
           "FROM ledger l JOIN expected_rows e ON e.rid = l.rid ORDER BY l.setl_id")


def _csv(path: Path, rows) -> Path:
    path.write_text("\n".join([",".join(COLS), *(",".join(r) for r in rows)]) + "\n", encoding="utf-8")
    return path


def _parquet(path: Path, rows, amount=pa.decimal128(18, 4), ratio=pa.decimal128(18, 4)) -> Path:
    table = {}
    for i, c in enumerate(COLS):
        values = [r[i] or None for r in rows]
        if c in AMOUNTS:
            table[c] = pa.array([Decimal(v) for v in values], amount)
        elif c == "pool_prop_selfpay":
            table[c] = pa.array([Decimal(v) if ratio != pa.int64() else int(Decimal(v)) for v in values], ratio)
        else:
            table[c] = pa.array(values, pa.string())
    pq.write_table(pa.table(table), path)
    return path


def _figures(path: Path) -> tuple[int, list[tuple]]:
    with kept_audit([str(path)], "panzhihua", "panzhihua-example", write=False) as (code, s, con):
        return code, con.execute(FIGURES).fetchall()


def test_a_zero_tail_and_a_missing_leading_zero_read_as_the_parquet_decimal_does(tmp_path):
    code, figures = _figures(_parquet(tmp_path / "ledger.parquet", ROWS))
    assert code == 0
    # (fen; the ratio in ten-thousandths) recorded, then expected: as worked by hand above
    assert figures == [
        ("R1", -50000, -5000, 0, -2000, -9950, -16525, 5000, -9950, -16525, 5000),
        ("S0", 10050, 0, 0, 0, 10050, 0, 6000, 10050, 0, 6000),
        ("S1", 50000, 5000, 0, 2000, 9950, 16525, 5000, 9950, 16525, 5000),
        ("S2", 40, 0, 0, 0, 40, 0, 5000, 40, 0, 5000)]
    assert _figures(_csv(tmp_path / "ledger.csv", TEXT_ROWS)) == (0, figures)
    assert _figures(_csv(tmp_path / "plain.csv", ROWS)) == (0, figures)


def _with(row: int, column: str, value: str) -> list[tuple]:
    rows = [list(r) for r in ROWS]
    rows[row][COLS.index(column)] = value
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("row, column, value, message", [
    # a non-zero digit beyond the fen (or the fourth decimal of a ratio) is no exact figure
    (1, "medfee_sumamt", "500.0010", "not an amount in yuan with at most two decimals: '500.0010'"),
    (3, "medfee_sumamt", ".405", "not an amount in yuan with at most two decimals: '.405'"),
    (2, "hifp_pay", "-.0050", "not an amount in yuan with at most two decimals: '-.0050'"),
    (3, "medfee_sumamt", ".", "not an amount in yuan with at most two decimals: '.'"),
    (2, "hifp_pay", "-.", "not an amount in yuan with at most two decimals: '-.'"),
    (1, "pool_prop_selfpay", "0.500010", "not a ratio with at most four decimals: '0.500010'"),
    (1, "pool_prop_selfpay", ".50001", "not a ratio with at most four decimals: '.50001'"),
    # a percentage, with or without its sign, is refused saying what to write
    (1, "pool_prop_selfpay", "50%", "a percentage, not a ratio: write the ratio as a decimal, 0.6000 for 60%: '50%'"),
    (1, "pool_prop_selfpay", "50.00", "above 1, which no payment ratio is: a percentage? write the ratio as a decimal, "
                                      "0.6000 for 60%: '50.00'"),
    (2, "pool_prop_selfpay", "1.0001", "above 1, which no payment ratio is: a percentage?"),
])
def test_what_is_no_exact_figure_is_refused_at_its_line_and_column(tmp_path, row, column, value, message):
    path = _csv(tmp_path / "ledger.csv", _with(row, column, value))
    with pytest.raises(AuditInputError) as e:
        _figures(path)
    assert f"ledger.csv, line {row + 2}, column {column}: {message}" in str(e.value), str(e.value)


@pytest.mark.parametrize("ratio, value, shown", [(pa.decimal128(18, 4), "60.0000", "60.0000"),
                                                 (pa.decimal128(5, 2), "60.00", "60.00"),
                                                 (pa.int64(), "60", "60")])
def test_a_percentage_in_a_parquet_ratio_is_refused_at_its_row(tmp_path, ratio, value, shown):
    rows = [r[:12] + (value if r[0] == "S1" else "0.50",) + r[13:] for r in ROWS]
    rows = [r[:12] + ("1" if ratio == pa.int64() and r[0] != "S1" else r[12],) + r[13:] for r in rows]
    path = _parquet(tmp_path / "ledger.parquet", rows, ratio=ratio)
    with pytest.raises(AuditInputError, match=rf"ledger\.parquet, row 2, column pool_prop_selfpay: above 1, which no "
                                              rf"payment ratio is: a percentage\? write the ratio as a decimal, 0\.6000 "
                                              rf"for 60%: '{shown}'"):
        _figures(path)


def test_a_negative_parquet_ratio_is_refused_at_its_row(tmp_path):
    """As text '-0.5' is no ratio: a reversal row keeps its settlement's ratio, so a negative one is none."""
    rows = [r[:12] + ("-0.5000" if r[0] == "S1" else "0.50",) + r[13:] for r in ROWS]
    path = _parquet(tmp_path / "ledger.parquet", rows, ratio=pa.decimal128(18, 4))
    with pytest.raises(AuditInputError, match=r"ledger\.parquet, row 2, column pool_prop_selfpay: negative, which no "
                                              r"payment ratio is"):
        _figures(path)


def test_a_negative_text_ratio_is_refused_as_negative_not_as_badly_written(tmp_path):
    """'-0.5000' has four decimals: 'not a ratio with at most four decimals' named the wrong fault."""
    with pytest.raises(AuditInputError, match=r"ledger\.csv, line 2, column pool_prop_selfpay: negative, which no "
                                              r"payment ratio is \(a reversal row keeps its settlement's ratio\)"):
        _figures(_csv(tmp_path / "ledger.csv", _with(0, "pool_prop_selfpay", "-0.5000")))


def test_a_ratio_of_exactly_1_is_a_ratio(tmp_path):
    """100% is a payment ratio (the deductible row's 0.6000 recorded as 1.0000): read, and a discrepancy."""
    with kept_audit([str(_csv(tmp_path / "ledger.csv", _with(0, "pool_prop_selfpay", "1.0000")))], "panzhihua",
                    "panzhihua-example", write=False) as (code, s, con):
        assert code == 1 and s["discrepancies_by_field"]["pool_prop_selfpay"] == 1


def test_a_percentage_ledger_exits_2_from_the_command_line(tmp_path):
    """The reviewer's case: every ratio of an export written as a percentage. Refused at the first row, exit 2,
    no traceback and no report (it had been read as a ratio discrepancy on every row)."""
    rows = [r[:12] + (str(Decimal(r[12]) * 100),) + r[13:] for r in ROWS]
    path = _csv(tmp_path / "ledger.csv", rows)
    r = CliRunner().invoke(main, ["audit", str(path), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--out", str(tmp_path / "out")])
    assert r.exit_code == 2, r.output
    assert ("ledger.csv, line 2, column pool_prop_selfpay: above 1, which no payment ratio is: a percentage? write the "
            "ratio as a decimal, 0.6000 for 60%: '60.0000'") in r.output
    assert "Traceback" not in r.output and not (tmp_path / "out").exists()
