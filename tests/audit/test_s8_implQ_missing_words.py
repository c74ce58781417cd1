"""pandas' and R's words for a missing value beyond the ID and code cells (raudit4; implO did the IDs and codes).

A frame that went through astype(str) writes NaN as 'nan' (None 'None', NaT 'NaT', pd.NA '<NA>'); R's write.csv
and readr's write_csv write 'NA' for a missing value of any type. In an amount, date or flag cell the word was
refused before only as "not an amount in yuan …", "not a time …", "expected 1/0 …": now the refusal (same file,
line and column) names the writer and says what an empty cell would mean there. The located message is built only
for the first bad row (the errors pass of canonical_select); the fast pass over every row is unchanged.

R's 'NA' is named so only where the cell is refused anyway (a listed code's: psn_type, med_type, …); in an ID cell
(setl_id, psn_no, fixmedins_code, dise_codg) it is read as an ID: a de-identified ledger may use it as a pseudonym
(ledger.R_MISSING says why). A --map [codes.<column>] entry for it stands.

Figures by hand, 攀枝花 第七条 (panzhihua-example: in-service, deductible 200.00 a natural year; 三级 50%):
  A S1 600.00 in scope: 200.00 to the deductible, (600.00 − 200.00) × 50% = 200.00 from the fund.
  B S2 300.00 in scope: 200.00 to the deductible, (300.00 − 200.00) × 50% = 50.00 from the fund.
"""
from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conform.audit import ledger
from conform.audit.errors import AuditInputError
from conform.audit.mapping import Mapping
from conform.audit.run import audit

COLUMNS = ("setl_id", "psn_no", "psn_type", "setl_time", "setl_date", "med_type", "facility", "fixmedins_code",
           "dise_codg", "medfee_sumamt", "fulamt_ownpay_amt", "cvlserv_pay", "inscp_scp_amt", "act_pay_dedc",
           "hifp_pay", "pool_prop_selfpay", "remote", "acct_used_flag", "vali_flag")
S1 = ("S1", "A", "1101", "2023-01-10 10:00:00", "2023-01-10", "11", "tertiary", "H1", "", "600.00", "0.00", "0.00",
      "600.00", "200.00", "200.00", "0.5000", "0", "1", "1")
S2 = ("S2", "B", "1101", "2023-01-11 10:00:00", "2023-01-11", "11", "tertiary", "H1", "", "300.00", "0.00", "0.00",
      "300.00", "200.00", "50.00", "0.5000", "0", "1", "1")
PANDAS = "a missing value written as text ({!r}: pandas astype(str)?): write it as an empty cell"
R = "a missing value written as text ({!r}: R's write.csv?): write it as an empty cell"
WORDS = ("nan", "NaN", "None", "NaT", "<NA>", "NA")


def _said(word: str) -> str:
    return (R if word == "NA" else PANDAS).format(word)


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


def test_the_rows_with_their_figures_are_clean(tmp_path):
    code, s = audit([str(_csv(tmp_path, [S1, S2]))], "panzhihua", "panzhihua-example", write=False, workers=1)
    assert code == 0 and s["rows_read"] == 2


@pytest.mark.parametrize("word", WORDS)
@pytest.mark.parametrize("column, empty", [
    ("medfee_sumamt", "medfee_sumamt is required on a settlement"),
    ("fulamt_ownpay_amt", "an empty fulamt_ownpay_amt reads as 0.00"),
    ("cvlserv_pay", "an empty cvlserv_pay reads as 0.00"),
    ("hifp_pay", "a recorded figure is never blank either"),
    ("pool_prop_selfpay", "a recorded figure is never blank either"),
    ("setl_time", "every row needs its date"),
    ("setl_date", "every row needs its date"),
])
def test_an_amount_or_date_written_as_a_missing_word_names_the_writer(tmp_path, column, word, empty):
    e = _refused(_csv(tmp_path, [S1, _with(S2, **{column: word})]))
    assert (e.file, e.row, e.column) == (str(tmp_path / "l.csv"), 3, column)
    assert e.detail.startswith(_said(word)) and empty in e.detail
    assert "not an amount" not in e.detail and "not a time" not in e.detail and "not a date" not in e.detail


