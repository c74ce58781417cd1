"""pandas' text for a missing value in an ID or code cell (raudit4 D9). A frame that goes through astype(str)
writes NaN as 'nan' (None as 'None', NaT as 'NaT', pd.NA as '<NA>'; 'NaN' from other writers): in
init_setl_id it made a settlement a reversal of an unknown setl_id 'nan', and the message sent the user to
"an earlier export"; in psn_no it would make one person of every row that lost its psn_no. Such a cell is
refused by file, line and column, naming pandas, in every format (the check runs on the table); a code
column's (psn_type, hosp_lv, …) is named so instead of as an unknown code; a --map [codes] entry for the
word is the user's own reading and stands. A "reversal" of an unknown settlement whose amounts are positive
is said to be a settlement.

Figures by hand, 攀枝花 第七条 (panzhihua-example: in-service, deductible 200.00 a natural year; 三级 50%):
  A S1 600.00 in scope: 200.00 to the deductible, (600.00 − 200.00) × 50% = 200.00 from the fund.
  B S2 300.00 in scope: 200.00 to the deductible, (300.00 − 200.00) × 50% = 50.00 from the fund.
Both as recorded: with empty cells where the words were, the ledger is clean (exit 0).
"""
from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit

COLUMNS = ("setl_id", "psn_no", "psn_type", "setl_time", "med_type", "facility", "fixmedins_code", "dise_codg",
           "medfee_sumamt", "inscp_scp_amt", "act_pay_dedc", "hifp_pay", "pool_prop_selfpay", "init_setl_id")
S1 = ("S1", "A", "1101", "2023-01-10 10:00:00", "11", "tertiary", "H1", "", "600.00", "600.00", "200.00", "200.00",
      "0.5000", "")
S2 = ("S2", "B", "1101", "2023-01-11 10:00:00", "11", "tertiary", "H1", "", "300.00", "300.00", "200.00", "50.00",
      "0.5000", "")
WORDS = ("nan", "NaN", "None", "NaT", "<NA>")
PANDAS = "a missing value written as text ({!r}: pandas astype(str)?): write it as an empty cell"


def _csv(tmp_path, rows, name="l.csv"):
    path = tmp_path / name
    path.write_text("\n".join([",".join(COLUMNS)] + [",".join(r) for r in rows]) + "\n", encoding="utf-8")
    return path


def _with(row, **cells):
    return tuple(cells.get(c, v) for c, v in zip(COLUMNS, row))


def _refused(path, mapping=()) -> AuditInputError:
    with pytest.raises(AuditInputError) as e:
        audit([str(path)], "panzhihua", "panzhihua-example", mapping=mapping, write=False, workers=1)
    return e.value


def test_the_rows_as_exported_with_empty_cells_are_clean(tmp_path):
    code, s = audit([str(_csv(tmp_path, [S1, S2]))], "panzhihua", "panzhihua-example", write=False, workers=1)
    assert code == 0 and s["rows_read"] == 2


@pytest.mark.parametrize("word", WORDS)
def test_a_settlements_init_setl_id_written_by_pandas_is_refused_naming_pandas(tmp_path, word):
    e = _refused(_csv(tmp_path, [S1, _with(S2, init_setl_id=word)]))
    assert (e.file, e.row, e.column) == (str(tmp_path / "l.csv"), 3, "init_setl_id")
    assert e.detail.startswith(PANDAS.format(word))
    assert "earlier export" not in e.detail


@pytest.mark.parametrize("column", ["setl_id", "psn_no", "fixmedins_code", "dise_codg"])
def test_an_id_or_code_written_by_pandas_is_refused_at_its_line(tmp_path, column):
    """Before, these read as an ID or code 'nan' (psn_no: both rows one person, so S2 read as the second visit
    of a year whose deductible S1 had met: 300.00 × 50% = 150.00 expected, a false 少付 of 100.00)."""
    e = _refused(_csv(tmp_path, [_with(S1, **{column: "nan"}), _with(S2, **{column: "nan"})]))
    assert (e.row, e.column) == (2, column) and e.detail.startswith(PANDAS.format("nan"))


def test_a_code_written_by_pandas_is_named_so_not_an_unknown_code(tmp_path):
    e = _refused(_csv(tmp_path, [S1, _with(S2, psn_type="NaN")]))
    assert (e.row, e.column) == (3, "psn_type") and e.detail.startswith(PANDAS.format("NaN"))


def test_a_hosp_lv_written_by_pandas_is_named_by_the_exports_column(tmp_path):
    rows = [_with(S1, facility="01"), _with(S2, facility="nan")]
    path = tmp_path / "l.csv"
    path.write_text("\n".join([",".join(COLUMNS).replace("facility", "hosp_lv")] + [",".join(r) for r in rows]) + "\n",
                    encoding="utf-8")
    m = tmp_path / "m.toml"
    m.write_text('[codes.hosp_lv]\n"01" = "tertiary"\n', encoding="utf-8")
    e = _refused(path, mapping=(str(m),))
    assert (e.row, e.column) == (3, "hosp_lv") and e.detail.startswith(PANDAS.format("nan"))


def test_a_word_the_users_map_gives_a_code_stands(tmp_path):
    """[codes.dise_codg] "nan" = … is the user's reading of the export: not refused (dise_codg is not read on
    a med_type 11 row; the figures are those above)."""
    m = tmp_path / "m.toml"
    m.write_text('[codes.dise_codg]\n"nan" = "M00500"\n', encoding="utf-8")
    code, s = audit([str(_csv(tmp_path, [_with(S1, dise_codg="nan"), S2]))], "panzhihua", "panzhihua-example",
                    mapping=(str(m),), write=False, workers=1)
    assert code == 0 and s["rows_read"] == 2


def test_json_lines_and_parquet_are_refused_alike(tmp_path):
    rows = [dict(zip(COLUMNS, r)) for r in (S1, _with(S2, psn_no="None"))]
    for r in rows:  # empty cells as a JSON writer leaves them: absent
        for c in [c for c, v in r.items() if v == ""]:
            del r[c]
    jl = tmp_path / "l.jsonl"
    jl.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    e = _refused(jl)
    assert (e.row, e.column) == (2, "psn_no") and e.detail.startswith(PANDAS.format("None"))
    pqf = tmp_path / "l.parquet"
    pq.write_table(pa.Table.from_pylist(rows), pqf)
    e = _refused(pqf)
    assert (e.file, e.row, e.column) == (str(pqf), 2, "psn_no") and e.detail.startswith(PANDAS.format("None"))


def test_a_reversal_of_an_unknown_settlement_with_positive_amounts_is_said_to_be_a_settlement(tmp_path):
    e = _refused(_csv(tmp_path, [S1, _with(S2, init_setl_id="0")]))
    assert (e.row, e.column) == (3, "init_setl_id")
    assert e.detail == ("init_setl_id '0' names no settlement of the ledger, and the row's amounts are positive "
                        "(medfee_sumamt 300.00): a row with positive amounts is a settlement (2207), whose "
                        "init_setl_id is empty; a reversal (2208) names its settlement and carries its amounts negated")


def test_a_reversal_of_an_unknown_settlement_with_negative_amounts_still_points_to_an_earlier_export(tmp_path):
    r = _with(S2, setl_id="R0", init_setl_id="S0", medfee_sumamt="-300.00", inscp_scp_amt="-300.00",
              act_pay_dedc="-200.00", hifp_pay="-50.00")
    e = _refused(_csv(tmp_path, [S1, r]))
    assert e.column == "init_setl_id" and "its settlement may be in an earlier export" in e.detail
