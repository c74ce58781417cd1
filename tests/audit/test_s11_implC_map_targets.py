"""--map and the platform's fields the audit does not read; one map for months with 结算时间 and months with 结算日期
(raudit2 D6).

A regulator's map is written once for the platform's export and names every column. `险种类型 = "insutype"` (the
docs' own [skip] field) or `姓名 = "psn_name"` was refused ("not a ledger column; did you mean psn_type?" — a wrong
target); such a platform field is now accepted and not read, whether or not the month's file has the column. A map
naming both 结算时间 and 结算日期 serves months exported with only the date: the absent time column is said, not
refused (the date orders the rows, A-AUDIT-ORDER). A mistyped target is still refused, and a missing source names
the first file and how many more, not every path.

Figures by hand, 攀枝花 第七条 (panzhihua-example; in-service, deductible 200.00 a natural year, 三级 50%):
  S1 (A) 600.00 in scope: 200.00 to the deductible, (600.00 − 200.00) × 50% = 200.00; S2 (B) the same.
"""
from __future__ import annotations

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.mapping import load_mapping
from conform.audit.run import audit

MAP = ('[columns]\n"结算ID" = "setl_id"\n"人员编号" = "psn_no"\n"姓名" = "psn_name"\n"险种类型" = "insutype"\n'
       '"结算时间" = "setl_time"\n"结算日期" = "setl_date"\n')


def _run(tmp_path, header, rows, names=("202303.csv",)):
    paths = []
    for n in names:
        p = tmp_path / n
        p.write_text("\n".join([header, *rows]) + "\n", encoding="gbk")
        paths.append(str(p))
    m = tmp_path / "映射.toml"
    m.write_text(MAP, encoding="utf-8")
    said: list[str] = []
    code, s = audit(paths, "panzhihua", "panzhihua-example", mapping=(str(m),), write=False, workers=1,
                    progress=said.append)
    return code, s, said


def test_platform_fields_the_audit_does_not_read_are_accepted(tmp_path):
    header = "结算ID,人员编号,姓名,险种类型,psn_type,结算时间,med_type,facility,medfee_sumamt,act_pay_dedc,hifp_pay"
    rows = ["S1,A,张三,310,1101,2023-03-01 10:00:00,11,tertiary,600.00,200.00,200.00",
            "S2,B,李四,310,1101,2023-03-02 10:00:00,11,tertiary,600.00,200.00,200.00"]
    code, s, said = _run(tmp_path, header, rows)
    assert (code, s["rows_read"], s["discrepancies_by_field"]) == (0, 2, {"act_pay_dedc": 0, "hifp_pay": 0})
    # the time column is there: nothing said of the absent 结算日期 (its date is setl_time's)
    assert [n for n in said if "--map" in n] == []


def test_a_month_with_the_date_only_is_read_by_the_same_map(tmp_path):
    header = "结算ID,人员编号,psn_type,结算日期,med_type,facility,medfee_sumamt,act_pay_dedc,hifp_pay"
    rows = ["S1,A,1101,2023/3/1,11,tertiary,600.00,200.00,200.00", "S2,B,1101,2023/3/2,11,tertiary,600.00,200.00,200.00"]
    code, s, said = _run(tmp_path, header, rows)
    assert (code, s["discrepancies_by_field"]) == (0, {"act_pay_dedc": 0, "hifp_pay": 0})
    assert [n for n in said if "--map" in n] == ["注意 note: --map 结算时间=setl_time: no ledger file has a column "
                                                 "'结算时间'; setl_date is read instead（同一天内的先后按导出顺序，A-AUDIT-ORDER）"]


def test_a_mistyped_target_is_still_refused_and_a_platform_field_suggested(tmp_path):
    m = tmp_path / "m.toml"
    m.write_text('[columns]\n"险种类型" = "insutyp"\n', encoding="utf-8")
    with pytest.raises(AuditInputError, match=r"'insutyp' is not a ledger column; did you mean insutype\?"):
        load_mapping([str(m)])
    assert load_mapping(["XZLX=INSUTYPE"]).columns == {"XZLX": "insutype"}


def test_a_missing_source_names_the_first_file_and_how_many_more(tmp_path):
    header = "结算ID,人员编号,psn_type,结算时间,med_type,facility,medfee_sumamt,act_pay_dedc,统筹支付"
    rows = ["S1,A,1101,2023-03-01 10:00:00,11,tertiary,600.00,200.00,200.00"]
    with pytest.raises(AuditInputError, match=r"--map 统筹基金支付=hifp_pay: no ledger file has a column '统筹基金支付', "
                                              r"nor 'hifp_pay'; did you mean '统筹支付'") as e:
        paths = []
        for n in ("01.csv", "02.csv", "03.csv"):
            p = tmp_path / n
            p.write_text("\n".join([header, rows[0].replace("S1", f"S{n[:2]}")]) + "\n", encoding="utf-8")
            paths.append(str(p))
        audit(paths, "panzhihua", "panzhihua-example", mapping=("结算ID=setl_id", "人员编号=psn_no", "结算时间=setl_time",
              "统筹基金支付=hifp_pay"), write=False, workers=1)
    assert e.value.file == f"{tmp_path / '01.csv'} (and 2 more files)"
