"""The report a regulator reads, from a defective twin's real run: causes first, the law beside the
verdict, the hand-worked figures, Chinese throughout, and a certification record that checks out.

The twin `deductible_per_visit` counts 攀枝花 第七条's deductible per visit instead of per natural
year, so every scenario with a second visit in a year gets a wrong 本次起付线 (act_pay_dedc); the
report must say so once, as a cause, before listing the symptoms.
"""
from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook
from sample_server import SampleServer

from conform.harness.report import write_reports
from conform.harness.run import execute_detailed, gate
from conform.reference.policy import load_policy

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
WORD = re.compile(r"[A-Za-z]{3,}")
# Text that is data, not a label: paths, identifiers, field names, digests, URLs, versions, ids.
# identifiers, not labels: paths, URLs, digests, and a named reading's id (A-PERSON-TYPES: the 依据 of a trace step that
# rests on the reading alone; the 假设 table explains it in Chinese)
DATA = re.compile(r"^(?:[\w./:@+-]*[/_.:@\d][\w./:@+-]*|https?://\S+|[0-9a-f]{12,}…?|SHA-256|HTTP|JSON|conform|"
                  r"A-[A-Z0-9]+(?:-[A-Z0-9]+)*)$")
ENGLISH_ENUMS = {"passed", "failed", "error", "not_applicable", "skipped", "scenario", "property", "tested",
                 "untestable", "pending", "missing", "unknown", "not_run", "conformant", "non-conformant"}


@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    out = tmp_path_factory.mktemp("twin")
    config = out / "conform.toml"
    config.write_text('[system]\nname = "某市医保结算系统（示例）"\nversion = "3.2.1"\n', encoding="utf-8")
    with SampleServer(defect="deductible_per_visit") as server:
        ex = execute_detailed(adapter=server.url, config=str(config), policies=("panzhihua",),
                              tag="not conform_property")
    code, reason = gate(ex.run, ex.pytest_code)
    written = write_reports(ex.run, out / "report", gate={"exit_code": code, "reason": reason})
    data = json.loads(written["json"].read_text(encoding="utf-8"))
    return written, data


def test_causes_group_the_symptoms_and_come_first(twin):
    written, data = twin
    failed = [c for c in data["checks"] if c["status"] == "failed"]
    assert len(failed) > 5
    causes = data["causes"]
    assert {"field", "step", "articles", "checks", "count"} <= set(causes[0])
    # every failure is explained by exactly one cause
    assert sorted(i for k in causes for i in k["checks"]) == sorted(c["id"] for c in failed)
    top = causes[0]
    assert (top["field"], top["step"]) == ("act_pay_dedc", "起付线") and top["count"] > 1
    assert "panzhihua-7" in top["articles"] and top["count"] == len(top["checks"])
    page = written["html"].read_text(encoding="utf-8")
    assert page.index('id="causes"') < page.index('id="documents"') < page.index('id="failures"')
    # the headline names the fields its checks first differ on at that step (a scenario stating only 统筹基金支付
    # after a deductible counted per visit adds hifp_pay): the deductible first
    assert re.search(r"本次起付线（act_pay_dedc）(、[^在]*)?在“起付线”一步不符", page)
    sheet = load_workbook(written["xlsx"])["原因汇总"]
    first = [c.value for c in sheet[2]]
    assert first[2] == "act_pay_dedc" and first[8] == top["count"]


def test_article_text_and_hand_worked_figures_stand_beside_the_verdict(twin):
    written, data = twin
    page = written["html"].read_text(encoding="utf-8")
    seventh = load_policy("panzhihua").articles["7"].text
    row = page[page.index('id="a-panzhihua-7"'):]
    assert seventh.splitlines()[1][:30] in row[:20000]  # the article's own words, in its matrix row
    failed = next(c for c in data["checks"] if c["status"] == "failed" and c["worked"])
    section = page[page.index(f'id="{failed["id"]}"'):]
    worked = section.index("按条文手工计算")
    assert worked < section.index("应为与实际") < section.index("参考实现的计算")
    assert failed["worked"][0] in section  # the feature file's own arithmetic comment
    ws = load_workbook(written["xlsx"])["失败详情"]
    header = [c.value for c in ws[1]]
    col = header.index("手工计算 Worked by hand")
    assert any(r[col] for r in ws.iter_rows(min_row=2, values_only=True))
    matrix = load_workbook(written["xlsx"])["条款矩阵"]
    text_col = [c.value for c in matrix[1]].index("条文 Text")
    assert any(r[text_col] == seventh for r in matrix.iter_rows(min_row=2, values_only=True))


