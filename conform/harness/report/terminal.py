"""The terminal's last words on a run: the verdict as a sentence, the counts as a table row.

A CI log is read by people: "结论：不合格 — 被测系统 X 在 攀枝花 的 167 项检查中有 17 项不符合" says
more than a Python dict. Document names are the reports' Chinese ones (南昌 marked 征求意见稿).
"""
from __future__ import annotations

from functools import lru_cache

from ..results import RunResult

COLUMNS = (("checks", "检查\nchecks"), ("passed", "通过\npassed"), ("failed", "失败\nfailed"),
           ("error", "错误\nerror"), ("not_applicable", "不适用\nn/a"), ("skipped", "跳过\nskipped"))
# The harness's own faults: a column of their own when they happened, never counted as the system's errors.
OWN_FAULTS = (("feature_error", "场景文件错误\nfeature error"), ("harness_error", "框架错误\nharness error"))
ERRORS = ("error", "harness_error", "feature_error")


@lru_cache(maxsize=None)
def document_label(policy: str) -> str:
    """攀枝花, 南昌（征求意见稿）, …; the id itself for anything unknown."""
    from conform.reference.policy import POLICY_IDS, load_policy

    from .model import doc_label

    if policy not in POLICY_IDS:
        return "通用 general" if policy in ("", "-") else policy
    return doc_label(load_policy(policy))


@lru_cache(maxsize=None)
def article_label(tag: str) -> str:
    """panzhihua-7 → 攀枝花 第七条."""
    from conform.reference.policy import POLICY_IDS, load_policy

    policy, _, art = tag.partition("-")
    if policy not in POLICY_IDS:
        return tag
    if art.startswith("A-"):  # a named reading where the text is silent, not an article of the document
        return f"假设 {art}"
    return f"{document_label(policy)} {load_policy(policy).article_label(art)}"  # 吉林 一, not 吉林 一、


def verdict_sentence(run: RunResult) -> str:
    from conform.display import one_line

    counts = run.counts()
    total = len(run.checks)
    failed = counts.get("failed", 0)
    errors = sum(counts.get(s, 0) for s in ERRORS)
    docs = "、".join(document_label(p) for p in sorted({c.policy for c in run.checks if c.policy})) or "所选文件"
    # the system's own name (its adapter's, or the config's [system] name): escaped like any text it supplies, so
    # ESC sequences cannot clear the terminal nor a newline forge a 结论 line of its own (conform.display.one_line)
    system = one_line(str(run.adapter.get("system_name") or run.adapter.get("system")
                          or run.adapter.get("adapter", "被测系统")))
    if run.verdict == "合格":
        from ..evidence import mask
        from .model import properties_not_run

        # property checks not applicable checked nothing: said on the verdict line itself (rvendor s11 D1)
        not_run = properties_not_run(run.checks)
        not_run = f"但{one_line(mask(not_run))}。" if not_run else ""  # the reasons may quote a plugin's own words
        # skipped: e.g. an account use the text leaves open (any answer accepted); each says why in the report
        skipped = counts.get("skipped", 0)
        # not applicable: judged nothing (a figure left out, a kind of visit not configured): counted like skipped, so
        # the one line a CI log keeps says how much the 合格 leaves out (probe s24 W F1)
        na = counts.get("not_applicable", 0)
        told = "，".join(([f"不适用 {na} 项"] if na else []) + ([f"跳过 {skipped} 项"] if skipped else []))
        told = f"（{told}，原因见报告）" if told else ""
        if skipped:
            return f"结论：合格 — {system} 在 {docs} 的 {total} 项检查中全部通过、不适用或跳过{told}。" + not_run
        return f"结论：合格 — {system} 在 {docs} 的 {total} 项检查中全部通过或不适用{told}。" + not_run
    if run.verdict == "无法判定":   # no answer, the features or the harness at fault, or nothing reached the system
        parts = []
        if run.answered() is False:  # a wrong URL, a test instance down, TLS refused: no finding about the system
            parts.append(f"被测系统没有应答任何请求（{counts.get('error', 0)} 项出错：连接被拒绝、主机名无法解析、"
                         f"TLS 握手失败或超时{'，被测系统不可达' if run.unreachable else ''}），请检查地址和测试环境")
        if counts.get("feature_error"):
            parts.append(f"{counts['feature_error']} 项场景文件错误（不是被测系统的问题）")
        if counts.get("harness_error"):
            parts.append(f"{counts['harness_error']} 项测试工具内部错误（不是被测系统的问题）")
        if run.exercised_nothing():
            parts.append("没有一项检查实际访问了被测系统")
        if run.incomplete:  # stopped early: the passes so far certify nothing
            parts.append(f"运行未完成（完成 {total}{f' / {run.planned}' if run.planned else ''} 项，其余未运行）")
        return (f"结论：无法判定 no verdict — {system} 在 {docs} 的 {total} 项检查中 "
                + "，".join(parts or ["无法作出结论"]) + "，不能作为合格或不合格的依据。")
    parts = []
    if failed:
        parts.append(f"{failed} 项不符合规定")
    if counts.get("error", 0):
        parts.append(f"{counts['error']} 项出错")
    if errors - counts.get("error", 0):
        parts.append(f"另有 {errors - counts.get('error', 0)} 项场景文件或测试工具错误（不是被测系统的问题）")
    if run.unreachable:
        parts.append("被测系统不可达")
    if run.incomplete:
        parts.append(f"运行未完成（完成 {total}{f' / {run.planned}' if run.planned else ''} 项）")
    return f"结论：不合格 — {system} 在 {docs} 的 {total} 项检查中 " + "，".join(parts or ["未通过"]) + "。"


