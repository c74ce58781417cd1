"""A Parquet amount column typed Arrow decimal256 of 38 digits or fewer (probe s24 U, finding 1).

pa.decimal256(20, 2) is written as an ordinary Parquet DECIMAL(20,2), which DuckDB reads exactly; it was refused as
"a DECIMAL of more than 38 digits, which is read only as binary floating point (DECIMAL(20,2))" because every
decimal256 column was. Only one of more than 38 digits (read as DOUBLE) is refused (docs/audit.md §1).

The ledger is docs/audit.md's worked example (5 settlements, 15 discrepancies by hand; test_sources_input).
"""
from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from conform.audit.run import audit
from conform.harness.cli import main
from test_sources_input import BY_FIELD, _rows

AMOUNTS = ("medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt", "act_pay_dedc",
           "hifp_pay", "fund_pay_sumamt", "psn_part_amt", "acct_pay", "psn_cash_pay")


def _parquet(path, typ, column="hifp_pay"):
    rows = _rows()
    header, body = rows[0], rows[1:]
    cols = {}
    for i, h in enumerate(header):
        vals = [r[i] for r in body]
        if h == column:
            cols[h] = pa.array([Decimal(v) for v in vals], typ)
        elif h in AMOUNTS:
            cols[h] = pa.array([Decimal(v) for v in vals], pa.decimal128(18, 2))
        else:
            cols[h] = pa.array(vals)
    pq.write_table(pa.table(cols), path)
    return path


@pytest.mark.parametrize("typ", [pa.decimal256(20, 2), pa.decimal256(38, 2), pa.decimal256(38, 10)])
def test_a_decimal256_of_at_most_38_digits_is_read_exactly(tmp_path, typ):
    code, s = audit([str(_parquet(tmp_path / "d.parquet", typ))], "panzhihua", "panzhihua-example", write=False)
    assert code == 1
    assert s["discrepancies_by_field"] == BY_FIELD  # the same 15 as the CSV example: the figures read to the fen
    # hifp_pay as recorded: 115.00 + 50.00 + 120.00 + 900.00 + 300.00; over- and underpaid as the CSV example's
    assert (s["recorded_hifp_pay_fen"], s["overpaid_fen"], s["underpaid_fen"]) == (148500, 20000, 14250)


def test_a_decimal256_of_more_than_38_digits_is_still_refused_by_its_name(tmp_path):
    r = CliRunner().invoke(main, ["audit", str(_parquet(tmp_path / "w.parquet", pa.decimal256(40, 2))), "--policy",
                                  "panzhihua", "--region", "panzhihua-example", "--out", str(tmp_path / "report")])
    assert r.exit_code == 2 and "Traceback" not in r.output
    out = " ".join(r.output.split())
    assert "w.parquet, column hifp_pay: a DECIMAL of more than 38 digits, which is read only as binary floating " \
           "point (DOUBLE)" in out, out
