"""The report's view of a run: one masked, JSON-ready dict that every writer renders.

Built once from a `RunResult` (conform/harness/results.py, the single data model) plus
the policy texts (every article of every document), the coverage list
(conform/harness/coverage.py: tested / untestable with a reason / pending) and the
assumptions in the policy files. Every string is passed through
`evidence.mask` so no registered secret reaches a report.
"""
from __future__ import annotations

import re
import shlex
from collections import Counter
from dataclasses import asdict
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from conform.display import as_number, cut_words
from conform.reference.money import pct

from .. import evidence
from ..results import SCHEMA_VERSION, STATUSES, RunResult, decide
from .baseline import SCHEMA_NAME

STATUS_LABELS = {
    "passed": ("通过", "passed"),
    "failed": ("失败", "failed"),
    "error": ("错误", "error"),
    "not_applicable": ("不适用", "not applicable"),
    "skipped": ("跳过", "skipped"),
    "untestable": ("不可测试", "untestable"),
    "not_run": ("未运行", "not run"),
    "partial": ("部分运行", "partly run"),
    "blocked": ("未判定（上游数值不符）", "not judged: blocked by an upstream figure"),
    "pending": ("待定", "pending"),
    "missing": ("未列入", "not listed"),
    "harness_error": ("测试框架错误", "harness error"),
    "feature_error": ("场景文件错误", "feature error"),
}
KIND_LABELS = {"scenario": ("场景", "scenario"), "property": ("属性", "property"), "unit": ("单元", "unit")}
SUT_ERROR_KINDS = {"timeout": "超时", "connection": "连接失败", "http_status": "HTTP 状态异常", "malformed": "应答格式错误",
                   "infcode": "业务返回错误", "missing_field": "缺少字段", "wrong_type": "字段类型错误", "internal": "内部错误",
                   "too_large": "应答过大", "plugin_exception": "插件抛出异常",
                   "not_restored": "撤销未恢复累计"}  # platform profile: a pool person's 2208s left 5206 changed
DRAFT_MARK = "征求意见稿"
NO_NUMBER = "无文号"  # a document published without a 文号: said so, never its title in the number's place
ERROR_STATUSES = ("error", "harness_error", "feature_error")  # the latter two: the harness's own faults
FAILING = ("failed", *ERROR_STATUSES)
COVERAGE_LABELS = {
    "tested": ("已测试", "tested"),
    "untestable": ("不可测试", "untestable"),
    "pending": ("待定", "pending"),
    "missing": ("未列入", "not listed"),
    "unknown": ("未知", "unknown"),
}
VERDICT_EN = {"合格": "conformant", "不合格": "non-conformant", "未测试": "not tested", "无法判定": "no verdict"}
BASELINE_LABELS = {"regression": ("新增失败", "regression"), "known": ("已知失败", "known failure"),
                   "fixed": ("已修复", "fixed")}
RATIO_FIELD = re.compile(r"prop|ratio|rate|比例")

CAUSE_MESSAGE = 120   # characters of a message a cause's headline quotes (conform/harness/report/causes.py)
NEVER_ANSWERED = ("无法判定：被测系统没有应答本次运行的任何请求（连接被拒绝、主机名无法解析、TLS 握手失败或超时），"
                  "这不是对被测系统的结论，请检查地址和测试环境 no verdict: the system under test answered no request "
                  "of this run (refused, name not resolved, TLS failed or timed out) — no finding about the "
                  "system; check the URL and the test environment")


def cause_message(message: str) -> str:
    """A message's first line as a cause's headline quotes it: cut (`cut_words`) to CAUSE_MESSAGE characters."""
    first = message.splitlines()[0] if message else ""
    return cut_words(first, CAUSE_MESSAGE) if len(first) > CAUSE_MESSAGE else first


def properties_not_run(checks: list) -> str:
    """A loud line when property checks were not applicable ('' when none was): how many of the run's property checks,
    each reason with the properties it stopped. A property not applicable checked nothing, so a 合格 beside it does
    not cover what it checks — a platform test environment without one optional setting once had 12 of 浙江's 14
    properties not applicable and the run read 合格 with nothing said (rvendor s11 D1). The rule: any property not
    applicable is named here (console verdict, report banner); more than half of them opens with 大多数属性检查未运行."""
    def get(c: Any, key: str) -> Any:
        return c.get(key) if isinstance(c, dict) else getattr(c, key, None)

    props = [c for c in checks if get(c, "kind") == "property"]
    na = [c for c in props if get(c, "status") == "not_applicable"]
    if not na:
        return ""
    by_reason: dict[str, list[str]] = {}
    for c in na:
        first = (str(get(c, "message") or "").splitlines() or [""])[0]
        why = cut_words(re.sub(r"^(not applicable|不适用)[:：]\s*", "", first), 160) or "未说明原因 no reason given"
        name = str((get(c, "extra") or {}).get("property") or get(c, "name") or "")
        policy = get(c, "policy") or ""
        by_reason.setdefault(why, []).append(f"{name}〔{policy}〕" if policy and "〔" not in name else name)
    reasons = sorted(by_reason.items(), key=lambda kv: -len(kv[1]))
    said = "；".join(f"{why}（{len(names)} 项：{'、'.join(names[:4])}{' 等' if len(names) > 4 else ''}）"
                    for why, names in reasons[:3])
    more = f"；另有 {len(reasons) - 3} 种原因，见报告" if len(reasons) > 3 else ""
    head = "大多数属性检查未运行 most property checks did not run — " if 2 * len(na) > len(props) else ""
    return (f"{head}属性检查 {len(props)} 项中 {len(na)} 项不适用、未运行，结论不涵盖其所检查的规则 "
            f"{len(na)} of {len(props)} property checks were not applicable and checked nothing: {said}{more}")