def counts_columns(run: RunResult) -> tuple[tuple[str, str], ...]:
    """COLUMNS, plus a column for each of the harness's own faults that happened (feature or harness error):
    those are never the system's errors, so never in its 错误 column."""
    counts = run.counts()
    return COLUMNS + tuple(col for col in OWN_FAULTS if counts.get(col[0]))


def counts_row(run: RunResult) -> list[str]:
    counts = run.counts()
    row = {"checks": len(run.checks), **counts}
    return [str(row.get(key, 0)) for key, _ in counts_columns(run)]


def cause_lines(run: RunResult, limit: int = 8) -> list[str]:
    """The causes (conform/harness/report/causes.py), largest first, one line each: what the terminal shows
    before the failures one by one."""
    from dataclasses import asdict

    from . import causes
    from .model import cause_view, shown_path, status_label, zh_message

    checks = []
    for i, c in enumerate(run.checks):
        if c.status in ("passed", "not_applicable", "skipped"):
            continue
        d = asdict(c)
        failed = (c.extra or {}).get("failed_articles") or getattr(c, "failed_articles", None)
        d.update(id=f"c{i + 1:04d}", path=shown_path(c), document=document_label(c.policy or ""),
                 status_label=status_label(c.status), failed_articles=list(failed or []),
                 message=zh_message(c.message), assumptions=list((c.extra or {}).get("assumptions") or []))
        checks.append(d)
    found = causes.group(cause_view(checks), {})
    lines = [f"{k['headline']}（{'、'.join(article_label(t) for t in k['articles'][:4])}"
             f"{' 等' if len(k['articles']) > 4 else ''}）"
             + (f" — {k['headline_en']}" if k.get("headline_en") else "") for k in found[:limit]]
    if len(found) > limit:
        lines.append(f"… 另有 {len(found) - limit} 个原因，见报告 ({len(found) - limit} more in the report)")
    return lines


def region_lines(run: RunResult) -> list[str]:
    """One line per region file the run settled or drew under: name, document, the first 12 hex digits of its
    SHA-256 and whether its figures are a fictitious example, real, or did not load (certify.regions_used), so
    a CI log says which figures a 合格 refers to; the regions scenarios use only to see refused, in one line."""
    from dataclasses import asdict

    from . import certify

    checks = [{"kind": c.kind, "status": c.status, "steps": [asdict(s) for s in c.steps],
               "counterexample": c.counterexample, "extra": c.extra} for c in run.checks]
    selected = (run.selection or {}).get("regions")
    _, refused = certify.region_refs(checks, selected)
    lines = []
    for r in certify.regions_used(checks, selected):
        doc = f"（{document_label(r['policy'])}）" if r.get("policy") else ""
        kind = ("无法读取或数值无效 failed to load or refused" if r.get("error") else
                "示例，数值虚构 fictitious example" if r.get("fictitious") else "非示例 real figures")
        where = f" {r['file']}" if r.get("file") else ""
        lines.append(f"地区配置 Region {r['name']}{doc}{where} SHA-256 {(r.get('sha256') or '-')[:12]} {kind}"
                     + (f"：{r['error']}" if r.get("error") else ""))
    if refused:
        lines.append(f"用于验证拒绝的地区配置 refused on purpose ({len(refused)})：" + "、".join(refused[:8])
                     + (" …" if len(refused) > 8 else ""))
    return lines
