"""The certification record names the documents, the date and the region configurations the figures
came from, and says that a 合格 against the fictitious examples (吉林, 浙江 above all, frameworks whose
figures each 统筹区 sets) certifies those example figures, not a real 统筹区."""
from __future__ import annotations

import re

from openpyxl import load_workbook

from conform.harness.report import html, model, xlsx
from conform.harness.run import execute_detailed


def zhejiang_run():
    """A real run of 浙江 二（四） (its scenarios settle under 地区配置 "zhejiang-example"), scenarios only."""
    ex = execute_detailed(articles=("zhejiang-2.4",), tag="not conform_property")
    assert ex.run.checks and {c.status for c in ex.run.checks} <= {"passed", "not_applicable"}
    return ex.run


def test_record_names_the_fictitious_region_and_what_the_verdict_covers(tmp_path):
    run = zhejiang_run()
    data = model.build(run)
    cert = data["certification"]
    [region] = [r for r in cert["regions"] if r["name"] == "zhejiang-example"]
    assert region["fictitious"] and "虚构" in region["label"] and region["policy"] == "zhejiang"
    assert "浙江 是框架性文件" in cert["scope_note"] and "不证明被测系统符合任何真实统筹区" in cert["scope_note"]
    assert [d["id"] for d in cert["documents"]] == ["zhejiang"] and cert["documents"][0]["number"] == "无文号"
    assert cert["started"] == run.started

    page = html.render(data)
    record = page[page.index('id="certification"'):]
    assert "zhejiang-example" in record and "示例，数值虚构" in record
    assert "不证明被测系统符合任何真实统筹区" in record
    assert re.search(r'id="record-documents"><div>浙江：浙江省人民政府办公厅关于', record)
    assert run.started in record

    info = {r[0]: r[1] for r in load_workbook(xlsx.write(data, tmp_path / "r.xlsx"))["概要"]
            .iter_rows(values_only=True) if r[0]}
    assert "zhejiang-example" in info["地区配置 Region configurations"]
    assert "fictitious" in info["地区配置 Region configurations"]
    assert "不证明被测系统符合任何真实统筹区" in info["认证范围 What 合格 covers"]


def test_a_run_without_a_region_says_so():
    from report_samples import sample_run

    run = sample_run(hostile=False)
    run.checks = [c for c in run.checks if c.kind == "scenario"]   # no property: no example region drawn
    cert = model.build(run)["certification"]
    # no region sentence; what is said is the sample's not-applicable scenario (probe s24 W F1)
    assert cert["regions"] == [] and "地区配置" not in cert["scope_note"] and "示例" not in cert["scope_note"]
    assert cert["scope_note"].startswith("“合格”不涵盖 1 项不适用的检查")
    assert "未使用地区配置" in html.render(model.build(run))
