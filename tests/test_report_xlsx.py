"""report.xlsx: the sheets a regulator reads, numbers as numbers, and no formula from a system under test."""
from __future__ import annotations

import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from report_samples import FORMULAS, SCRIPT, sample_run

from conform.harness.report import model, xlsx
from conform.reference.policy import load_policy

SHEETS = ["概要", "原因汇总", "条款矩阵", "场景明细", "失败详情", "属性测试", "假设", "开发者设置"]


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("xlsx") / "report.xlsx"
    xlsx.write(model.build(sample_run()), path)
    return path


def rows(ws):
    return [[c.value for c in r] for r in ws.iter_rows()]


def test_sheets_in_order_with_frozen_headers_and_filters(book):
    wb = load_workbook(book)
    assert wb.sheetnames == SHEETS
    for name in SHEETS[1:]:
        ws = wb[name]
        assert ws.freeze_panes == "A2", name
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), name
        assert ws.cell(1, 1).font.bold, name
        assert ws.column_dimensions["A"].width >= 8, name


def test_summary_states_the_verdict_and_each_document(book):
    ws = load_workbook(book)["概要"]
    values = rows(ws)
    assert values[0][:2] == ["结论 Verdict", "不合格 non-conformant"]
    assert ws.cell(1, 2).fill.fgColor.rgb.endswith("FFC7CE")  # red
    doc = next(r for r in values if r[0] == "攀枝花")
    assert doc[3] == "不合格"
    # 5 checks: passed, failed, error, not applicable (scenarios) + 1 failed property
    assert doc[4:9] == [5, 1, 2, 1, 1]


def test_article_matrix_has_every_article_of_the_document(book):
    ws = load_workbook(book)["条款矩阵"]
    body = rows(ws)[1:]
    articles = load_policy("panzhihua").articles
    assert [r[1] for r in body] == list(articles)
    seventh = next(r for r in body if r[1] == "7")
    assert seventh[2] == "第七条" and seventh[5] == "失败 failed"
    assert seventh[6:9] == [1, 1, 0]           # scenarios passed, failed, errored
    assert seventh[12] == 1                     # one failing property
    eighth = next(r for r in body if r[1] == "8")
    assert eighth[5] == "错误 error"
    first = next(r for r in body if r[1] == "1")
    assert first[5] == "不可测试 untestable" and first[13]  # the reason is given
    fill = ws.cell(row=body.index(seventh) + 2, column=6).fill.fgColor.rgb
    assert fill.endswith("FFC7CE")


def test_failures_are_field_by_field_with_amounts_as_numbers(book):
    ws = load_workbook(book)["失败详情"]
    header, *body = rows(ws)
    assert header[6:11] == ["字段 Field", "字段名 Label", "应为 Expected", "实际 Actual", "差额 Difference"]
    row_index = next(i for i, r in enumerate(body) if r[6] == "hifp_pay")
    r = body[row_index]
    assert r[5] == "V1" and r[7] == "统筹基金支付"
    # (1000 − 200) × 50% = 400.00 expected; the system paid 480.00; difference 80.00
    assert (r[8], r[9], r[10]) == (400, 480, 80)
    cell = ws.cell(row=row_index + 2, column=9)
    assert cell.data_type == "n" and cell.number_format == "0.00"
    ratio = ws.cell(row=next(i for i, r in enumerate(body) if r[6] == "pool_prop_selfpay") + 2, column=10)
    assert Decimal(str(ratio.value)) == Decimal("0.6") and ratio.number_format == "0.00%"
    error = next(r for r in body if r[4] == "错误 error")
    assert SCRIPT in error[11]


def test_text_from_the_system_is_never_a_formula(book):
    wb = load_workbook(book)
    ws = wb["失败详情"]
    found = {}
    for row in ws.iter_rows(min_row=2):
        if row[6].value == "psn_part_amt":
            found[row[9].value] = row[9]
    assert set(found) == set(FORMULAS)  # stored exactly as sent, '-2' included (not a number either)
    for text, cell in found.items():
        assert cell.data_type == "s", text
        assert cell.quotePrefix, text
    # and in the file itself: no <f> element anywhere (openpyxl would write one for a formula)
    with zipfile.ZipFile(book) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode("utf-8"), name


def test_properties_sheet_carries_counterexample_seed_and_examples(book):
    _, *body = rows(load_workbook(book)["属性测试"])
    assert len(body) == 1
    r = body[0]
    assert r[3] == "年度统筹支付不超过最高支付限额" and r[4] == "失败 failed"
    assert (r[5], r[6]) == (12345, 200)
    assert r[7].startswith("@panzhihua @panzhihua-7\n场景: 反例")


def test_assumptions_sheet_lists_the_policy_files_assumptions(book):
    body = rows(load_workbook(book)["假设"])[1:]
    ids = {r[0] for r in body}
    assert ids == set(load_policy("panzhihua").assumptions)
    rounding = next(r for r in body if r[0] == "A-ROUND-FEN")
    assert "四舍五入" in rounding[2] and rounding[1] == "攀枝花"


def test_control_characters_from_a_system_do_not_break_the_workbook(tmp_path):
    run = sample_run()
    run.checks[1].message = "bad\x00\x1b[31mtext"
    path = xlsx.write(model.build(run), tmp_path / "r.xlsx")
    values = [c.value for r in load_workbook(path)["场景明细"].iter_rows() for c in r]
    assert "bad\ufffd\ufffd[31mtext" in values


WENHAO = r"^[\u4e00-\u9fff]+〔\d{4}〕\d+号$"   # 吉医保联〔2022〕22号, 京政办发〔2022〕8号


def test_number_column_holds_document_numbers_never_titles(tmp_path):
    """攀枝花, 南昌 and 浙江 were published without a 文号; their titles stood in the 文号 column."""
    import re

    from conform.reference.policy import POLICY_IDS

    run = sample_run(hostile=False)
    run.selection = {}
    path = xlsx.write(model.build(run), tmp_path / "r.xlsx")
    values = rows(load_workbook(path)["概要"])
    header = values.index(next(r for r in values if r[0] == "文件 Document"))
    numbers = {r[0]: r[2] for r in values[header + 1:] if r[0]}
    assert numbers["吉林"] == "吉医保联〔2022〕22号" and numbers["北京"] == "京政办发〔2022〕8号"
    assert numbers["攀枝花"] == numbers["浙江"] == numbers["南昌（征求意见稿）"] == "无文号"
    for pid in POLICY_IDS:
        number = load_policy(pid).number
        assert number == "无文号" or re.match(WENHAO, number), (pid, number)


def test_a_document_without_a_number_reads_as_such(monkeypatch):
    policy = load_policy("panzhihua")
    monkeypatch.setattr(policy, "number", "")
    doc = next(d for d in model.build(sample_run(hostile=False))["documents"] if d["id"] == "panzhihua")
    assert doc["number"] == "无文号"
