"""The run's closing lines (stdout) repeat the warning the progress line gave (stderr) and the report puts before
every figure: a year the ledger holds from after January, with persons given no opening totals (ytd) for it — so
whoever reads only the end of a CI log sees it.

攀枝花 第七条 (在职职工: 起付线 200 元 a natural year; 三级 50%): the ledger holds 2023 from 2023-03-06.
  A M1 2023-03-06, 400.00 in scope; A's totals before that day taken as 0 (A-AUDIT-YTD-FROM-LEDGER): 200.00 to the
    deductible, (400.00 − 200.00) × 50% = 100.00 — as recorded.
  B M2 2023-03-20, 300.00 in scope; B's ytd for 2023 given (deductible 200.00 met, fund 50.00): 300.00 × 50% =
    150.00 — as recorded.
Clean (exit 0); of the 2 persons with a settlement in 2023, 1 (A) has no ytd for it.
"""
from __future__ import annotations

import json

from click.testing import CliRunner

from conform.harness.cli import main

HEADER = "setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,inscp_scp_amt,act_pay_dedc,hifp_pay,pool_prop_selfpay"
M1 = "M1,A,1101,2023-03-06,11,tertiary,400.00,400.00,200.00,100.00,0.5000"
M2 = "M2,B,1101,2023-03-20,11,tertiary,300.00,300.00,0.00,150.00,0.5000"
B_YTD = {"psn_no": "B", "ytd": {"year": 2023, "ordinary_dedc": "200.00", "ordinary_pay": "50.00"}}
WARNING = ("注意 note: 清单 2023 年的结算自 2023-03-06 起，此前的结算不在清单中：1 人（共 2 人）未在人员信息中给出 2023 年的"
           "年初累计 ytd，其此前的起付线和统筹支付累计按 0 计（A-AUDIT-YTD-FROM-LEDGER）；若此前已有结算，其差异可能并不存在。"
           "请一并给出该年度此前各月的清单，或在 --persons 中给出每人的 ytd (the ledger holds 2023 from 2023-03-06; 1 "
           "persons without ytd for it are taken to have no earlier totals)")


def _audit(tmp_path, rows, persons):
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    pfile = tmp_path / "persons.jsonl"
    pfile.write_text("".join(json.dumps(p) + "\n" for p in persons), encoding="utf-8")
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "panzhihua", "--region", "panzhihua-example",
                                  "--persons", str(pfile), "--out", str(tmp_path / "out"), "--workers", "1"])
    assert r.exit_code == 0, r.output
    return r


def test_the_closing_lines_repeat_the_partial_year_warning(tmp_path):
    r = _audit(tmp_path, [M1, M2], [{"psn_no": "A"}, B_YTD])
    closing = r.stdout.splitlines()
    assert len(closing) == 3 and closing[0].startswith("稽核完成：2 行，2 人，差异 0 项") and closing[1].startswith("audit: 2 rows")
    assert closing[2] == WARNING
    assert f"  {WARNING}" in r.stderr.splitlines()  # the progress line said the same


def test_nothing_is_repeated_when_every_person_has_the_year_s_ytd(tmp_path):
    a_ytd = {"psn_no": "A", "ytd": {"year": 2023, "ordinary_dedc": "0.00", "ordinary_pay": "0.00"}}
    r = _audit(tmp_path, [M1, M2], [a_ytd, B_YTD])
    assert len(r.stdout.splitlines()) == 2 and "注意" not in r.output