_ASCII_PAREN = re.compile(r"\([^()]*\)")
_UNMAPPED = re.compile(r"fund_pay_type ('[^']{0,40}')")


def _na_reason(c: Any) -> tuple[str, str]:
    """(grouping key, words) of a not-applicable check's reason: its first line without the prefix, an ASCII
    parenthesis (a pool person's predicate, "(policy=…, psn_type=…)") left out, grouped without its figures and ids
    (causes.normalised: one omission, V1 or V2, is one reason) and shown in its own words, its qualifiers kept ("本工具
    的可选扩展字段，国家平台报文没有": an optional extension, no omission of the system's; probe s24 Y F3); a platform
    fund_pay_type code the configuration does not map is named (probe s24 W F5: the split then goes unreported)."""
    from .causes import normalised

    message = str(c.get("message") if isinstance(c, dict) else getattr(c, "message", None) or "")
    first = re.sub(r"^(not applicable|不适用)[:：]\s*", "", (message.splitlines() or [""])[0])
    while _ASCII_PAREN.search(first):
        first = _ASCII_PAREN.sub("", first)
    words = cut_words(" ".join(first.split()), 200) or "未说明原因 no reason given"
    key = normalised(words)
    if "not in [adapter.platform.fund_pay_type]" in message:
        codes = "、".join(dict.fromkeys(_UNMAPPED.findall(message)))
        if codes:
            extra = f"（配置 [adapter.platform.fund_pay_type] 未映射的代码 unmapped codes：{codes}）"
            key, words = key + extra, words + extra
    return key, words


def not_applicable_reasons(checks: list) -> list[tuple[str, int]]:
    """The run's not-applicable checks grouped by reason (_na_reason), the most frequent first, each in the words of
    its first check."""
    def status(c: Any) -> Any:
        return c.get("status") if isinstance(c, dict) else getattr(c, "status", None)

    counts: Counter[str] = Counter()
    said: dict[str, str] = {}
    for c in checks:
        if status(c) == "not_applicable":
            key, words = _na_reason(c)
            counts[key] += 1
            said.setdefault(key, words)
    return [(said[k], n) for k, n in counts.most_common()]


def not_applicable_words(checks: list, limit: int = 3) -> str:
    """'reason（N 项）；…' for the not-applicable checks, at most `limit` reasons and how many more ('' when none)."""
    reasons = not_applicable_reasons(checks)
    said = "；".join(f"{why}（{n} 项）" for why, n in reasons[:limit])
    return said + (f"；另有 {len(reasons) - limit} 种原因，见报告 {len(reasons) - limit} more reasons in the report"
                   if len(reasons) > limit else "")


def cause_view(checks: list[dict]) -> list[dict]:
    """The checks as the causes read them: each message's first line cut at a word, not mid-word, to what a
    headline quotes (a reason cut to "self-si" says nothing)."""
    out = []
    for c in checks:
        message = c.get("message") or ""
        first = message.splitlines()[0] if message else ""
        out.append({**c, "message": cause_message(first)} if len(first) > CAUSE_MESSAGE else c)
    return out


def status_label(status: str) -> str:
    zh, en = STATUS_LABELS.get(status, (status, status))
    return f"{zh} {en}"


def kind_label(kind: str) -> str:
    zh, en = KIND_LABELS.get(kind, (kind, kind))
    return f"{zh} {en}"


def zh_message(message: str) -> str:
    """A check's message with Chinese first: the harness's own English phrasings are translated;
    anything else (a system's own err_msg, a property's Chinese headline) is kept as it came."""
    if not message:
        return ""
    m = re.match(r"system under test error \((\w+)\): (.*)", message, re.S)
    if m:
        return f"被测系统出错（{SUT_ERROR_KINDS.get(m[1], m[1])}）：{m[2]}"
    m = re.match(r"not applicable: adapter '?([^' ]+)'? does not support (\w+) ?(?:\((.*)\))?", message, re.S)
    if m:
        return f"不适用：适配器 {m[1]} 不支持操作 {m[2]}" + (f"（{m[3]}）" if m[3] else "")
    return re.sub(r": expected (.*?), got (.*?)(?=; |$)", r"：应为 \1，实际 \2", message)


def doc_label(policy: Any) -> str:
    """The document's Chinese name as every sheet writes it; a consultation draft says so."""
    title = f"{getattr(policy, 'title', '')} {getattr(policy, 'number', '')}"
    return f"{policy.short}（{DRAFT_MARK}）" if DRAFT_MARK in title else policy.short


def selection_words(selection: dict | None, names: dict[str, str]) -> str:
    """What the run was asked to cover, in words, as the HTML header's 选择 row writes it."""
    sel = selection or {}
    parts = ["、".join(names.get(p, p) for p in sel.get("policies") or [])]
    if sel.get("articles"):
        parts.append("条款 articles " + ", ".join(map(str, sel["articles"])))
    if sel.get("tag"):
        parts.append(f"标签表达式 tag expression {sel['tag']}")
    if sel.get("keyword"):  # pytest -k in a vendor's own run (the pytest plugin)
        parts.append(f"名称表达式 keyword expression (-k) {sel['keyword']}")
    if sel.get("regions"):  # conform run --region: the figures certified, on the report's first screen
        parts.append("按地区配置认证 certified against region " + "、".join(str(r) for r in sel["regions"])
                     + "（其他数值编写的场景按该地区运行，数值不同者不适用 scenarios written under other figures run "
                       "under it, not applicable where its figures differ）")
    return " · ".join(p for p in parts if p) or "全部文件的全部条款 every article of every document"


def is_subset(selection: dict | None) -> bool:
    """Whether the run was narrowed to some articles, a tag expression or a -k keyword expression (not whole
    documents)."""
    sel = selection or {}
    return bool(sel.get("articles") or sel.get("tag") or sel.get("keyword"))