def test_certification_record_names_the_system_the_rules_and_the_files(twin):
    written, data = twin
    cert = data["certification"]
    assert (cert["system_name"], cert["system_version"]) == ("某市医保结算系统（示例）", "3.2.1")
    assert re.fullmatch(r"[0-9a-f]{64}", cert["ruleset_sha256"]) and cert["ruleset_files"] > 10
    assert cert["project_version"] and "样例" in cert["seed_words"] or "种子" in cert["seed_words"]
    listed = {e["file"]: e["sha256"] for e in data["manifest"]}
    assert set(listed) == {"report.html", "report.xlsx", "junit.xml"}
    for name, digest in listed.items():
        assert hashlib.sha256((written["json"].parent / name).read_bytes()).hexdigest() == digest
    lines = written["manifest"].read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4 and any(line.endswith("  results.json") for line in lines)
    for line in lines:
        digest, name = line.split("  ")
        assert hashlib.sha256((written["json"].parent / name).read_bytes()).hexdigest() == digest
    page = written["html"].read_text(encoding="utf-8")
    assert "某市医保结算系统（示例）" in page and cert["ruleset_sha256"] in page


class _Texts(HTMLParser):
    """Text nodes with the elements around them (stdlib parser; the report is our own, well-formed)."""

    SKIP = {"script", "style", "code", "pre", "title"}
    VOID = {"meta", "br", "input", "img", "hr", "link", "rect"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str, str]] = []
        self.found: list[tuple[str, list[tuple[str, str, str]]]] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            a = dict(attrs)
            self.stack.append((tag, a.get("class") or "", a.get("id") or ""))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if data.strip():
            self.found.append((data.strip(), list(self.stack)))


def english_only_labels_in_html(page: str) -> list[str]:
    p = _Texts()
    p.feed(page)
    bad = []
    for text, stack in p.found:
        tags = {t for t, _, _ in stack}
        classes = " ".join(c for _, c, _ in stack).split()
        ids = {i for _, _, i in stack}
        if tags & _Texts.SKIP or "en" in classes or "developer" in ids or "where" in classes:
            continue  # code and field names; the English second line; developer settings; locations
        if CJK.search(text) or not WORD.search(text):
            continue
        if all(DATA.match(tok) for tok in re.split(r"[\s,;=·|()（）]+", text) if WORD.search(tok)):
            continue
        bad.append(text)
    return bad


def test_html_has_no_english_only_label(twin):
    written, _ = twin
    bad = english_only_labels_in_html(written["html"].read_text(encoding="utf-8"))
    assert not bad, bad[:20]


def test_the_scan_finds_an_english_only_label():
    assert english_only_labels_in_html("<table><tr><th>Result</th><td>passed</td></tr></table>") == ["Result", "passed"]
    assert english_only_labels_in_html('<th>结果 <span class="en">Result</span></th><td><code>hifp_pay</code></td>') == []


