"""The terminal's last words on a run: the verdict as a sentence, the counts as a table row.

A CI log is read by people: "结论：不合格 — 被测系统 X 在 攀枝花 的 167 项检查中有 17 项不符合" says
more than a Python dict. Document names are the reports' Chinese ones (南昌 marked 征求意见稿).
"""
from __future__ import annotations

from functools import lru_cache

from ..results import RunResult

COLUMNS = (("checks", "检查\nchecks"), ("passed", "通过\npassed"), ("failed", "失败\nfailed"),
           ("error", "错误\nerror"), ("not_applicable", "不适用\nn/a"), ("skipped", "跳过\nskipped"))
ERRORS = ("error", "harness_error", "feature_error")


@lru_cache(maxsize=None)
def document_label(policy: str) -> str:
    """攀枝花, 南昌（征求意见稿）, …; the id itself for anything unknown."""
    from reference.policy import POLICY_IDS, load_policy

    from .model import doc_label

    if policy not in POLICY_IDS:
        return "通用 general" if policy in ("", "-") else policy
    return doc_label(load_policy(policy))


@lru_cache(maxsize=None)
def article_label(tag: str) -> str:
    """panzhihua-7 → 攀枝花 第七条."""
    from reference.policy import POLICY_IDS, load_policy

    policy, _, art = tag.partition("-")
    if policy not in POLICY_IDS:
        return tag
    return f"{document_label(policy)} {load_policy(policy).article_label(art)}"  # 吉林 一, not 吉林 一、


def verdict_sentence(run: RunResult) -> str:
    counts = run.counts()
    total = len(run.checks)
    failed = counts.get("failed", 0)
    errors = sum(counts.get(s, 0) for s in ERRORS)
    docs = "、".join(document_label(p) for p in sorted({c.policy for c in run.checks if c.policy})) or "所选文件"
    system = run.adapter.get("system_name") or run.adapter.get("system") or run.adapter.get("adapter", "被测系统")
    if run.verdict == "合格":
        return f"结论：合格 — {system} 在 {docs} 的 {total} 项检查中全部通过或不适用。"
    parts = []
    if failed:
        parts.append(f"{failed} 项不符合规定")
    if errors:
        parts.append(f"{errors} 项出错")
    if run.unreachable:
        parts.append("被测系统不可达")
    if run.incomplete:
        parts.append(f"运行未完成（完成 {total}{f' / {run.planned}' if run.planned else ''} 项）")
    return f"结论：不合格 — {system} 在 {docs} 的 {total} 项检查中" + "，".join(parts or ["未通过"]) + "。"


def counts_row(run: RunResult) -> list[str]:
    counts = run.counts()
    row = {"checks": len(run.checks), **counts, "error": sum(counts.get(s, 0) for s in ERRORS)}
    return [str(row.get(key, 0)) for key, _ in COLUMNS]


def cause_lines(run: RunResult, limit: int = 8) -> list[str]:
    """The causes (harness/report/causes.py), largest first, one line each: what the terminal shows
    before the failures one by one."""
    from dataclasses import asdict

    from . import causes
    from .model import shown_path, status_label, zh_message

    checks = []
    for i, c in enumerate(run.checks):
        if c.status in ("passed", "not_applicable", "skipped"):
            continue
        d = asdict(c)
        failed = (c.extra or {}).get("failed_articles") or getattr(c, "failed_articles", None)
        d.update(id=f"c{i + 1:04d}", path=shown_path(c), document=document_label(c.policy or ""),
                 status_label=status_label(c.status), failed_articles=list(failed or []),
                 message=zh_message(c.message))
        checks.append(d)
    found = causes.group(checks, {})
    lines = [f"{k['headline']}（{'、'.join(article_label(t) for t in k['articles'][:4])}"
             f"{' 等' if len(k['articles']) > 4 else ''}）" for k in found[:limit]]
    if len(found) > limit:
        lines.append(f"… 另有 {len(found) - limit} 个原因，见报告 ({len(found) - limit} more in the report)")
    return lines
