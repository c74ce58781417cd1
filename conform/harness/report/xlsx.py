"""report.xlsx for the regulator: 概要, 原因汇总, 条款矩阵, 场景明细, 失败详情, 属性测试, 假设, 开发者设置.

The 文件 column holds the same Chinese document name on every sheet (南昌 marked
征求意见稿), and 条款 holds exactly one article per row (the one violated, else
the first tagged; 全部条款 lists them all), so a filter on either is exact; 违反情形
says whether a failure violates it plainly or only under the readings it rests on.

Every sheet has a frozen, bold header row, an auto-filter and widths fitted to
the content; results are coloured. Amounts are stored as numbers formatted
0.00 (ratios 0.00%). Text is never a formula: every string cell is written
with data type 's', and one that begins with = + - @ also gets Excel's quote
prefix, so '=HYPERLINK(…)' from a system under test stays inert text.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from conform import atomic
from conform.sheets import HEADER_FILL, HEADER_FONT, Amount, cell_width, put_cell

from .model import (BASELINE_LABELS, FAILING, articles_under_readings, is_subset, selection_words, status_label,
                    violation_words)

FILLS = {
    "passed": "C6EFCE", "failed": "FFC7CE", "error": "FFD8A8", "not_applicable": "E7E6E6", "skipped": "E7E6E6",
    "untestable": "DDEBF7", "not_run": "F2F2F2", "partial": "FFF2CC", "blocked": "FFF2CC", "pending": "FFF2CC", "harness_error": "FFD8A8",
    "feature_error": "FFD8A8",
    "合格": "C6EFCE", "不合格": "FFC7CE", "未测试": "F2F2F2", "无法判定": "FFF2CC",
}
_LABEL_KEYS = {**{status_label(k): k for k in FILLS}, "合格": "合格", "不合格": "不合格", "未测试": "未测试",
               "无法判定": "无法判定"}
WRAP = Alignment(wrap_text=True, vertical="top")


def _sheet(wb: Workbook, title: str, headers: list[str], rows: Iterable[list[Any]], widths: dict[int, int] | None = None,
           status_col: int | None = None, wrap_cols: tuple[int, ...] = (), first: bool = False) -> Worksheet:
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    for j, h in enumerate(headers, 1):
        put_cell(ws, 1, j, h)
        c = ws.cell(row=1, column=j)
        c.fill, c.font = HEADER_FILL, HEADER_FONT
        c.alignment = Alignment(wrap_text=True, vertical="center")
    lengths = [cell_width(h) for h in headers]
    n = 1
    for i, row in enumerate(rows, 2):
        n = i
        for j, v in enumerate(row, 1):
            put_cell(ws, i, j, v)
            shown = v.value if isinstance(v, Amount) else v
            lengths[j - 1] = max(lengths[j - 1], cell_width(shown))
            if j in wrap_cols:
                ws.cell(row=i, column=j).alignment = WRAP
        if status_col:
            colour = FILLS.get(_status_key(row[status_col - 1]))
            if colour:
                ws.cell(row=i, column=status_col).fill = PatternFill("solid", fgColor=colour)
    for j, length in enumerate(lengths, 1):
        width = (widths or {}).get(j) or min(max(length + 2, 8), 60)
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(n, 2)}"
    _print_setup(ws, "1:1")
    return ws


def _print_setup(ws: Worksheet, title_rows: str) -> None:
    """Printed, a sheet is landscape, one page wide, with its header row repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = title_rows


def _status_key(label: Any) -> str:
    return _LABEL_KEYS.get(str(label or ""), "")


def _region_kind(r: dict) -> str:
    if r.get("error"):
        return "（无法读取或数值无效 failed to load or refused）"
    if r.get("fictitious"):
        return "（示例，数值虚构 fictitious example）"
    return "（非示例：按本文件数值认证 real figures, as in this file）"


def _region_detail(r: dict) -> str:
    """A region's file, SHA-256, uses and figures (key = value as written), one per line: what its 合格 refers to."""
    lines = [f"文件 file: {r.get('file') or r.get('ref') or r['name']}", f"SHA-256: {r.get('sha256') or '—'}"]
    if r.get("scenarios") or r.get("properties"):
        lines.append(f"用于 {r.get('scenarios', 0)} 个场景、{r.get('properties', 0)} 个属性检查 used by "
                     f"{r.get('scenarios', 0)} scenarios, {r.get('properties', 0)} property checks")
    source = r.get("source") or {}
    if source:
        lines.append("出处 source: " + " ".join(str(source[k]) for k in ("document", "number", "date", "url")
                                               if source.get(k)))
    if r.get("error"):
        lines.append(r["error"])
    cites = r.get("citations") or {}

    def cited(k: str) -> str:
        c = cites.get(k) or {}
        return (f"（{c.get('article', '')}" + (f" “{c['quote']}”" if c.get("quote") else "") + "）") if c else ""

    lines += [f"{k} = {v}{cited(k)}" for k, v in (r.get("values") or {}).items()]
    return "\n".join(lines)


