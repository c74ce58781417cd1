"""IDs written in Excel's text-keeping forms — ="3301…", a leading apostrophe, a tab — are the bare ID (raudit2 D2).

Chinese HIS and platform exports write a 16-19-digit ID so that Excel keeps it as text. Read verbatim, a person
whose February rows carry ="3301…" was a second person (1,041 persons read as 1,339; 34 discrepancies as 1,331),
silently. In the ledger (CSV, JSON lines), the institutions table and the persons file the wrapper is taken off
setl_id, psn_no, init_setl_id, fixmedins_code and dise_codg; a Parquet file that kept it is refused by file, row and
column (a program wrote it: checked by one scan of the stored table, not on every cell).

Figures by hand, 攀枝花 第七条 (panzhihua-example: in-service, deductible 200.00 a natural year; 三级 50%, 一级 60%):
  S0 on 2023-02-01 at 一级: 100.50 in scope, all of it to the deductible, fund 0.00.
  S1 on 2023-03-01 at 三级: 500.00 − 50.00 − 0 − 20.00 = 430.00 in scope; the same person has 200 − 100.50 = 99.50
     of deductible left: (430.00 − 99.50) × 50% = 165.25 — recorded so. Read as another person, S1 would owe the
     whole 200.00: (430.00 − 200.00) × 50% = 115.00, and 165.25 would be a discrepancy of +50.25.
"""
from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit

PSN = "3301000000000001"
HEADER = ("setl_id,psn_no,psn_type,setl_time,med_type,facility,fixmedins_code,medfee_sumamt,fulamt_ownpay_amt,"
          "overlmt_selfpay,preselfpay_amt,hifp_pay,init_setl_id")
COLS = HEADER.split(",")


def _rows(wrap) -> list[list[str]]:
    return [["2023020100001", PSN, "1101", "2023-02-01 09:00:00", "11", "primary", "H2", "100.50", "0", "0", "0",
             "0.00", ""],
            [wrap("2023030100001"), wrap(PSN), "1101", "2023-03-01 10:00:00", "11", "tertiary", "H1", "500.00", "50",
             "0", "20.00", "165.25", ""]]


def _csv_cell(v: str) -> str:
    return '"' + v.replace('"', '""') + '"' if any(ch in v for ch in '",') else v


WRAPPERS = {"formula": lambda v: f'="{v}"', "apostrophe": lambda v: f"'{v}", "tab": lambda v: f"\t{v}",
            "tab after": lambda v: f"{v}\t"}


def _audit(paths, **kw):
    return audit([str(p) for p in paths], "panzhihua", "panzhihua-example", write=False, workers=1, **kw)


@pytest.mark.parametrize("form", sorted(WRAPPERS))
def test_a_wrapped_id_in_a_csv_is_the_same_person(tmp_path, form):
    p = tmp_path / "ledger.csv"
    p.write_text("\n".join([HEADER] + [",".join(_csv_cell(c) for c in r) for r in _rows(WRAPPERS[form])]) + "\n",
                 encoding="gbk")
    code, s = _audit([p])
    assert (code, s["persons"], s["discrepancies_by_field"]) == (0, 1, {"hifp_pay": 0}), s


def test_the_formula_form_unquoted_as_a_hand_written_csv_has_it(tmp_path):
    """="3301…" written without CSV quotes (a HIS's own writer): the quotes are inside the field."""
    p = tmp_path / "ledger.csv"
    rows = _rows(WRAPPERS["formula"])
    p.write_text("\n".join([HEADER] + [",".join(r) for r in rows]) + "\n", encoding="utf-8")
    code, s = _audit([p])
    assert (code, s["persons"]) == (0, 1)


def test_a_reversal_naming_its_settlement_in_a_wrapper(tmp_path):
    """init_setl_id ='2023…' (apostrophe) names S1 written bare: a reversal of a known settlement, not 'reversal of
    unknown setl_id' with the wrong remedy (an earlier month's file). S1 reversed: only S0 stands, fund 0.00."""
    rows = _rows(lambda v: v)
    rev = ["R1", PSN, "1101", "2023-03-02 10:00:00", "11", "tertiary", "H1", "-500.00", "-50", "0", "-20.00",
           "-165.25", "'2023030100001"]
    p = tmp_path / "ledger.jsonl"
    p.write_text("".join(json.dumps(dict(zip(COLS, r)), ensure_ascii=False) + "\n" for r in rows + [rev]),
                 encoding="utf-8")
    code, s = _audit([p])
    assert code == 0 and s["persons"] == 1, s


def test_institutions_and_persons_files_read_the_bare_id_too(tmp_path):
    """The level comes from the institutions table by a code written '="H1"' there and bare in the ledger; the
    persons file's psn_no is written with a tab. S1 counts as the same person as S0 (165.25, clean), and the one
    person of the persons file is found in the ledger."""
    header = HEADER.replace("facility,", "")
    rows = [[c for i, c in enumerate(r) if COLS[i] != "facility"] for r in _rows(WRAPPERS["formula"])]
    p = tmp_path / "ledger.csv"
    p.write_text("\n".join([header] + [",".join(_csv_cell(c) for c in r) for r in rows]) + "\n", encoding="utf-8")
    inst = tmp_path / "定点机构.csv"
    inst.write_text('fixmedins_code,facility\n"=""H1""",tertiary\n\'H2,primary\n', encoding="utf-8")
    persons = tmp_path / "persons.csv"
    persons.write_text(f"psn_no,psn_type\n\t{PSN},1101\n", encoding="utf-8")
    code, s = _audit([p], institutions_file=str(inst), persons_file=str(persons))
    assert (code, s["persons"], s["discrepancies_by_field"]) == (0, 1, {"hifp_pay": 0}), s
    assert s["persons_file"]["in_ledger"] == 1


def test_a_parquet_file_that_kept_the_wrapper_is_refused_by_row_and_column(tmp_path):
    rows = _rows(WRAPPERS["formula"])
    table = pa.table({("人员编号" if c == "psn_no" else c): [r[i] for r in rows] for i, c in enumerate(COLS)})
    p = tmp_path / "ledger.parquet"
    pq.write_table(table, p)
    with pytest.raises(AuditInputError, match=r"Excel's text-keeping form \('=\"3301000000000001\"'.*convert again "
                                              r"with the bare ID \('3301000000000001'\)") as e:
        _audit([p], mapping=("人员编号=psn_no",))
    assert (e.value.file, e.value.row, e.value.column) == (str(p), 2, "人员编号 (psn_no)")