def test_workbook_has_no_english_only_label_and_one_document_name(twin):
    written, data = twin
    wb = load_workbook(written["xlsx"])
    bad = []
    documents = set()
    for ws in wb.worksheets:
        header_row = 1
        if ws.title == "概要":  # the facts block, then the per-document table
            header_row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "文件 Document")
            for r in range(1, header_row - 1):
                key = ws.cell(r, 1).value
                if key and not CJK.search(str(key)):
                    bad.append(f"{ws.title}!A{r}: {key}")
        header = [c.value for c in ws[header_row]]
        for j, h in enumerate(header, 1):
            if h and not CJK.search(str(h)):
                bad.append(f"{ws.title} header {h}")
        for row in ws.iter_rows(min_row=header_row + 1, values_only=True):
            for h, v in zip(header, row):
                if isinstance(v, str) and v.strip().lower() in ENGLISH_ENUMS:
                    bad.append(f"{ws.title} {h}: {v}")
                if h in ("文件 Document",) and v:
                    documents.add(v)
                if h and str(h).split()[0] in ("结果", "类型", "覆盖", "结论", "条款", "步骤", "原因") and v \
                        and isinstance(v, str) and not CJK.search(v):
                    bad.append(f"{ws.title} {h}: {v}")
    assert not bad, bad[:20]
    assert documents == {"攀枝花"}  # the same Chinese name on every sheet, so one filter value finds it


def test_nanchang_is_marked_a_consultation_draft_wherever_its_verdict_shows(tmp_path):
    from report_samples import sample_run

    run = sample_run(hostile=False)
    for c in run.checks:
        c.policy, c.articles = "nanchang", ["nanchang-4.2.1"]
    run.selection = {"policies": ["nanchang"]}
    written = write_reports(run, tmp_path)
    page = written["html"].read_text(encoding="utf-8")
    assert "南昌（征求意见稿）" in page and "南昌</b>" not in page
    wb = load_workbook(written["xlsx"])
    shown = []
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for j, v in enumerate(row):
                header = ws.cell(1, j + 1).value or ""
                if isinstance(v, str) and "南昌" in v and (str(header).startswith(("文件", "适用文件"))
                                                          or ws.title == "概要"):
                    shown.append(v)
    assert len(shown) >= 5  # 概要, 场景明细, 失败详情, 属性测试, 假设 …
    assert all("征求意见稿" in v for v in shown), shown


def test_baseline_incomplete_and_property_sections_have_no_english_only_label():
    from report_samples import sample_run

    from conform.harness.report import html, model

    run = sample_run(hostile=False)
    run.checks[-1].message = "年度统筹支付 1000.01 超过最高支付限额 1000.00"
    run.baseline = {"file": "old.json", "run_id": "r0", "known": ["t.py::test_fail"],
                    "regressions": ["t.py::test_error"], "fixed": [], "missing": ["gone.py::x"]}
    run.incomplete = run.unreachable = True
    page = html.render(model.build(run, {"exit_code": 3, "reason": "被测系统不可达 system under test unreachable"}))
    assert 'id="baseline"' in page and 'id="incomplete"' in page and 'id="properties"' in page
    assert english_only_labels_in_html(page) == []


def test_the_cause_is_the_field_computed_first_even_when_its_figure_is_zero():
    from conform.harness.report.causes import group

    # 攀枝花 第七条: a second visit after the year's 200.00 deductible is used up counts 0.00 against it,
    # so (500 − 0) × 50% = 250.00 from the fund; a system that counts the deductible per visit takes
    # 200.00 again and pays (500 − 200) × 50% = 150.00. The wrong deductible is the cause.
    trace = [{"step": "起付线", "detail": "本次计入起付线 0.00元", "clause": "攀枝花 第七条", "value": "0.00"},
             {"step": "支付比例", "detail": "(500.00 − 0.00) × 50% = 250.00元", "clause": "攀枝花 第七条", "value": "250.00"}]
    check = {"id": "c1", "status": "failed", "articles": ["panzhihua-7"], "path": "features/x.feature",
             "document": "攀枝花", "trace": trace, "message": "",
             "mismatches": [{"field": "hifp_pay", "expected": "250.00", "actual": "150.00", "item": "V2", "label": "统筹基金支付"},
                            {"field": "act_pay_dedc", "expected": "0.00", "actual": "200.00", "item": "V2", "label": "本次起付线"}]}
    [cause] = group([check], {})
    assert (cause["field"], cause["step"], cause["clause"]) == ("act_pay_dedc", "起付线", "攀枝花 第七条")