def shown_path(c: Any) -> str:
    """The check's file relative to the repository root (features/… for scenarios, harness/… for properties)."""
    path = (c.get("feature_file") if isinstance(c, dict) else c.feature_file) or ""
    kind = c.get("kind") if isinstance(c, dict) else c.kind
    if kind == "scenario" and path and not path.startswith(("features/", "/")) and path.endswith(".feature"):
        return "features/" + path
    return path


def is_ratio(field_name: str, label: str = "") -> bool:
    return bool(RATIO_FIELD.search(field_name) or RATIO_FIELD.search(label))


def ratio_shown(value: Any) -> str:
    """A ratio as the scenarios write it ("0.5000" → "50%", "0.55" → "55%"), so that the reports' lines say one form;
    anything that is no ratio between 0 and 1 (a bound's wording, "(missing)") as it came."""
    text = str(value)
    try:
        d = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return text
    if not d.is_finite() or not 0 <= d <= 1:
        return text
    return pct(d)


@lru_cache(maxsize=None)
def _article_order(policy: str) -> dict[str, int]:
    """{tag: position} of a document's articles as the document numbers them (第七条 before 第十条)."""
    from conform.reference.policy import POLICY_IDS, load_policy

    if policy not in POLICY_IDS:
        return {}
    return {f"{policy}-{a}": i for i, a in enumerate(load_policy(policy).articles)}


def in_document_order(tags: list[str]) -> list[str]:
    """Article tags in their document's order, not string order ('panzhihua-10' < 'panzhihua-7' as text):
    a check's first article, its JUnit classname, is then the same whether it passes or fails. A tag no
    document knows keeps its place after the known ones."""
    def key(item: tuple[int, str]) -> tuple[int, int]:
        i, tag = item
        pos = _article_order(tag.partition("-")[0]).get(tag)
        return (0, pos) if pos is not None else (1, i)

    return [t for _, t in sorted(enumerate(tags), key=key)]


def _documents_for(run: RunResult) -> list[str]:
    from conform.reference.policy import POLICY_IDS

    sel = run.selection or {}
    wanted: list[str] = list(sel.get("policies") or [])
    if not wanted and sel.get("articles"):
        wanted = [a.partition("-")[0] for a in sel["articles"]]
    if not wanted and sel.get("tag"):  # a tag expression: the documents it reached
        wanted = [c.policy for c in run.checks if c.policy]
    if not wanted:
        wanted = list(POLICY_IDS)
    wanted += [p for p in run.policies if p]
    wanted += [c.policy for c in run.checks if c.policy]
    seen: list[str] = []
    for p in wanted:
        if p in POLICY_IDS and p not in seen:
            seen.append(p)
    return seen


def _coverage() -> dict[str, dict[str, Any]]:
    """The coverage list per policy and article (conform.harness.coverage), or {} while it cannot be read."""
    try:
        from ..coverage import article_index
    except ImportError:
        return {}
    try:
        return article_index()
    except Exception:  # noqa: BLE001 - a broken coverage list must not cost the report; the matrix falls back
        return {}


def _properties_per_article() -> Counter[str]:
    """How many property checks each article has (one per property and document it covers, as
    conform/harness/conformance/test_properties.py binds them), or none while they cannot be loaded."""
    try:
        from ..properties import load

        found = load()
    except Exception:  # noqa: BLE001 - the report must not cost the run; rows then judge what ran
        return Counter()
    return Counter(f"{pid}-{a}" for prop in found.values() for pid, arts in prop.clauses.items()
                   for a in dict.fromkeys(arts))