@pytest.mark.parametrize("column, word, empty", [
    ("remote", "nan", "an empty remote reads as 0 (in the city)"),
    ("acct_used_flag", "NA", "an empty acct_used_flag reads as 1"),
    ("vali_flag", "None", "an empty vali_flag reads as valid"),
])
def test_a_flag_written_as_a_missing_word_names_the_writer(tmp_path, column, word, empty):
    e = _refused(_csv(tmp_path, [S1, _with(S2, **{column: word})]))
    assert (e.row, e.column) == (3, column) and e.detail.startswith(_said(word)) and empty in e.detail


def test_another_bad_amount_keeps_its_own_message(tmp_path):
    e = _refused(_csv(tmp_path, [S1, _with(S2, hifp_pay="n/a")]))
    assert (e.row, e.column) == (3, "hifp_pay")
    assert e.detail == "not an amount in yuan with at most two decimals: 'n/a'"


@pytest.mark.parametrize("column", ["psn_type", "med_type", "facility"])
def test_rs_na_in_a_listed_codes_cell_is_named_as_rs(tmp_path, column):
    # refused anyway, as an unknown code: now said to be R's missing value
    e = _refused(_csv(tmp_path, [S1, _with(S2, **{column: "NA"})]))
    assert (e.row, e.column) == (3, column) and e.detail.startswith(R.format("NA")) and "pandas" not in e.detail


@pytest.mark.parametrize("column", ["psn_no", "fixmedins_code", "dise_codg"])
def test_na_in_an_id_cell_is_an_id(tmp_path, column):
    """'NA' may be a de-identified ledger's pseudonym (ledger.R_MISSING): read as the ID it is. B as NA, or H1 as NA,
    or a dise_codg NA on a med_type 11 row (not read), leaves the figures worked above: clean."""
    code, s = audit([str(_csv(tmp_path, [S1, _with(S2, **{column: "NA"})]))], "panzhihua", "panzhihua-example",
                    write=False, workers=1)
    assert code == 0 and s["rows_read"] == 2


def test_a_row_bad_for_another_reason_is_refused_for_it_beside_an_id_na(tmp_path):
    e = _refused(_csv(tmp_path, [S1, _with(S2, psn_no="NA", hifp_pay="n/a")]))
    assert (e.row, e.column) == (3, "hifp_pay") and e.detail == "not an amount in yuan with at most two decimals: 'n/a'"


def test_rs_na_that_the_users_map_gives_a_code_stands(tmp_path):
    m = tmp_path / "m.toml"
    m.write_text('[codes.psn_type]\n"NA" = "1101"\n', encoding="utf-8")
    code, s = audit([str(_csv(tmp_path, [_with(S1, psn_type="NA"), S2]))], "panzhihua", "panzhihua-example",
                    mapping=(str(m),), write=False, workers=1)
    assert code == 0 and s["rows_read"] == 2


def test_a_parquet_text_amount_is_refused_alike(tmp_path):
    rows = [dict(zip(COLUMNS, r)) for r in (S1, _with(S2, act_pay_dedc="nan"))]
    path = tmp_path / "l.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    e = _refused(path)
    assert (e.file, e.row, e.column) == (str(path), 2, "act_pay_dedc") and e.detail.startswith(PANDAS.format("nan"))


def test_the_fast_pass_over_every_row_tests_no_word():
    """The clean path's SELECT (errors=False) is what it was: the words are tested only where the located message
    is built, on the one bad row (and in _missing_text's scan of the ID and code columns)."""
    cols = {c: "VARCHAR" for c in COLUMNS} | {"src_row": "BIGINT"}
    fast = ledger.canonical_select(ledger.Path("l.csv"), "rel", cols, Mapping(), 0)
    slow = ledger.canonical_select(ledger.Path("l.csv"), "rel", cols, Mapping(), 0, errors=True)
    for word in WORDS:
        assert f"'{word}'" not in fast
        assert f"'{word}'" in slow
