"""Rows without insuplc_admdvs among coded ones are counted (raudit2 Q2): a blank 参保地 is audited as the region's own
insured person, and a regulator is told how many rows that is — in the several-cities refusal (which counted only
the coded rows) and, with --admdvs, in a console note.

Figures by hand, 攀枝花 第七条 (panzhihua-example; in-service, deductible 200.00 a natural year, 三级 50%):
  each person's one settlement: 600.00 in scope, 200.00 to the deductible, (600.00 − 200.00) × 50% = 200.00.
  C (insured in 510100, 成都) is left out by --admdvs 510400; A, B (blank) and D are audited: 3 rows, clean.
"""
from __future__ import annotations

import pytest

from conform.audit.errors import AuditInputError
from conform.audit.run import audit

HEADER = "setl_id,psn_no,psn_type,setl_time,med_type,facility,medfee_sumamt,act_pay_dedc,hifp_pay,insuplc_admdvs"
ROWS = [f"S{p},{p},1101,2023-03-0{i + 1} 10:00:00,11,tertiary,600.00,200.00,200.00,{adm}"
        for i, (p, adm) in enumerate([("A", "510402"), ("B", ""), ("C", "510104"), ("D", "510411")])]


def _run(tmp_path, **kw):
    p = tmp_path / "l.csv"
    p.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    said: list[str] = []
    code, s = audit([str(p)], "panzhihua", "panzhihua-example", write=False, workers=1, progress=said.append, **kw)
    return code, s, said


def test_the_several_cities_refusal_counts_the_blank_rows(tmp_path):
    with pytest.raises(AuditInputError, match=r"insuplc_admdvs by city: 510400: 2 rows; 510100: 1 rows; 1 row without "
                                              r"insuplc_admdvs, taken as local;"):
        _run(tmp_path)


def test_with_admdvs_the_blank_rows_are_audited_as_local_and_said(tmp_path):
    code, s, said = _run(tmp_path, admdvs="510400")
    assert (code, s["rows_read"], s["rows_skipped"]) == (0, 4, 1)
    assert [n for n in said if "insuplc_admdvs (参保地医保区划)" in n] == [
        "注意 note: 1 row without insuplc_admdvs (参保地医保区划), taken as the region's own insured persons (local)"
        "（1 行没有参保地医保区划，按本地参保人员审核）"]
