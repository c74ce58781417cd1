"""Causes before symptoms: failures grouped by the first field that differs, at the reference trace's step.

One wrong deductible makes the fund payment, the person's part and the cash
payment wrong too, in every scenario that crosses it. A regulator should read
"起付线 act_pay_dedc 在 87 个场景、4 个文件中不符" once, not 87 × 4 lines. For
each failed check the *root* mismatch is the field computed earliest (a
deductible before the fund payment it changes; then the earliest settlement),
named by the step of the reference's trace that computes it; checks are
grouped by that (field, step). Checks that failed without a field (an error, a refusal) are
grouped by status and their first message line.
"""
from __future__ import annotations

from typing import Any

# Where no trace step shows the expected figure: the step of the computation the field comes from,
# in the order the computation runs (earlier fields cause later ones).
FIELD_STEPS: dict[str, str] = {
    "infcode": "结算受理", "err_msg": "拒绝原因", "amount": "个人账户计入", "decision": "个人账户使用",
    "inscp_scp_amt": "政策范围内费用", "act_pay_dedc": "起付线", "pool_prop_selfpay": "支付比例",
    "hifp_pay": "统筹基金支付", "ordinary_pay": "普通门诊统筹支付", "chronic_pay": "慢特病支付",
    "inpatient_pay": "住院统筹支付", "fund_pay_sumamt": "基金支付总额", "psn_part_amt": "个人负担",
    "acct_pay": "个人账户支付", "psn_cash_pay": "现金支付", "ordinary_dedc": "年度累计起付线",
    "special_dedc": "年度累计特殊疾病起付线", "acct_balance": "个人账户余额", "balc": "个人账户余额",
}
FIELD_ORDER = {f: i for i, f in enumerate(FIELD_STEPS)}
NO_FIELD = {"error": "被测系统出错", "harness_error": "测试框架出错", "feature_error": "场景文件出错",
            "failed": "未逐字段比较的失败"}


def _step(m: dict, trace: list[dict]) -> tuple[str, str]:
    """(step, clause) of the reference's trace that computes this field: the step whose value is the
    expected figure, else the first whose name says what the field is, else the field's usual step."""
    usual = FIELD_STEPS.get(m["field"], "")
    if m["expected"] not in ("", "0.00", "0.0000"):
        for t in trace:
            if str(t.get("value", "")) == str(m["expected"]):
                return str(t.get("step", "")), str(t.get("clause", ""))
    if usual:
        for t in trace:
            if usual in str(t.get("step", "")):
                return str(t.get("step", "")), str(t.get("clause", ""))
    return usual or m.get("label") or m["field"], ""


def _root(check: dict) -> tuple[str, str, str]:
    """(field, step, clause) of the mismatch that comes first in the reference's computation: the earliest
    field in the order the figures are computed (a deductible before the fund payment it changes), then
    the earliest settlement."""
    mismatches = check.get("mismatches") or []
    if not mismatches:
        return "", "", ""
    items: list[str] = []
    for m in mismatches:
        if m.get("item", "") not in items:
            items.append(m.get("item", ""))
    root = min(mismatches, key=lambda m: (FIELD_ORDER.get(m["field"], len(FIELD_ORDER)),
                                          items.index(m.get("item", ""))))
    step, clause = _step(root, check.get("trace") or [])
    return root["field"], step, clause


def clause_text(clauses: list[dict]) -> str:
    """One line of the clauses per document: a cause spanning documents computes its step under each
    document's own article (攀枝花 第七条, 吉林 二（二）), so no one document's clause stands for all.
    A document whose clause does not name it (an assumption alone) is named before it."""
    if len(clauses) == 1:
        return clauses[0]["clause"]
    shown = []
    for c in clauses:
        short = c["document"].split("（")[0]
        shown.append(c["clause"] if not short or c["clause"].startswith(short) else f"{c['document']}：{c['clause']}")
    return " / ".join(shown)


def group(checks: list[dict], labels: dict[str, str]) -> list[dict]:
    """The causes, largest first: {field, label, step, clause, clauses, articles, checks, count, files,
    documents, representative, headline}. `clauses` lists the step's clause per document
    ([{document, clause}], the clauses of its checks, each once); `clause` is them in one line.
    `labels` maps an article tag to its Chinese name (攀枝花 第七条)."""
    causes: dict[tuple[str, str, str], dict[str, Any]] = {}
    for c in checks:
        if c["status"] in ("passed", "not_applicable", "skipped"):
            continue
        field, step, clause = _root(c)
        first = ""
        if not field:
            first = (c.get("message") or "").splitlines()[0][:120] if c.get("message") else ""
            step = NO_FIELD.get(c["status"], c.get("status_label", c["status"]))
            key = (c["status"], "", step + (f"\0{first}" if c["status"] != "failed" else ""))
        else:
            key = ("failed", field, step)
        cause = causes.get(key)
        if cause is None:
            label = next((m.get("label") for m in c["mismatches"] if m["field"] == field and m.get("label")), "")
            cause = causes[key] = {"field": field, "label": label or "", "step": step, "clause": "",
                                   "clauses": [], "message": first,
                                   "status": key[0], "articles": [], "checks": [], "files": [], "documents": [],
                                   "representative": c["id"], "_by_doc": {}}
        cause["checks"].append(c["id"])
        parts = cause["_by_doc"].setdefault(c.get("document") or "", [])
        for part in clause.split("；") if clause else ():
            if part and part not in parts:
                parts.append(part)
        for tag in c.get("failed_articles") or c["articles"]:
            if tag not in cause["articles"]:
                cause["articles"].append(tag)
        where = c.get("path") or ""
        if where and where not in cause["files"]:
            cause["files"].append(where)
        if c.get("document") and c["document"] not in cause["documents"]:
            cause["documents"].append(c["document"])
    out = []
    for cause in causes.values():
        cause["clauses"] = [{"document": doc, "clause": "；".join(parts)}
                            for doc, parts in cause.pop("_by_doc").items() if parts]
        cause["clause"] = clause_text(cause["clauses"])
        cause["count"] = len(cause["checks"])
        cause["article_labels"] = [labels.get(t, t) for t in cause["articles"]]
        what = (f"{cause['label'] or cause['field']}（{cause['field']}）" if cause["field"]
                else cause["message"] if cause["message"].startswith(cause["step"])
                else cause["step"] + (f"（{cause['message']}）" if cause["message"] else ""))
        at = f"在“{cause['step']}”一步" if cause["field"] else ""
        cause["headline"] = (f"{what}{at}不符：{cause['count']} 项检查、{len(cause['files']) or 1} 个文件"
                             if cause["field"] else f"{what}：{cause['count']} 项检查、{len(cause['files']) or 1} 个文件")
        out.append(cause)
    out.sort(key=lambda c: (not c["field"], c["status"] != "failed", -c["count"], c["field"], c["step"]))
    for i, cause in enumerate(out, 1):
        cause["id"] = f"cause-{i}"
    return out