@lru_cache(maxsize=1)
def _assumption_reasons() -> dict[str, str]:
    """Chinese for the assumptions' reasons (assumptions_zh.yaml beside this module)."""
    import yaml

    from conform.reference.loading import UniqueSafeLoader

    path = Path(__file__).resolve().parent / "assumptions_zh.yaml"
    try:
        data = (yaml.load(path.read_text(encoding="utf-8"), Loader=UniqueSafeLoader)  # noqa: S506 - a safe loader
                or {})
    except (OSError, yaml.YAMLError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _row_result(counts: Counter, props: Counter, coverage: str) -> str:
    if counts["failed"] or props["failed"]:
        return "failed"
    if any(counts[s] or props[s] for s in ERROR_STATUSES):
        return "error"
    if counts["feature_error"]:
        return "feature_error"
    if counts["passed"] or props["passed"]:
        return "passed"
    if counts["not_applicable"] or props["not_applicable"]:
        return "not_applicable"
    if counts["skipped"] or props["skipped"]:
        return "skipped"
    if coverage == "untestable":
        return "untestable"
    if coverage in ("pending", "missing"):
        return "pending"
    return "not_run"


# The runner's per-property hint in a failed property's message (conform/harness/properties/runner.py, under a time
# budget): "（单独重现此属性 reproduce this property alone: conform run --seed 12 --examples 8 … --policy X）".
_ALONE = re.compile(r"reproduce this property alone: (.+?)）\s*$", re.M)
CEX_LABELS = {
    # not "最小": Hypothesis's end, not the smallest amounts (counterexample.KIND_HEADER, s21 probeX item 5)
    "shrunk": "Hypothesis 缩小后的反例（金额未必最小） shrunk by Hypothesis (its amounts not necessarily the smallest)",
    "unshrunk": "找到但未完全缩小的反例 found, not fully shrunk",
    "replayed": "找到但未完全缩小的反例（被测系统重放结果不一致）found, not fully shrunk (the replay differed)",
    "explicit": "固定示例：属性每次都先试，不经缩小 a fixed example the property always tries first (never shrunk)",
}
CEX_ADVICE = {
    "unshrunk": ("缩减在时限内停止：反例可能仍有与不符无关的情形（及据此列出的假设），同一种子再次运行也可能得到不同的反例；要得到更小的反例，"
                 "请以同一种子加长缩减时间重跑（conform run --shrink-seconds 60，或 pytest --conform-shrink-seconds 60；"
                 "--thorough 时缩减可用 120 秒） shrinking stopped at its time limit: the example may hold details the "
                 "failure does not need (and readings named for them), and a rerun with the same seed may print another "
                 "example; for a smaller one rerun the same seed with more time to shrink (conform run --shrink-seconds "
                 "60, or pytest --conform-shrink-seconds 60; --thorough allows 120 s)"),
    "replayed": ("被测系统重放同一例子时结果不一致，以下为找到的最小反例，同一种子再次运行可能得到不同的反例 the system answered a "
                 "replay differently: this is the smallest failure found, and a rerun may print another example"),
    "explicit": ("这是属性列出的固定例子（显式示例），任何种子都会先试，不经缩小；它本身就是要检查的边界情形 one of the property's "
                 "listed edge cases, tried first whatever the seed and never shrunk"),
}
RERUNS_DOCUMENT = ("conform run 不能只选一个属性：此命令重跑该文件的全部场景和属性 conform run cannot select a single "
                   "property: this reruns every scenario and property of the document")
# A command that repeats the run's --article: only those articles' scenarios and the properties covering them rerun.
RERUNS_ARTICLES = ("conform run 不能只选一个属性：此命令重跑所选条款（--article）的场景及覆盖这些条款的属性 conform run cannot "
                   "select a single property: this reruns the selected articles' scenarios (--article) and the "
                   "properties covering them")
RERUNS_TAGGED = "；其中只运行 --tag 选中的 only those --tag selects"


def reruns_of(cmd: str) -> str:
    """What a `conform run` reproduce command reruns, as its options select: the document's scenarios and
    properties (--policy), or only the selected articles' (--article); a --tag narrows either."""
    try:
        words = shlex.split(cmd)
    except ValueError:
        words = cmd.split()

    def given(option: str) -> bool:
        return any(w == option or w.startswith(option + "=") for w in words)

    return (RERUNS_ARTICLES if given("--article") else RERUNS_DOCUMENT) + (RERUNS_TAGGED if given("--tag") else "")


# A leading environment assignment of a command's options (CONFORM_PROFILE=ci under the ci profile): it goes before
# `pytest`, not among its arguments, where pytest reads it as a test path (exit 4).
_ENV_WORD = re.compile(r"[A-Z_][A-Z0-9_]*=\S*")


def pytest_command(options: str, nodeid: str | None = None) -> str:
    """`pytest [nodeid] options` as a shell line, the options' leading VAR=value words before `pytest`."""
    words = options.split(" ")
    env = []
    while words and _ENV_WORD.fullmatch(words[0]):
        env.append(words.pop(0))
    return " ".join([*env, "pytest", *([shlex.quote(nodeid)] if nodeid else []), *[w for w in words if w]])


def counterexample_status(counterexample: str, extra: dict | None, message: str = "", nodeid: str = "",
                          front_end: object = "run", session: str = "", policy: str = "") -> dict:
    """What a failed property's counterexample is (counterexample.KIND_HEADER: shrunk to a minimum, not fully shrunk,
    a fixed explicit example), what to do for a smaller one, and the command that reproduces this property (the
    runner's under a time budget), with what that command reruns. {} for a check without a counterexample."""
    if not counterexample:
        return {}
    from ..counterexample import kind_of

    kind = kind_of(counterexample)
    if (extra or {}).get("shrunk") is False and kind in ("", "shrunk"):
        kind = "unshrunk"
    kind = kind or "shrunk"
    out = {"kind": kind, "label": CEX_LABELS[kind], "advice": CEX_ADVICE.get(kind, "")}
    m = _ALONE.search(message or "")
    if m:
        cmd = m.group(1).strip()
        if front_end == "pytest":
            out["reproduce"] = pytest_command(cmd, nodeid) if nodeid else cmd
            out["reruns"] = "只运行这一个属性 runs this property alone" if nodeid else ""
        else:
            out["reproduce"], out["reruns"] = cmd, reruns_of(cmd)
    elif session:  # without a time budget every property runs with the session's seed: its options, narrowed
        if front_end == "pytest":
            out["reproduce"] = pytest_command(session, nodeid) if nodeid else session
            out["reruns"] = "只运行这一个属性 runs this property alone" if nodeid else ""
        else:
            narrowed = policy and f"--policy {policy}" not in session
            out["reproduce"] = session + (f" --policy {policy}" if narrowed else "")
            out["reruns"] = reruns_of(out["reproduce"]) if policy else "重跑整个运行 reruns the whole run"
    if out.get("reproduce"):
        cmd = out["reproduce"]
        # a --thorough --examples N hint runs no budget: it shrinks as long as the thorough profile allows
        if kind in ("unshrunk", "replayed") and "thorough" in cmd and "examples" in cmd:
            out["reruns"] = "；".join(filter(None, (out["reruns"], SHRINKS_LONGER)))
    return smaller(out, front_end)


SHRINKS_LONGER = ("不受时间预算限制，缩减可用 120 秒，得到的反例可能更小 no time budget: it shrinks for up to 120 s, and the "
                  "example may come out smaller")
MORE_SHRINK = 60  # seconds a "for a smaller one" command allows shrinking (the quick profiles' default is 2)


def smaller(status: dict, front_end: object = "run") -> dict:
    """`status` with, for an example not fully shrunk, its reproduce command given more time to shrink."""
    cmd = status.get("reproduce")
    if cmd and status.get("kind") in ("unshrunk", "replayed") and "shrink-seconds" not in cmd \
            and " --thorough" not in cmd and " --conform-thorough" not in cmd:
        option = "--conform-shrink-seconds" if front_end == "pytest" else "--shrink-seconds"
        status["smaller"] = f"{cmd} {option} {MORE_SHRINK}"
    return status


def _check_dict(run: RunResult, index: int, marks: dict[str, str], docs: dict[str, str]) -> dict:
    from .worked import working

    c = run.checks[index]
    d = asdict(c)
    d["id"] = f"c{index + 1:04d}"
    d["status_label"] = status_label(c.status)
    d["kind_label"] = kind_label(c.kind)
    d["document"] = docs.get(c.policy or "", "通用 general")
    d["message"] = zh_message(re.sub(r"^[\w.]*(MismatchError|PropertyViolation): ", "", c.message))
    d["path"] = shown_path(c)
    d["where"] = f"{d['path']}:{c.line}" if d["path"] and c.line else d["path"] or c.nodeid
    failed = getattr(c, "failed_articles", None) or (c.extra or {}).get("failed_articles")
    d["failed_articles"] = in_document_order([str(t) for t in failed] if isinstance(failed, (list, tuple)) else [])
    d["articles"] = in_document_order([str(t) for t in c.articles])
    relied = (c.extra or {}).get("assumptions")  # the readings of a silent text this check depends on (issue 10)
    d["declared_assumptions"] = [str(a) for a in relied] if isinstance(relied, (list, tuple)) else []
    # a check that failed lists the readings its failing figure rests on (connect-your-system.md §7), not every one it
    # declares: an in-service person's deductible does not rest on A-MIDYEAR-RETIREMENT (rvendor s11 Q1)
    rests = (c.extra or {}).get("rests_on")
    d["assumptions"] = ([str(a) for a in rests] if isinstance(rests, (list, tuple)) else []) \
        if c.status == "failed" else d["declared_assumptions"]
    if c.kind == "property" and _reversed_total(c, d):
        # no article speaks of reversals: a property whose root is a year's total expected without what a 2208 took
        # back (its failing figure rests on A-REVERSAL) marks that reading's row beside the article it is tagged
        # with, as a scenario's year total after a reversal does (its working cites A-REVERSAL alone, so the
        # scenario blames the reading; the property keeps its article: runner.py's blame) — the same defect is
        # filed under the same row whichever kind of check caught it (probe s22 E, F5)
        d["failed_articles"] = in_document_order([*d["failed_articles"], f"{c.policy}-{REVERSAL_READING}"])
    d["failed_articles_under_readings"] = articles_under_readings(d)
    d["worked"] = working(d["path"], c.line) if c.kind == "scenario" and c.status not in ("passed",) else []
    for m in d["mismatches"]:
        exp, act = as_number(m["expected"]), as_number(m["actual"])
        m["ratio"] = is_ratio(m["field"], m.get("label", ""))
        # the lines a reader reads (HTML) show a ratio as the scenarios write it; the figures stay as answered
        m["expected_shown"], m["actual_shown"] = ((ratio_shown(m["expected"]), ratio_shown(m["actual"])) if m["ratio"]
                                                  else (m["expected"], m["actual"]))
        m["difference"] = str(act - exp) if exp is not None and act is not None else ""
    d["baseline"] = marks.get(c.nodeid, "")
    # a run read back from an older results.json, or a caller's own, may carry no examples record
    examples = getattr(run, "examples", None)
    examples = examples if isinstance(examples, dict) else {}
    d["counterexample_status"] = counterexample_status(
        c.counterexample, c.extra, c.message, c.nodeid, examples.get("front_end", "run"),
        str(examples.get("reproduce") or ""), c.policy or "") if c.kind == "property" else {}
    return d


REVERSAL_READING = "A-REVERSAL"   # the reading a reversal (2208) rests on (conform/reference/common.yaml)


def is_reading_tag(tag: str) -> bool:
    """A failed-article tag naming a reading of a silent text (panzhihua-A-BEFORE-VALIDITY), not an article."""
    return str(tag).partition("-")[2].startswith("A-")


def articles_under_readings(c: dict) -> list[str]:
    """The articles failed check `c` is listed as violating as read with the named readings its failing steps cite
    (its `assumptions`, the run's rests_on), so that a system taking another reading knows where to look (probe s29
    H5 F2). rests_on over-approximates — a step citing a reading is no proof the failure comes from it — so this says
    where a reading is involved, never that the article may hold. Empty where the failing steps cite no reading, for
    a failure on a reading alone (no article listed) and for any other status."""
    if c.get("status") != "failed" or not c.get("assumptions"):
        return []
    return violated_tags(c)


def violation_words(c: dict) -> str:
    """How a failed check's articles are listed (JUnit, report.html, report.xlsx say it alike): a plain breach, a
    breach under the readings relied on, or no article violated (the failure rests on a reading alone)."""
    if c.get("status") != "failed" or not c.get("failed_articles"):
        return ""
    if articles_under_readings(c):
        return VIOLATED_UNDER_READINGS
    if not violated_tags(c):
        return f"{NO_ARTICLE_VIOLATED}（仅依据假设 the failure rests on a reading alone）"
    return VIOLATED


def violated_tags(c: dict) -> list[str]:
    """The articles among a failed check's failed_articles (a reading it rests on alone is no article)."""
    return [t for t in c.get("failed_articles") or [] if not is_reading_tag(t)]


VIOLATED = "违反的条款 articles violated"
VIOLATED_UNDER_READINGS = "违反的条款（在所依据的读法下） articles violated under the readings relied on"
NO_ARTICLE_VIOLATED = "未违反条文 no article violated"


def _reversed_total(c: Any, d: dict) -> bool:
    """Whether failed check `c` (its dict `d` so far) has for its root mismatch (causes.root_mismatch) a year's total
    ("2023年度累计") and its failing figure rests on A-REVERSAL, without that reading's row among its failed articles."""
    from .causes import TOTALS_ITEM, root_mismatch

    if c.status != "failed" or not c.policy or not d["failed_articles"] or REVERSAL_READING not in d["assumptions"]:
        return False
    if f"{c.policy}-{REVERSAL_READING}" in d["failed_articles"]:
        return False
    root = root_mismatch([m for m in d["mismatches"] if isinstance(m, dict)])
    return root is not None and str(root.get("item", "")).endswith(TOTALS_ITEM)


def build(run: RunResult, gate: dict | None = None) -> dict:
    """The whole report as plain data (str, int, float, bool, list, dict), secrets masked."""
    from conform.reference.policy import load_policy

    base = run.baseline or {}
    marks = {n: key for key, field_name in (("fixed", "fixed"), ("known", "known"), ("regression", "regressions"))
             for n in base.get(field_name, ())}
    from conform.reference.policy import POLICY_IDS

    docs = {pid: doc_label(load_policy(pid)) for pid in POLICY_IDS}
    checks = [_check_dict(run, i, marks, docs) for i in range(len(run.checks))]
    coverage = _coverage()
    answered = run.answered()
    documents, matrix, assumptions = [], [], {}
    prop_planned = _properties_per_article()
    unrun = _not_run(run, docs)
    props_not_run = Counter(t for p in unrun if p["kind"] == "property" for t in dict.fromkeys(p["articles"]))
    for pid in _documents_for(run):
        policy = load_policy(pid)
        cov = coverage.get(pid, {})
        doc_checks = [c for c in checks if c["policy"] == pid]
        by_tag: dict[str, list[dict]] = {}
        for c in doc_checks:
            tags = c["articles"] or [f"{pid}-?"]
            if c["status"] == "failed" and c.get("failed_articles"):
                # A failed check blames only the articles whose rule it found broken (issue 10): a property
                # by its field or route, a scenario by the reference trace's clause of the failing figure.
                tags = c["failed_articles"]
                if c.get("kind") == "scenario" and not set(tags) & set(c["articles"] or ()):
                    # a scenario whose differing figures another article decides (a 第五条 scenario's fund payment,
                    # 第七条's): its own article is not judged, blocked by that figure (_row), not failed nor passed
                    tags = [*tags, *c["articles"]]
            for tag in tags:
                by_tag.setdefault(tag, []).append(c)
        rows = []
        articles = list(policy.articles.values())
        known_tags = {f"{pid}-{a.id}" for a in articles}
        for art in articles:
            tag = f"{pid}-{art.id}"
            entry = cov.get(art.id)
            cov_status = getattr(entry, "status", None) or ("unknown" if not cov else "missing")
            present = sum(1 for c in checks if c["kind"] == "scenario" and tag in (c.get("tags") or c["articles"]))
            rows.append(_row(pid, docs[pid], tag, art.id, art.label, art.heading, cov_status,
                             getattr(entry, "reason", "") or "", by_tag.get(tag, []), art.text,
                             planned=getattr(entry, "cases", 0) or 0, present=present,
                             props_planned=prop_planned.get(tag, 0),
                             props_present=sum(1 for c in checks if c["kind"] == "property" and tag in c["articles"]),
                             props_not_run=props_not_run.get(tag, 0)))
        for tag in sorted(set(by_tag) - known_tags):  # checks whose tag names no article: never lost
            art_id = tag.partition("-")[2]
            if art_id.startswith("A-"):  # a failure resting on a reading of a silent text, no article broken
                rows.append(_row(pid, docs[pid], tag, art_id, art_id,
                                 "文件未作规定，依据假设 a named reading where the text is silent", "unknown", "",
                                 by_tag[tag]))
                continue
            rows.append(_row(pid, docs[pid], tag, art_id, "（未标注条款）" if tag.endswith("-?") else tag,
                             "未标注或未知条款 untagged / unknown article", "unknown", "", by_tag[tag]))
        matrix += rows
        counts = Counter(c["status"] for c in doc_checks)
        # as the run's (results.decide): a feature or harness error, or checks none of which reached the
        # system, give no verdict (无法判定), never 不合格
        # an interrupted run certifies no document either: its passes so far are no 合格 (results.decide)
        # and a system that answered nothing in the run gives no document a verdict (results.decide)
        verdict = (decide(((c["status"], c.get("exercised")) for c in doc_checks), run.incomplete,
                          answered=answered) if doc_checks else "未测试")
        cov_counts = Counter(r["coverage"] for r in rows if r["label"] != "（未标注条款）")
        documents.append({
            "id": pid, "title": policy.title, "short": policy.short, "label": docs[pid],
            "draft": DRAFT_MARK in docs[pid], "issuer": policy.issuer, "kind": policy.kind,
            "number": policy.number or NO_NUMBER, "verdict": verdict, "verdict_en": VERDICT_EN[verdict],
            "counts": {s: counts[s] for s in STATUSES}, "checks": len(doc_checks),
            "scenarios": sum(1 for c in doc_checks if c["kind"] == "scenario"),
            "properties": sum(1 for c in doc_checks if c["kind"] == "property"),
            "articles": len(articles), "articles_tested": cov_counts["tested"],
            "articles_untestable": cov_counts["untestable"],
            "articles_pending": cov_counts["pending"] + cov_counts["missing"],
            "articles_failing": sum(1 for r in rows if r["result"] in FAILING),
        })
        for a in policy.assumptions.values():
            zh = _assumption_reasons().get(a.id)
            why = f"{zh}\n{a.why}" if zh else f"（理由暂无中文译文，英文原文如下）\n{a.why}"
            entry = assumptions.setdefault(a.id, {"id": a.id, "text": a.text, "why": why, "why_zh": zh or "",
                                                  "why_en": a.why, "policies": []})
            entry["policies"].append(docs[pid])
    other = [c for c in checks if not c["policy"]]
    if other:
        counts = Counter(c["status"] for c in other)
        other_verdict = decide(((c["status"], c.get("exercised")) for c in other), run.incomplete, answered=answered)
        documents.append({"id": "", "title": "跨文件检查 Checks not tied to one document", "short": "通用",
                          "label": "通用 general", "draft": False,
                          "issuer": "", "number": "", "verdict": other_verdict,
                          "verdict_en": VERDICT_EN[other_verdict],
                          "counts": {s: counts[s] for s in STATUSES}, "checks": len(other),
                          "scenarios": sum(1 for c in other if c["kind"] == "scenario"),
                          "properties": sum(1 for c in other if c["kind"] == "property"),
                          "articles": 0, "articles_tested": 0, "articles_untestable": 0, "articles_pending": 0,
                          "articles_failing": 0})
    counts = run.counts()
    verdict = run.verdict
    props = [c for c in checks if c["kind"] == "property"]
    from . import causes as causes_mod, certify
    from .terminal import verdict_sentence

    # "吉林 一", as citations write it (Policy.article_label): not the numbering's "一、"
    # … and a named reading (A-REVERSAL) as what it is, 假设 A-REVERSAL, not as an article of the document
    tag_labels = {r["tag"]: (f"假设 {r['article']}" if str(r["article"]).startswith("A-")
                             else f"{r['document']} {r['label'].rstrip('、. ')}") for r in matrix}
    run_view = {"adapter": run.adapter, "system": run.adapter.get("system") or run.adapter.get("adapter", ""),
                "harness_version": run.harness_version, "seed": run.seed, "started": run.started,
                "finished": run.finished, "selection": run.selection}
    data = {
        "schema": SCHEMA_NAME,
        "schema_version": SCHEMA_VERSION,
        "run": {
            "run_id": run.run_id, "started": run.started, "finished": run.finished,
            "adapter": run.adapter, "system": run.adapter.get("system") or run.adapter.get("adapter", ""),
            "policies": run.policies, "documents": [d["id"] for d in documents if d["id"]],
            "selection": run.selection, "harness_version": run.harness_version,
            "reference_version": run.reference_version, "seed": run.seed, "examples": run.examples,
            "planned": run.planned, "completed": len(run.checks), "incomplete": run.incomplete,
            "unreachable": run.unreachable,
            "notes": run.notes + ([NEVER_ANSWERED] if answered is False else [])
            + ([not_run] if (not_run := properties_not_run(checks)) else []),
            "answered": answered,
            "not_run": unrun,
        },
        "verdict": verdict,
        "verdict_en": VERDICT_EN[verdict],
        # the terminal's 结论 line, its counts of not applicable / skipped checks included (probe s24 W F1)
        "verdict_line": verdict_sentence(run),
        "gate": gate or {},
        "counts": counts,
        "totals": {"checks": len(checks), "scenarios": sum(1 for c in checks if c["kind"] == "scenario"),
                   "properties": len(props),
                   "properties_failed": sum(1 for c in props if c["status"] in FAILING)},
        "documents": documents,
        "matrix": matrix,
        "checks": checks,
        "causes": causes_mod.group(cause_view(checks), tag_labels),
        "certification": certify.record(run_view, run.examples, checks, documents),
        "manifest": [],
        "baseline": run.baseline or {},
        "assumptions": sorted(assumptions.values(), key=lambda a: a["id"]),
    }
    return evidence.mask(data)


def _not_run(run: RunResult, docs: dict[str, str]) -> list[dict]:
    """The planned checks an incomplete run did not run: nodeid, name, kind, policy, document and articles, as its
    checks[] name them (empty for a complete run, or where the planned checks are not known)."""
    if not run.incomplete:
        return []
    done = {c.nodeid for c in run.checks}
    return [{"nodeid": p.get("nodeid", ""), "name": p.get("name", ""), "kind": p.get("kind", ""),
             "policy": p.get("policy") or "", "document": docs.get(p.get("policy") or "", "通用 general"),
             "articles": in_document_order([str(t) for t in p.get("articles") or []])}
            for p in run.planned_checks if p.get("nodeid") not in done]


def _row(pid: str, short: str, tag: str, art_id: str, label: str, heading: str, coverage: str, reason: str,
         row_checks: list[dict], text: str = "", planned: int = 0, present: int = 0, props_planned: int = 0,
         props_present: int = 0, props_not_run: int = 0) -> dict:
    """One article's row. `planned`: its scenarios in features/ (outline rows counted); `present`: how many of
    them this run holds. An article whose scenarios did not all run is never 通过 on what did: a subset run
    (--article, --tag) or a cut-short one reads 部分运行 (partly run), or 未运行 when nothing of it passed.
    The same for its property checks (`props_planned` bound, `props_present` in the run, `props_not_run` of
    them planned but not run): an interrupted run or a selection leaving them out (--tag "not
    conform_property") does not pass what they check (probe s24 S F2)."""
    def status(c: dict) -> str:  # a check that names the articles it violated fails only on those
        if c["status"] == "failed" and c.get("failed_articles") and tag not in c["failed_articles"]:
            # a scenario of this article failing on a figure another article decides: this one is not judged
            return "blocked" if c.get("kind") == "scenario" and tag in (c.get("articles") or ()) else "passed"
        return c["status"]

    scen = Counter(status(c) for c in row_checks if c["kind"] != "property")
    props = Counter(status(c) for c in row_checks if c["kind"] == "property")
    result = _row_result(scen, props, coverage)
    if scen["blocked"] and result not in FAILING:
        upstream = in_document_order(list(dict.fromkeys(t for c in row_checks if status(c) == "blocked"
                                                         for t in c["failed_articles"])))
        from .causes import failed_clause

        named = failed_clause(upstream, pid).replace("；", "、") or "、".join(upstream)
        result = "blocked"
        reason = (f"该条款的 {scen['blocked']} 个场景因上游数值（由 {named} 决定）不符而未能判定，不计为本条款失败 "
                  f"{scen['blocked']} of its scenarios could not be judged: a figure decided by {named} differs "
                  f"upstream (counted against that article, not this one)" + (f"\n{reason}" if reason else ""))
    if result == "passed" and scen["not_applicable"]:
        # a scenario not applicable (a figure the system left out, a kind of visit it cannot be sent) judged nothing of
        # the article: what passed is no 通过 of it (probe s24 W F1)
        result = "partial"
        said = not_applicable_words([c for c in row_checks if c["kind"] != "property"])
        reason = (f"该条款的 {scen['not_applicable']} 个场景不适用、未判定（{said}），结果不能作为该条款通过的依据 "
                  f"{scen['not_applicable']} of its scenarios were not applicable and judged nothing"
                  + (f"\n{reason}" if reason else ""))
    elif result == "not_applicable" and scen["not_applicable"]:
        said = not_applicable_words([c for c in row_checks if c["kind"] != "property"])
        reason = (f"该条款的 {scen['not_applicable']} 个场景不适用（{said}） {scen['not_applicable']} of its scenarios "
                  "were not applicable" + (f"\n{reason}" if reason else ""))
    if result in ("passed", "partial") and props["not_applicable"]:
        # a property of the article checked nothing: what passed is no 通过 of the article (rvendor s11 D1)
        result = "partial"
        reason = (f"该条款的 {props['not_applicable']} 项属性检查不适用、未运行，结果不能作为该条款通过的依据 "
                  f"{props['not_applicable']} of its property checks were not applicable" + (f"\n{reason}" if reason else ""))
    # a property that passed drawing no visit of a kind the system cannot be sent as configured (a facility level or
    # remote visits its platform config leaves out: extra.not_drawn) checked the article without them (probe s24 W F4)
    narrowed = sorted({str(why) for c in row_checks if c["kind"] == "property" and status(c) == "passed"
                       for why in ((c.get("extra") or {}).get("not_drawn") or {}).values()})
    if result in ("passed", "partial") and narrowed:
        result = "partial"
        reason = (f"该条款的属性检查未抽取被测系统按其配置无法接收的就诊（{'；'.join(narrowed)}），结果不能作为该条款通过的依据 "
                  "its property checks drew no visit of the kinds the system cannot be sent as configured"
                  + (f"\n{reason}" if reason else ""))
    missing = []
    if planned and present < planned:
        missing.append(f"本次运行只包含该条款 {planned} 个场景中的 {present} 个，结果不能作为该条款通过的依据 "
                     f"only {present} of its {planned} scenarios were in this run")
    stopped = min(props_not_run, max(props_planned - props_present, 0))
    left_out = max(props_planned - props_present - stopped, 0)
    if stopped:
        missing.append(f"该条款 {props_planned} 项属性检查中的 {stopped} 项未运行（运行未完成），结果不能作为该条款通过的依据 "
                     f"{stopped} of its {props_planned} property checks did not run (the run did not finish)")
    if left_out:
        missing.append(f"本次选择未包含该条款 {props_planned} 项属性检查中的 {left_out} 项，结果不能作为该条款通过的依据 "
                     f"{left_out} of its {props_planned} property checks were not in this selection")
    if missing and result in ("passed", "not_applicable", "skipped", "partial"):
        held = scen["passed"] + props["passed"] + scen["not_applicable"] + props["not_applicable"]
        result = "partial" if held or result == "partial" else "not_run"
        reason = "\n".join(missing) + (f"\n{reason}" if reason else "")
    # a failure listing this article under the readings its figure rests on is said so, not as a plain breach
    failing = [c for c in row_checks if status(c) == "failed"]
    read = [c for c in failing if tag in (c.get("failed_articles_under_readings") or ())]
    under = sorted({str(a) for c in read for a in c.get("assumptions") or ()})
    if result == "failed" and read:
        said = "、".join(under)
        # rests_on over-approximates (a step citing a reading is no proof the failure comes from it: 北京's and 浙江's
        # every deductible and cap step cites their year reading): the row says where to look, never that the article
        # may hold (probe s29 R R2: a per-visit deductible, a plain breach, read "not necessarily in breach")
        reason = ((f"该条款的 {len(read)} 项失败均在引用了读法的步骤上（{said}）：被测系统若有意采用其中某一读法的另一种理解，"
                   f"请核对失败是否只因这一读法；引用读法并不表示失败由它造成，其余情形即违反本条款 every failure of this "
                   f"article ({len(read)}) is at a step citing readings ({said}): if your system deliberately takes another "
                   "reading of one of them, check whether the failure comes from that alone; a reading cited does not "
                   "mean the failure comes from it, and otherwise the article is violated") if len(read) == len(failing)
                  else (f"该条款的 {len(failing)} 项失败中有 {len(read)} 项在引用了读法的步骤上（{said}） {len(read)} of its "
                        f"{len(failing)} failures are at steps citing readings ({said})")) \
            + (f"\n{reason}" if reason else "")
    return {
        "policy": pid, "document": short, "draft": DRAFT_MARK in short, "tag": tag, "article": art_id,
        "label": label, "heading": heading, "text": text,
        "coverage": coverage, "coverage_label": " ".join(COVERAGE_LABELS.get(coverage, (coverage, coverage))),
        "reason": reason, "result": result, "result_label": status_label(result),
        "counts": {s: scen[s] for s in STATUSES},
        "properties": {s: props[s] for s in STATUSES},
        "checks": [c["id"] for c in sorted(row_checks, key=lambda c: status(c) not in FAILING)],
        "scenarios_planned": planned, "scenarios_run": present,
        # of the failures listing this article, those under named readings (checks' failed_articles_under_readings)
        "failed_under_readings": len(read), "under_readings": under,
        "only_under_readings": bool(read) and len(read) == len(failing),
    }
