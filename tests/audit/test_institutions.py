"""`--institutions`: a ledger that names only the institution (`fixmedins_code`) gets each row's
facility level from the institutions table; every bad table or unknown code is refused, located.

Figures by hand from 攀枝花 第七条 (in-service; deductible 200.00 a natural year; 三级 50%, 一级 60%):
  S0 2023-02-01 at 某社区卫生服务中心: 100.50 in scope, all of it toward the deductible, fund 0.00.
  S1 2023-03-01 at 攀枝花市中心医院: 500.00 − 50.00 − 20.00 = 430.00 in scope; deductible left
     200.00 − 100.50 = 99.50; at 三级: (430.00 − 99.50) × 50% = 165.25;
     were the hospital 一级: (430.00 − 99.50) × 60% = 198.30.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from conform.audit.errors import AuditInputError
from conform.audit.run import audit
from _kept import kept_audit

HEADER = ("setl_id,psn_no,psn_type,setl_time,med_type,fixmedins_code,medfee_sumamt,fulamt_ownpay_amt,"
          "overlmt_selfpay,preselfpay_amt,hifp_pay")
S0 = "S0,P1,1101,2023-02-01 09:00:00,11,H-COMMUNITY,100.50,0,0,0,0.00"
S1 = "S1,P1,1101,2023-03-01 10:00:00,11,H-CENTRAL,500.00,50,0,20.00,165.25"


def _write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _ledger(tmp_path: Path, *rows: str) -> Path:
    return _write(tmp_path / "ledger.csv", [HEADER, *rows])


def _run(tmp_path: Path, ledger: Path, table: Path, mapping: tuple[str, ...] = ()) -> tuple[int, dict, dict]:
    with kept_audit([str(ledger)], "panzhihua", "panzhihua-example", mapping=mapping, write=False,
                    institutions_file=str(table)) as (code, s, con):
        rows = dict(con.execute("SELECT l.setl_id, e.hifp_pay FROM expected_rows e JOIN ledger l USING (rid)").fetchall())
        facilities = dict(con.execute("SELECT setl_id, facility FROM ledger").fetchall())
    return code, {"hifp_pay": rows, "facility": facilities}, s


def test_the_level_comes_from_the_table_by_fixmedins_code(tmp_path):
    table = _write(tmp_path / "inst.csv", ["fixmedins_code,fixmedins_name,facility",
                                           "H-CENTRAL,攀枝花市中心医院,tertiary",
                                           "H-COMMUNITY,某社区卫生服务中心,primary"])
    code, got, s = _run(tmp_path, _ledger(tmp_path, S0, S1), table)
    assert got["facility"] == {"S0": "primary", "S1": "tertiary"}
    assert got["hifp_pay"] == {"S0": 0, "S1": 16525}  # 165.25, by hand above
    assert code == 0 and s["discrepancies_by_field"] == {"hifp_pay": 0}


def test_a_level_in_the_table_decides_what_is_expected(tmp_path):
    """The same ledger against a table that rates the hospital 一级: the recorded 165.25 is now 33.05 short."""
    table = _write(tmp_path / "inst.csv", ["fixmedins_code,facility", "H-CENTRAL,primary", "H-COMMUNITY,primary"])
    code, got, s = _run(tmp_path, _ledger(tmp_path, S0, S1), table)
    assert got["hifp_pay"]["S1"] == 19830  # (430.00 − 99.50) × 60% = 198.30
    assert code == 1 and s["discrepancies_by_field"]["hifp_pay"] == 1
    assert s["underpaid_fen"] == 19830 - 16525


def test_hosp_lv_codes_in_a_gbk_table_are_mapped_with_the_ledgers_map(tmp_path):
    table = _write(tmp_path / "机构.csv", ["DDJGBM,机构名称,hosp_lv", "H-CENTRAL,攀枝花市中心医院,01",
                                          "H-COMMUNITY,某社区卫生服务中心,03"], encoding="gbk")
    mapping = tmp_path / "map.toml"
    mapping.write_text('[columns]\nDDJGBM = "fixmedins_code"\n[codes.hosp_lv]\n"01" = "tertiary"\n"03" = "primary"\n',
                       encoding="utf-8")
    code, got, _ = _run(tmp_path, _ledger(tmp_path, S0, S1), table, (str(mapping),))
    assert got["facility"] == {"S0": "primary", "S1": "tertiary"} and code == 0


def test_a_ledger_with_its_own_facility_column_is_not_joined(tmp_path):
    ledger = _write(tmp_path / "ledger.csv", [HEADER.replace("fixmedins_code", "fixmedins_code,facility"),
                                               S1.replace("H-CENTRAL,", "H-CENTRAL,primary,")])
    table = _write(tmp_path / "inst.csv", ["fixmedins_code,facility", "H-CENTRAL,tertiary"])
    _, got, _ = _run(tmp_path, ledger, table)
    assert got["facility"] == {"S1": "primary"}  # the row's own level, not the table's


def test_a_code_missing_from_the_table_is_refused_with_its_line(tmp_path):
    table = _write(tmp_path / "inst.csv", ["fixmedins_code,facility", "H-CENTRAL,tertiary"])
    ledger = _ledger(tmp_path, S1, S0)
    with pytest.raises(AuditInputError) as e:
        _run(tmp_path, ledger, table)
    assert (e.value.file, e.value.row, e.value.column) == (str(ledger), 3, "fixmedins_code")
    assert "not in the institutions table" in str(e.value) and "H-COMMUNITY" in str(e.value)


@pytest.mark.parametrize("rows, row, column, words", [
    (["fixmedins_code,facility", "H-CENTRAL,tertiary", "H-CENTRAL,primary"], 3, "fixmedins_code", "two levels"),
    (["fixmedins_code,facility", "H-CENTRAL,tertiary", "H-COMMUNITY,三级"], 3, "facility", "unknown level"),
    (["fixmedins_code,facility", ",tertiary"], 2, "fixmedins_code", "missing"),
    (["fixmedins_code,hosp_lv", "H-CENTRAL,01"], None, "hosp_lv", "[codes.hosp_lv]"),
    (["code,facility", "H-CENTRAL,tertiary"], None, None, "needs a fixmedins_code column"),
    # a name over two lines (quoted): the bad row starts on line 4, though it is the table's 3rd record
    (["fixmedins_code,fixmedins_name,facility", 'H-CENTRAL,"攀枝花市中心医院\n（东区）",tertiary', "H-COMMUNITY,社区,三级"],
     4, "facility", "unknown level"),
    (["fixmedins_code,fixmedins_name,facility", 'H-CENTRAL,"攀枝花市\n中心\n医院",tertiary', ",社区,primary"],
     5, "fixmedins_code", "missing"),
    (["fixmedins_code,fixmedins_name,facility", 'H-CENTRAL,"攀枝花市\n中心医院",tertiary', "",
      'H-CENTRAL,"中心医院\n（重复）",primary'], 5, "fixmedins_code", "two levels (primary, tertiary; first at line 2)"),
])
def test_a_bad_table_is_refused_with_where(tmp_path, rows, row, column, words):
    table = _write(tmp_path / "inst.csv", rows)
    with pytest.raises(AuditInputError) as e:
        _run(tmp_path, _ledger(tmp_path, S1), table)
    assert (e.value.file, e.value.row, e.value.column) == (str(table), row, column)
    assert words in str(e.value)


def test_identical_duplicate_rows_are_one_institution(tmp_path):
    table = _write(tmp_path / "inst.csv", ["fixmedins_code,facility", "H-CENTRAL,tertiary", "H-CENTRAL,tertiary",
                                           "H-COMMUNITY,primary"])
    code, got, _ = _run(tmp_path, _ledger(tmp_path, S0, S1), table)
    assert got["hifp_pay"] == {"S0": 0, "S1": 16525} and code == 0


def test_conform_audit_takes_institutions(tmp_path):
    from conform.harness.cli import main

    table = _write(tmp_path / "inst.csv", ["fixmedins_code,facility", "H-CENTRAL,tertiary", "H-COMMUNITY,primary"])
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["audit", str(_ledger(tmp_path, S0, S1)), "--policy", "panzhihua",
                                       "--region", "panzhihua-example", "--institutions", str(table), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "summary.json").is_file()
    bad = CliRunner().invoke(main, ["audit", str(_ledger(tmp_path, S1)), "--policy", "panzhihua",
                                    "--region", "panzhihua-example", "--institutions", str(tmp_path / "none.csv")])
    assert bad.exit_code == 2 and "none.csv" in bad.output


@pytest.mark.parametrize("ledger_names", [False, True, None])
def test_the_institutions_name_reaches_the_discrepancies_from_the_table_or_the_ledger(tmp_path, ledger_names):
    """The regulator reads 按机构 by name. The table rates H-CENTRAL 一级, so S1 differs (as above); its
    name comes from the ledger's own fixmedins_name column where it has one, else from the table."""
    table = _write(tmp_path / "inst.csv", ["fixmedins_code,fixmedins_name,facility", "H-CENTRAL,攀枝花市中心医院,primary",
                                           "H-COMMUNITY,某社区卫生服务中心,primary"])
    ledger = _ledger(tmp_path, S0, S1)
    if ledger_names is None:  # the ledger has its own level (一级 for H-CENTRAL too): the table only names it
        ledger = _write(tmp_path / "rated.csv", [HEADER.replace("fixmedins_code", "fixmedins_code,facility"),
                                                 S0.replace(",H-COMMUNITY,", ",H-COMMUNITY,primary,"),
                                                 S1.replace(",H-CENTRAL,", ",H-CENTRAL,primary,")])
    elif ledger_names:
        ledger = _write(tmp_path / "named.csv", [HEADER + ",fixmedins_name", S0 + ",社区中心", S1 + ",中心医院（清单）"])
    out = tmp_path / "out"
    code, s = audit([str(ledger)], "panzhihua", "panzhihua-example", institutions_file=str(table), out=out)
    assert code == 1
    got = duckdb.sql(f"SELECT DISTINCT setl_id, fixmedins_code, fixmedins_name FROM read_parquet('{out}/discrepancies.parquet')").fetchall()
    assert got == [("S1", "H-CENTRAL", "中心医院（清单）" if ledger_names else "攀枝花市中心医院")]
    assert s["underpaid_fen"] == 19830 - 16525  # 一级 from the table, or from the ledger itself
    by_inst = [r for r in load_workbook(out / "audit.xlsx")["按机构"].iter_rows(min_row=2, values_only=True)]
    assert by_inst[0][:3] == ("H-CENTRAL", got[0][2], "一级定点医疗机构")


def test_a_sheet_header_problem_is_named_by_its_row(tmp_path):
    # a sheet numbers rows, not lines: the header (row 1) holds the code twice, case aside
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["fixmedins_code", "facility", "FIXMEDINS_CODE"])
    wb.active.append(["H-CENTRAL", "tertiary", "H-CENTRAL"])
    table = tmp_path / "institutions.xlsx"
    wb.save(table)
    with pytest.raises(AuditInputError, match=r"institutions\.xlsx, row 1: columns 'fixmedins_code' and 'FIXMEDINS_CODE'"):
        _run(tmp_path, _ledger(tmp_path, S1), table)