def render(data: dict) -> Workbook:
    run = data["run"]
    wb = Workbook()
    short = {r["tag"]: f"{r['document']} {r['label']}" for r in data["matrix"]}  # unique across documents
    cert = data.get("certification") or {}

    def primary(c: dict) -> str:  # one article per row: the violated one, else the first tagged
        tags = c.get("failed_articles") or c["articles"]
        return short.get(tags[0], tags[0]) if tags else "未标注条款"

    def all_articles(c: dict) -> str:
        return "、".join(short.get(t, t) for t in c["articles"])

    def violation(c: dict) -> str:  # beside the 条款 column (kept one exact article for the filter): how it fails
        said = violation_words(c)
        return f"{said}（{'、'.join(c.get('assumptions') or [])}）" if articles_under_readings(c) else said

    # 概要 — the header facts, then one row per document
    info = [
        ["结论 Verdict", f"{data['verdict']} {data['verdict_en']}"],
        ["被测系统名称 System name", cert.get("system_name") or "未在配置文件 [system] 中声明 not declared"],
        ["被测系统版本 System version", cert.get("system_version") or "未声明 not declared"],
        ["被测系统地址 System address", run["system"]],
        ["政策文件 Documents", "、".join(d.get("label") or d["short"] for d in data["documents"])],
        ["地区配置 Region configurations", "\n".join(
            f"{r['name']}" + (f"（{r['document']}）" if r["document"] else " ") + r["label"] + _region_kind(r)
            for r in cert.get("regions") or []) or "未使用地区配置 none"],
        *[[f"地区配置 {r['name']} 文件与数值 file and figures", _region_detail(r)] for r in cert.get("regions") or []],
        *([["用于验证拒绝的地区配置 Refused on purpose", "只出现在验证其被拒绝的场景中，没有任何结算按其数值计算 only scenarios "
            "checking that they are refused name these; nothing was settled under them\n" + "\n".join(
                f"{r['name']} {r['label']} {r.get('file') or r.get('ref', '')} SHA-256 {r.get('sha256') or '—'}"
                for r in cert["regions_refused"])]] if cert.get("regions_refused") else []),
        *([["认证范围 What 合格 covers", cert["scope_note"]]] if cert.get("scope_note") else []),
        ["运行编号 Run id", run["run_id"]],
        ["开始 Started", run["started"]],
        ["结束 Finished", run["finished"]],
        ["规则集摘要 Rule set SHA-256", f"{cert.get('ruleset_sha256', '')}（"
         f"{cert.get('ruleset_words') or str(cert.get('ruleset_files', 0)) + ' 个文件 files'}）"],
        ["项目版本 conform version", run["harness_version"]],
        ["代码提交 Commit", cert.get("git_commit") or "不可用 not available"],
        ["运行方式 Profile", cert.get("profile_words") or "—"],
        ["随机样例 Seed", cert.get("seed_words") or "—"],
        ["报告文件摘要 Report digests", "见同目录 manifest.sha256 see manifest.sha256"],
        ["原因 Causes", len(data.get("causes") or [])],
        ["选择 Selection", selection_words(run.get("selection"),
                                           {d["id"]: d.get("label") or d["short"] for d in data["documents"]})],
        ["检查项 Checks", f"{run['completed']} / {run['planned'] or run['completed']}"],
        ["完整性 Completeness", "未完成 incomplete" if run["incomplete"] else
         "所选范围已运行完，未覆盖全部条款（见条款矩阵“部分运行”“未运行”）complete for the selection only, "
         "not every article" if is_subset(run.get("selection")) else "完整 complete"],
        ["系统可达 Reachable", "否 unreachable" if run["unreachable"] else "是 yes"],
    ]
    if data["baseline"]:
        b = data["baseline"]
        info += [["基线 Baseline", f"{b.get('file', '')} ({b.get('run_id', '')})"],
                 ["新增失败 Regressions", len(b.get("regressions", []))],
                 ["已知失败 Known failures", len(b.get("known", []))],
                 ["已修复 Fixed", len(b.get("fixed", []))]]
    if data.get("gate"):
        info.append(["退出码 Exit code", f"{data['gate'].get('exit_code')} {data['gate'].get('reason', '')}"])
    for note in run["notes"]:
        info.append(["说明 Note", note])
    doc_rows = [[d.get("label") or d["short"], d["title"], d["number"], d["verdict"], d["checks"], d["counts"]["passed"],
                 d["counts"]["failed"], d["counts"]["error"], d["counts"]["not_applicable"], d["properties"],
                 d["articles"], d["articles_tested"], d["articles_untestable"], d["articles_pending"],
                 d["articles_failing"]] for d in data["documents"]]
    ws = _sheet(wb, "概要", ["文件 Document", "标题 Title", "文号 Number", "结论 Verdict", "检查 Checks", "通过 Passed",
                             "失败 Failed", "错误 Errors", "不适用 N/A", "属性 Properties", "条款 Articles",
                             "已测试 Tested", "不可测试 Untestable", "待定 Pending", "不合格条款 Failing articles"],
                doc_rows, status_col=4, widths={2: 50, 3: 30}, wrap_cols=(2, 3), first=True)
    ws.insert_rows(1, amount=len(info) + 1)
    for i, (k, v) in enumerate(info, 1):
        put_cell(ws, i, 1, k)
        put_cell(ws, i, 2, v)
        if isinstance(v, str) and ("\n" in v or len(v) > 60):
            ws.cell(row=i, column=2).alignment = WRAP
        ws.cell(row=i, column=1).font = Font(bold=True)
    verdict_cell = ws.cell(row=1, column=2)
    verdict_cell.font = Font(bold=True, size=14)
    verdict_cell.fill = PatternFill("solid", fgColor=FILLS[data["verdict"]])
    header_row = len(info) + 2
    ws.freeze_panes = f"A{header_row + 1}"
    ws.auto_filter.ref = f"A{header_row}:O{header_row + max(len(doc_rows), 1)}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.column_dimensions["A"].width = 30

    # 原因汇总 — causes before symptoms
    def cause_rows() -> Iterable[list[Any]]:
        checks = {c["id"]: c for c in data["checks"]}
        for k in data.get("causes") or []:
            rep = checks.get(k["representative"], {})
            # the cause's field, else another of its checks' root fields: a cause merged across a sum and its part
            # (hifp_pay, `fields`) whose representative compared only the part (ordinary_pay) shows that figure
            mms = rep.get("mismatches", [])
            m = next((m for f in [k["field"], *(k.get("fields") or [])] for m in mms if m["field"] == f),
                     None) if k["field"] else None
            ratio = bool(m and m.get("ratio"))
            yield [k["id"], k["headline"], k["field"], k["label"], k["step"], k["clause"], "、".join(k["documents"]),
                   "、".join(k["article_labels"]), k["count"], len(k["files"]), rep.get("name", ""),
                   rep.get("where", ""), "\n".join(rep.get("worked") or []),
                   Amount(m["expected"], ratio) if m else "", Amount(m["actual"], ratio) if m else "",
                   Amount(m["difference"], ratio) if m and m.get("difference") else "",
                   "" if m else rep.get("message", ""), "、".join(k["checks"])]

    _sheet(wb, "原因汇总", ["编号 Id", "原因 Cause", "字段 Field", "字段名 Label", "步骤 Step", "依据 Clause",
                            "文件 Documents", "条款 Articles", "检查数 Checks", "场景文件数 Files",
                            "代表性失败 Representative", "位置 Location", "手工计算 Worked by hand",
                            "应为 Expected", "实际 Actual", "差额 Difference", "信息 Message", "全部检查 All checks"],
           cause_rows(), widths={2: 50, 13: 60, 17: 50, 18: 40}, wrap_cols=(2, 13, 17, 18))

    # 条款矩阵
    _sheet(wb, "条款矩阵", ["文件 Document", "条款编号 Id", "条款 Article", "标题 Heading", "覆盖 Coverage", "结果 Result",
                            "通过 Passed", "失败 Failed", "错误 Errors", "不适用 N/A", "跳过 Skipped", "属性通过 Props passed",
                            "属性失败 Props failed", "说明 Reason", "场景 Scenarios", "条文 Text",
                            "依据读法的失败 Failures under readings"],
           ([r["document"], r["article"], r["label"], r["heading"], r["coverage_label"], r["result_label"],
             r["counts"]["passed"], r["counts"]["failed"], r["counts"]["error"], r["counts"]["not_applicable"],
             r["counts"]["skipped"], r["properties"]["passed"], r["properties"]["failed"] + r["properties"]["error"],
             r["reason"], len(r["checks"]), r.get("text", ""),
             f"{r['failed_under_readings']}（{'、'.join(r['under_readings'])}）" if r.get("failed_under_readings") else ""]
            for r in data["matrix"]),
           status_col=6, widths={4: 30, 14: 60, 16: 80}, wrap_cols=(14, 16))

    # 场景明细
    def baseline_label(c: dict) -> str:
        return " ".join(BASELINE_LABELS[c["baseline"]]) if c["baseline"] else ""

    _sheet(wb, "场景明细", ["编号 Id", "文件 Document", "条款 Article", "类型 Kind", "场景 Scenario", "结果 Result",
                            "基线 Baseline", "位置 Location", "耗时（秒）Seconds", "信息 Message", "全部条款 All articles",
                            "违反情形 Violation", "所依据的假设 Assumptions"],
           ([c["id"], c["document"], primary(c), c["kind_label"], c["name"],
             c["status_label"], baseline_label(c), c["where"], round(c["duration"], 3), c["message"], all_articles(c),
             violation(c), "、".join(c.get("assumptions") or [])]
            for c in data["checks"]),
           status_col=6, widths={5: 60, 10: 60}, wrap_cols=(5, 10))

    # 失败详情 — field by field
    def failure_rows() -> Iterable[list[Any]]:
        for c in data["checks"]:
            if c["status"] not in FAILING:
                continue
            arts, worked = primary(c), "\n".join(c.get("worked") or [])
            if not c["mismatches"]:
                yield [c["id"], c["document"], arts, c["name"], c["status_label"], "", "", "", "", "", "",
                       c["message"], worked, c["where"], all_articles(c), violation(c)]
            for m in c["mismatches"]:
                ratio = m.get("ratio", False)
                yield [c["id"], c["document"], arts, c["name"], c["status_label"], m.get("item", ""), m["field"],
                       m.get("label", ""), Amount(m["expected"], ratio), Amount(m["actual"], ratio),
                       Amount(m["difference"], ratio) if m.get("difference") else "", c["message"], worked,
                       c["where"], all_articles(c), violation(c)]

    _sheet(wb, "失败详情", ["编号 Id", "文件 Document", "条款 Article", "场景 Scenario", "结果 Result", "项目 Item",
                            "字段 Field", "字段名 Label", "应为 Expected", "实际 Actual", "差额 Difference",
                            "信息 Message", "手工计算 Worked by hand", "位置 Location", "全部条款 All articles",
                            "违反情形 Violation"],
           failure_rows(), status_col=5, widths={4: 50, 12: 60, 13: 60}, wrap_cols=(4, 12, 13))

    # 属性测试
    _sheet(wb, "属性测试", ["编号 Id", "文件 Document", "条款 Article", "属性 Property", "结果 Result", "种子 Seed",
                            "样例数 Examples", "反例 Counterexample (Gherkin)", "信息 Message", "违反情形 Violation"],
           ([c["id"], c["document"], primary(c), c["name"],
             c["status_label"], _extra(c, "seed", run["seed"]), _extra(c, "examples", None),
             c["counterexample"], c["message"], violation(c)] for c in data["checks"] if c["kind"] == "property"),
           status_col=5, widths={4: 50, 8: 80, 9: 60}, wrap_cols=(8, 9))

    # 假设
    _sheet(wb, "假设", ["编号 Id", "适用文件 Documents", "假设 Assumption", "理由 Why"],
           ([a["id"], "、".join(a["policies"]), a["text"], a["why"]] for a in data["assumptions"]),
           widths={3: 70, 4: 70}, wrap_cols=(3, 4))

    # 开发者设置 — what a developer reproducing the run needs, out of the regulator's way
    dev = [["适配器 Adapter", run["adapter"].get("adapter", "")],
           *[[f"适配器设置 {k}", v if isinstance(v, (int, float)) else str(v)] for k, v in run["adapter"].items()
             if k not in ("adapter", "system", "system_name", "system_version")],
           ["测试框架版本 Harness version", run["harness_version"]],
           ["参考实现版本 Reference version", run["reference_version"]],
           ["随机种子 Seed", run["seed"] if run["seed"] is not None else "—"],
           *[[f"样例设置 {k}", v if isinstance(v, (int, float)) else str(v)] for k, v in (run["examples"] or {}).items()]]
    _sheet(wb, "开发者设置", ["设置 Setting", "值 Value"], dev, widths={1: 40, 2: 60})
    return wb


def _extra(c: dict, key: str, default: Any) -> Any:
    value = (c.get("extra") or {}).get(key, default)
    return "" if value is None else value if isinstance(value, (int, float)) else str(value)


def write(data: dict, path: str | Path) -> Path:
    wb = render(data)
    with atomic.atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)
