"""The institutions table's unknown hosp_lv code says what the ledger's says (raudit4 D6): the codes the
user's [codes.hosp_lv] maps, and that a leading zero was lost where Excel made 01 the number 1 — the table,
an xlsx from the 定点医药机构 system, is where that is likeliest. Before, it told the user to map hosp_lv
codes with [codes.hosp_lv], which they had done."""
from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from conform.audit.errors import AuditInputError
from conform.audit.run import audit

HEADER = ("setl_id,psn_no,psn_type,setl_time,med_type,fixmedins_code,medfee_sumamt,inscp_scp_amt,act_pay_dedc,"
          "hifp_pay,pool_prop_selfpay")
ROWS = ["S1,A,1101,2023-03-01 10:00:00,11,H1,600.00,600.00,200.00,200.00,0.5000",
        "S2,B,1101,2023-03-01 10:00:00,11,H2,600.00,600.00,200.00,240.00,0.6000"]


def _run(tmp_path: Path, table: Path, codes: str) -> None:
    ledger = tmp_path / "l.csv"
    ledger.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    m = tmp_path / "m.toml"
    m.write_text(f"[codes.hosp_lv]\n{codes}", encoding="utf-8")
    audit([str(ledger)], "panzhihua", "panzhihua-example", mapping=(str(m),), write=False, workers=1,
          institutions_file=str(table))


def _xlsx(tmp_path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    for r in (["fixmedins_code", "fixmedins_name", "hosp_lv"], ["H1", "市中心医院", 1], ["H2", "区医院", 2]):
        ws.append(r)  # hosp_lv as numbers: Excel dropped the zeros of 01, 02
    wb.save(tmp_path / "i.xlsx")
    return tmp_path / "i.xlsx"


def test_a_lost_leading_zero_in_an_xlsx_table_is_named_with_the_maps_codes(tmp_path):
    with pytest.raises(AuditInputError) as e:
        _run(tmp_path, _xlsx(tmp_path), '"01" = "tertiary"\n"02" = "secondary"\n')
    assert str(e.value) == (f"{tmp_path / 'i.xlsx'}, row 2, column hosp_lv: unknown hosp_lv code: [codes.hosp_lv] in "
                            "--map maps 01 (tertiary), 02 (secondary); give this code a level there; where a leading "
                            "zero was lost (01 read as 1: the column was a number in Excel), export hosp_lv as text: '1'")


def test_without_a_zero_in_the_map_no_zero_is_said_lost(tmp_path):
    """A CSV table with a code the map lacks: the map's codes, no lost zero (none of them starts with 0), and
    no [skip] (which leaves out ledger rows; the table has none to leave out)."""
    table = tmp_path / "i.csv"
    table.write_text("fixmedins_code,hosp_lv\nH1,A3\nH2,B9\n", encoding="utf-8")
    with pytest.raises(AuditInputError) as e:
        _run(tmp_path, table, '"A3" = "tertiary"\n"A2" = "secondary"\n')
    assert str(e.value) == (f"{table}, line 3, column hosp_lv: unknown hosp_lv code: [codes.hosp_lv] in --map maps "
                            "A3 (tertiary), A2 (secondary); give this code a level there: 'B9'")
