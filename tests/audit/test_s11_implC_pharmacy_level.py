"""A pharmacy's empty 医院等级 (hosp_lv), as the platform exports a 定点零售药店 (raudit2 D3, Q1).

Before, such a row stopped the audit with "column facility: missing" — a column the file does not have — and
[codes.hosp_lv] "" = "pharmacy" was accepted by the map and ignored. Now the refusal names the column as the file
spells it (医院等级 (hosp_lv)) and says what to do; "" = "pharmacy" maps the empty cell (in the ledger and in the
institutions table); an empty cell in any other code table is refused when the map is read.

Figures by hand, 攀枝花 第七条 (panzhihua-example; in-service: deductible 200.00 a natural year, 三级 and 定点零售药店
50%):
  S1 (A) at 三级: 600.00 in scope; 200.00 to the deductible, (600.00 − 200.00) × 50% = 200.00 from the fund.
  S2 (B) at a pharmacy (med_type 41): 300.00 in scope; 200.00 to the deductible, (300.00 − 200.00) × 50% = 50.00.
"""
from __future__ import annotations

import json

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.mapping import load_mapping
from conform.audit.run import audit

HEADER = "结算ID,人员编号,psn_type,setl_time,med_type,医院等级,fixmedins_code,medfee_sumamt,act_pay_dedc,hifp_pay"
S1 = "S1,A,1101,2023-03-01 10:00:00,11,1,H1,600.00,200.00,200.00"
S2 = "S2,B,1101,2023-03-02 10:00:00,41,,Y1,300.00,200.00,50.00"
MAP = '[columns]\n"结算ID" = "setl_id"\n"人员编号" = "psn_no"\n"医院等级" = "hosp_lv"\n[codes.hosp_lv]\n"1" = "tertiary"\n'
PHARMACY = '"" = "pharmacy"\n'


def _run(tmp_path, rows, codes="", **kw):
    ledger = tmp_path / "结算明细_202303.csv"
    ledger.write_text("\n".join([HEADER, *rows]) + "\n", encoding="gbk")
    m = tmp_path / "映射.toml"
    m.write_text(MAP + codes, encoding="utf-8")
    return audit([str(ledger)], "panzhihua", "panzhihua-example", mapping=(str(m),), write=False, workers=1, **kw)


def test_an_empty_level_is_named_as_the_file_spells_it_with_the_remedy(tmp_path):
    with pytest.raises(AuditInputError) as e:
        _run(tmp_path, [S1, S2])
    assert (e.value.row, e.value.column) == (3, "医院等级 (hosp_lv)")
    assert e.value.detail.startswith("empty: a pharmacy (定点零售药店) has no hospital grade (医院等级)")
    assert '[codes.hosp_lv] "" = "pharmacy"' in e.value.detail and "or export facility" in e.value.detail


def test_the_empty_cell_mapped_to_pharmacy_audits(tmp_path):
    code, s = _run(tmp_path, [S1, S2], PHARMACY)
    assert (code, s["rows_read"], s["discrepancies_by_field"]) == (0, 2, {"act_pay_dedc": 0, "hifp_pay": 0}), s


def test_a_hospital_left_empty_is_not_taken_for_a_pharmacy(tmp_path):
    """The same mapping, a 普通门诊 (med_type 11) row with an empty 医院等级: refused by the pharmacy's own rule."""
    with pytest.raises(AuditInputError, match=r"line 2, column med_type: a pharmacy settles med_type 41"):
        _run(tmp_path, [S1.replace(",1,H1,", ",,H1,")], PHARMACY)


def test_the_institutions_table_the_same(tmp_path):
    """The ledger names only the institution; the table (GBK, the vendor's headers renamed by the same map) leaves
    the pharmacy's 医院等级 empty."""
    rows = [r.replace(",1,H1,", ",H1,").replace(",,Y1,", ",Y1,") for r in (S1, S2)]
    table = tmp_path / "定点机构.csv"
    table.write_text("定点机构编码,机构名称,医院等级\nH1,市中心医院,1\nY1,大药房,\n", encoding="gbk")
    header = HEADER.replace("医院等级,", "")
    extra = '"定点机构编码" = "fixmedins_code"\n"机构名称" = "fixmedins_name"\n'

    def run(codes):
        ledger = tmp_path / "l.csv"
        ledger.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
        m = tmp_path / "m.toml"
        m.write_text(MAP.replace("[codes.hosp_lv]\n", extra + "[codes.hosp_lv]\n") + codes, encoding="utf-8")
        return audit([str(ledger)], "panzhihua", "panzhihua-example", mapping=(str(m),), write=False, workers=1,
                     institutions_file=str(table))
    with pytest.raises(AuditInputError) as e:
        run("")
    assert (e.value.file, e.value.row, e.value.column) == (str(table), 3, "医院等级 (hosp_lv)")
    assert '[codes.hosp_lv] "" = "pharmacy"' in e.value.detail
    code, s = run(PHARMACY)
    assert (code, s["discrepancies_by_field"]) == (0, {"act_pay_dedc": 0, "hifp_pay": 0}), s


@pytest.mark.parametrize("table", ["psn_type", "med_type"])
def test_an_empty_cell_in_another_code_table_is_refused_at_map_load(tmp_path, table):
    m = tmp_path / "m.yaml"
    m.write_text(json.dumps({"codes": {table: {"": "11" if table == "med_type" else "1101"}}}), encoding="utf-8")
    with pytest.raises(AuditInputError, match=rf'\[codes.{table}\]: "" \(an empty cell\) is mapped only in '
                                              r"\[codes.hosp_lv\]"):
        load_mapping([str(m)])
