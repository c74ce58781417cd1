"""The duplicate setl_id check's cheap test (ledger._check_ids) is one count of distinct 64-bit hashes against the
row count, not a GROUP BY … HAVING (s21 speed): it must still find every repeated setl_id, wherever the two rows are,
and name the second by file, row and column; a ledger without one passes."""
from __future__ import annotations

from decimal import Decimal

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conform.audit import ledger
from conform.audit.errors import AuditInputError
from conform.audit.mapping import load_mapping

N = 5000


def _write(path, ids):
    n = len(ids)
    cents = pa.array([Decimal("100.00")] * n, pa.decimal128(18, 2))
    zero = pa.array([Decimal("0.00")] * n, pa.decimal128(18, 2))
    pq.write_table(pa.table({
        "setl_id": ids, "psn_no": [f"P{i % 97}" for i in range(n)], "psn_type": ["1101"] * n,
        "setl_date": pa.array([f"2023-05-{1 + i % 28:02d}" for i in range(n)]).cast(pa.date32()),
        "med_type": ["11"] * n, "facility": ["tertiary"] * n, "medfee_sumamt": cents, "fulamt_ownpay_amt": zero,
        "overlmt_selfpay": zero, "preselfpay_amt": zero, "hifp_pay": zero, "psn_part_amt": cents}), path)


def _load(path):
    con = duckdb.connect()
    try:
        return ledger.load(con, [str(path)], load_mapping(()))
    finally:
        con.close()


def test_a_ledger_without_a_repeated_setl_id_passes(tmp_path):
    p = tmp_path / "ledger.parquet"
    _write(p, [f"S{i}" for i in range(N)])
    assert _load(p).rows_read == N


@pytest.mark.parametrize("first, second", [(0, 1), (0, N - 1), (1234, 4321), (N - 2, N - 1)])
def test_a_repeated_setl_id_is_refused_at_its_second_row(tmp_path, first, second):
    ids = [f"S{i}" for i in range(N)]
    ids[second] = ids[first]
    p = tmp_path / "ledger.parquet"
    _write(p, ids)
    with pytest.raises(AuditInputError) as e:
        _load(p)
    assert e.value.detail.startswith(f"duplicate setl_id {ids[first]!r} (first at {p} row {first + 1})")
    assert (e.value.file, e.value.row, e.value.column) == (str(p), second + 1, "setl_id")
