"""The audit's 地区配置 row treats the --region file as the conformance run's certification record does
(certify.region_record): a real region is said to be real, its own document (`source:`) and its name are shown, even
given by path, and a label saying 虚构 makes it a fictitious example (probe s23 M, finding 5).

Ledger by hand (攀枝花 第七条, retiree 1201 at 二级 65%, deductible 150): 400.00 in scope;
(400 − 150) × 65% = 162.50 paid by the fund; the person pays 400 − 162.50 = 237.50.
"""
from __future__ import annotations

import json

from click.testing import CliRunner
from openpyxl import load_workbook

from conform.harness.cli import main
from conform.reference.policy import REGION_DIR

HEADER = ("setl_id,psn_no,psn_type,setl_date,med_type,facility,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,"
          "preselfpay_amt,hifp_pay,psn_part_amt")
EXAMPLE_LABEL = "攀枝花市示例参数（示例配置，虚构/非真实数据）"


def _city(tmp_path, label: str, source: str = "") -> str:
    """The shipped example's figures as a city's own file (not an example), under `label`, with `source`."""
    text = (REGION_DIR / "panzhihua-example.yaml").read_text(encoding="utf-8")
    assert EXAMPLE_LABEL in text
    text = (text.replace("example: true", "example: false").replace("name: panzhihua-example", "name: pzh-city")
            .replace(EXAMPLE_LABEL, label))
    city = tmp_path / "regions" / "city.yaml"
    city.parent.mkdir(exist_ok=True)
    city.write_text(text.replace("\nvalues:", f"\n{source}values:", 1) if source else text, encoding="utf-8")
    return str(city)


def _audit(tmp_path, region: str) -> tuple[dict, str, str]:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(f"{HEADER}\nT1,P9,1201,2023-05-04,11,secondary,400.00,0,0,0,162.50,237.50\n", encoding="utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["audit", str(ledger), "--policy", "panzhihua", "--region", region, "--out", str(out)])
    assert r.exit_code == 0, r.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    sheet = dict(load_workbook(out / "audit.xlsx")["概要"].iter_rows(min_row=2, values_only=True))["地区配置 region"]
    return summary, sheet, (out / "audit.html").read_text(encoding="utf-8")


SOURCE = ("source:\n  document: 攀枝花市某区职工门诊共济实施细则\n  number: 攀医保发〔2022〕15号\n"
          "  date: \"2022-12-20\"\n")


def test_a_real_region_given_by_path_is_named_said_real_and_cites_its_own_document(tmp_path):
    city = _city(tmp_path, "攀枝花市某区", SOURCE)
    summary, sheet, page = _audit(tmp_path, city)
    assert summary["region_name"] == "pzh-city" and summary["region_fictitious"] is False
    assert summary["region_source"]["number"] == "攀医保发〔2022〕15号"
    for said in (sheet, page):
        assert "pzh-city 攀枝花市某区（非示例：按本文件数值审核 real figures, as in this file）" in said
        assert "出处 source 攀枝花市某区职工门诊共济实施细则（攀医保发〔2022〕15号） 2022-12-20" in said
        assert "虚构" not in said.split("地区配置数值")[0].split("pzh-city", 1)[1].split("SHA-256")[0]
    assert sheet.count(city) == 1  # the file named once


def test_a_label_saying_fictitious_makes_the_region_fictitious_as_in_the_certification_record(tmp_path):
    from conform.harness.report.certify import region_record as _region

    city = _city(tmp_path, "攀枝花市（虚构测试）")
    assert _region(city, check=False)["fictitious"] is True  # the conformance run's record
    summary, sheet, page = _audit(tmp_path, city)
    assert summary["region_example"] is False and summary["region_fictitious"] is True
    for said in (sheet, page):
        assert "示例，数值虚构 fictitious example" in said
        assert "非示例" not in said


def test_a_shipped_example_keeps_its_note_and_is_never_said_real(tmp_path):
    summary, sheet, page = _audit(tmp_path, "panzhihua-example")
    assert summary["region_fictitious"] is True
    for said in (sheet, page):
        assert "示例配置：数值为虚构" in said and "非示例" not in said


def test_the_region_files_own_text_is_escaped_in_the_page(tmp_path):
    hostile = ("source:\n  document: \"<script>alert(1)</script>\"\n  number: \"=HYPERLINK(1)\"\n"
               "  url: \"https://example.org/?a=<i>x</i>\"\n")
    city = _city(tmp_path, "<b>区</b>", hostile)
    summary, sheet, page = _audit(tmp_path, city)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>区</b>" not in page and "&lt;b&gt;区&lt;/b&gt;" in page
    assert "<i>x</i>" not in page and "https://example.org/?a=&lt;i&gt;x&lt;/i&gt;" in page
    assert "<script>alert(1)</script>（=HYPERLINK(1)）" in sheet and not sheet.startswith(("=", "+", "-", "@"))
