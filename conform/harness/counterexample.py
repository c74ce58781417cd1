"""A property failure as a ready-to-paste zh-CN Gherkin feature, saying whether it was shrunk.

Each story (one test person and what was done for them) becomes one scenario
written with the step library's existing phrases only (conform/harness/steps/library.py),
tagged with the policy and the articles the property checks, so it can be saved
under features/ as a regression. The expected figures are the reference's, with
the reference's own arithmetic and clauses as comments above each visit so a
reviewer can check them against the article before adopting the scenario.
"""
from __future__ import annotations

import unicodedata
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from conform.reference.case import Settlement
from conform.reference.money import fmt, pct
from conform.reference.policy import load_policy
from conform.reference.trace import step_line

from .adapters.reference import ReferenceAdapter
from .generators import credit_input
from .properties.base import Credit, Observed, Presettle, Reverse, Settle, Story, Use, execute, no_evidence
from .steps.vocabulary import (DECISION_NAMES, EXCLUSION_NAMES, FACILITY_NAMES, MED_TYPE_NAMES, POLICY_NAMES,
                               PURPOSE_NAMES, RELATION_NAMES)

if TYPE_CHECKING:
    from .properties.base import Property, PropertyViolation


def _reverse(table: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for word, code in table.items():
        out.setdefault(code, word)
    return out


POLICY_WORD = _reverse(POLICY_NAMES)
FACILITY_WORD = {"tertiary": "三级医疗机构", "secondary": "二级医疗机构", "primary": "一级医疗机构",
                 "unrated": "未定级医疗机构", "pharmacy": "定点零售药店"}
MED_WORD = _reverse(MED_TYPE_NAMES)
PERSON_WORD = {"1101": "在职职工", "1201": "退休人员", "1103": "灵活就业在职", "1203": "灵活就业退休"}
DISEASE_WORD = {"chronic": "门诊慢特病", "special": "特殊疾病", "two_disease": "两病"}
EXCLUSION_WORD = _reverse(EXCLUSION_NAMES)
RELATION_WORD = _reverse(RELATION_NAMES)
PURPOSE_WORD = _reverse(PURPOSE_NAMES)
DECISION_WORD = _reverse(DECISION_NAMES)
RESULT_COLUMNS = (("政策范围内费用", "inscp_scp_amt"), ("本次起付线", "act_pay_dedc"), ("统筹基金支付", "hifp_pay"),
                  ("基金支付总额", "fund_pay_sumamt"), ("个人负担", "psn_part_amt"), ("个人账户支付", "acct_pay"),
                  ("现金支付", "psn_cash_pay"), ("支付比例", "pool_prop_selfpay"))
YTD_WORDS = (("起付线", "ordinary_dedc"), ("普通门诊统筹支付", "ordinary_pay"), ("住院统筹支付", "inpatient_pay"),
             ("特殊疾病起付线", "special_dedc"))

assert set(FACILITY_WORD.values()) <= set(FACILITY_NAMES)  # phrases the step library knows


def _width(text: str) -> int:
    """Display width: CJK characters take two columns, so table columns line up in an editor."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class _Steps:
    """Writes Given/When/Then lines with the right keyword (假如/当/那么, then 并且)."""

    KEYWORDS = {"given": "假如", "when": "当", "then": "那么"}

    def __init__(self, indent: str = "    "):
        self.lines: list[str] = []
        self.kind: str | None = None
        self.indent = indent

    def add(self, kind: str, text: str) -> None:
        word = "并且" if kind == self.kind else self.KEYWORDS[kind]
        self.kind = kind
        self.lines.append(f"{self.indent}{word} {text}")

    def comment(self, text: str) -> None:
        for line in text.splitlines():
            self.lines.append(f"{self.indent}# {line}".rstrip())

    def table(self, rows: list[list[str]]) -> None:
        widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
        for r in rows:
            cells = (c + " " * (w - _width(c)) for c, w in zip(r, widths))
            self.lines.append(f"{self.indent}  | " + " | ".join(cells) + " |")


def renumbered(story: Story) -> Story:
    """The story with its settlements numbered V1, V2, … in order, as the step library numbers them."""
    ids: dict[str, str] = {}
    ops = []
    for op in story.ops:
        if isinstance(op, (Settle, Presettle)):  # a 预结算 takes a number too (World.next_id)
            new = f"V{len(ids) + 1}"
            ids[op.settlement.id] = new
            ops.append(type(op)(replace(op.settlement, id=new)))
        elif isinstance(op, Reverse):
            ops.append(Reverse(ids.get(op.setl_id, op.setl_id)))
        else:
            ops.append(op)
    return Story(story.setting, story.person, ops, story.title)


def visit_phrase(s: Settlement, refused: bool = False, presettle: bool = False) -> str:
    """One visit in the step library's words (参保人于 … 在 … 结算医疗费用 … 元，其中…（…））; a 2206 预结算医疗费用."""
    dise = f"（病种 \"{s.dise_codg}\"）" if s.dise_codg else ""
    parts = [f"{label} {fmt(v)} 元" for label, v in (("全自费", s.fulamt_ownpay_amt), ("超限价", s.overlmt_selfpay),
                                                     ("先行自付", s.preselfpay_amt)) if v]
    flags = (["异地就医"] if s.remote else []) + (["不使用个人账户"] if not s.acct_used_flag else []) + \
        ([EXCLUSION_WORD[s.exclusion]] if s.exclusion else [])
    who = "参保人尝试于" if refused else "参保人于"
    text = (f"{who} \"{s.date.isoformat()}\" 在 \"{FACILITY_WORD[s.facility]}\" {MED_WORD[s.med_type]}{dise}"
            f"{'预结算' if presettle else '结算'}医疗费用 {fmt(s.medfee_sumamt)} 元")
    if parts:
        text += "，其中" + "、".join(parts)
    if flags:
        text += "（" + "，".join(flags) + "）"
    return text


def _person_steps(steps: _Steps, story: Story, psn_no: str) -> None:
    s, p = story.setting, story.person
    steps.add("given", f"适用政策 \"{POLICY_WORD[s.policy]}\"")
    if s.region:
        steps.add("given", f"地区配置 \"{s.region}\"")
    for key, value in s.params:
        steps.add("given", f"地区参数 \"{key}\" 为 \"{value}\"")
    steps.add("given", f"参保人 \"{psn_no}\" 为 \"{PERSON_WORD[p.psn_type]}\"")
    if p.birth_date:
        steps.add("given", f"参保人出生日期为 \"{p.birth_date.isoformat()}\"")
    if p.flex_tier is not None:
        steps.add("given", f"参保人为 \"{'一档' if p.flex_tier == 1 else '二档'}\" 灵活就业人员")
    if p.has_account is False:
        steps.add("given", "参保人未建立个人账户")
    if p.retire_date:
        steps.add("given", f"参保人于 \"{p.retire_date.isoformat()}\" 退休")
    if p.benefit_period:
        steps.add("given", f"参保人待遇享受期为 \"{p.benefit_period.begin.isoformat()}\" 至 "
                           f"\"{p.benefit_period.end.isoformat()}\"")
    if p.remote_filing:
        steps.add("given", "参保人已办理异地备案")
    if p.acct_balance is not None:
        steps.add("given", f"参保人个人账户余额为 {fmt(p.acct_balance)} 元")
    for d in p.diseases:
        steps.add("given", f"参保人登记{DISEASE_WORD[d.kind]}病种 \"{d.dise_codg}\"")
    for stay in p.hospital_stays:
        steps.add("given", f"参保人于 \"{stay.begin.isoformat()}\" 至 \"{stay.end.isoformat()}\" 住院")


def _ytd_steps(steps: _Steps, year: int, ytd: dict, always: bool = True) -> None:
    for word, name in YTD_WORDS:
        value = ytd.get(name)
        if value is None:
            continue
        if always and name in ("ordinary_dedc", "ordinary_pay") or Decimal(str(value)) != 0:
            steps.add("then", f"{year} 年度累计{word}为 {fmt(Decimal(str(value)))} 元")


def render_scenario(story: Story, name: str, tags: list[str], psn_no: str = "CE-0001",
                    notes: list[str] | None = None) -> list[str]:
    """One story as a tagged 场景, with the reference's figures as the expected ones."""
    story = renumbered(story)
    with no_evidence():
        ref: Observed = execute(ReferenceAdapter(), story, psn_no=psn_no)
    rules = story.setting.rules
    steps = _Steps()
    lines = ["  " + " ".join(f"@{t}" for t in tags), f"  场景: {name}"]
    for n in notes or ():
        steps.comment(n)
    _person_steps(steps, story, psn_no)
    credits = iter(ref.credits)
    uses = iter(ref.uses)
    for op in story.ops:
        if isinstance(op, Settle):
            s = op.settlement
            out = ref.settled.get(s.id)
            if out is not None:
                steps.comment("\n".join(f"{s.id} {step_line(t)}" for t in out.get("trace", [])))
            steps.add("when", visit_phrase(s, refused=s.id in ref.refused))
            if s.id in ref.refused:
                steps.add("then", "结算被拒绝")
        elif isinstance(op, Presettle):
            s = op.settlement
            out = ref.presettled.get(s.id)
            if out is not None:
                steps.comment("\n".join(f"{s.id}（预结算，不计入年度累计）{step_line(t)}"
                                        for t in out.get("trace", [])))
            steps.add("when", visit_phrase(s, presettle=True))
        elif isinstance(op, Reverse):
            steps.add("when", f"撤销结算 \"{op.setl_id}\"")
        elif isinstance(op, Credit):
            req, got = next(credits)
            kind = credit_input(rules, story.person, req.month)
            what = {"base": f"（缴费基数 {fmt(req.base or Decimal(0))} 元）",
                    "contribution": f"（个人缴费 {fmt(req.contribution or Decimal(0))} 元）"}.get(kind or "", "")
            steps.add("when", f"为 \"{req.month}\" 计入个人账户{what}")
            if isinstance(got, str):
                steps.add("then", "个人账户计入被拒绝")
            else:
                steps.add("then", f"\"{req.month}\" 个人账户计入 {fmt(Decimal(str(got['amount'])))} 元")
        elif isinstance(op, Use):
            req, got = next(uses)
            amount = f" {fmt(req.amount)} 元" if req.amount is not None else ""
            steps.add("when", f"个人账户为 \"{RELATION_WORD[req.relation]}\" 支付 \"{PURPOSE_WORD[req.purpose]}\"{amount}")
            if isinstance(got, str):
                pass
            elif got["decision"] == "undetermined":
                # the text leaves this use open: a system may allow or refuse it, so the scenario asserts
                # nothing here (the step would skip the whole scenario, and with it every check after)
                steps.comment("文件未作规定：允许或拒绝均不违反文件，此处不作判定")
            elif (rule := rules.policy.account_uses.get(req.purpose)) is not None and rule.condition \
                    and got["decision"] == "allowed":
                # allowed on a condition the request cannot show: any answer stands, as the features write it
                steps.add("then", f'个人账户使用有条件允许，依据 "{rule.cite.split(" ", 1)[-1]}"，限 "{rule.condition}"')
            else:
                steps.add("then", f"个人账户使用{DECISION_WORD[got['decision']]}")
    # a 2206's figures are asserted too (by its id, as the step library takes them): a differential that failed on a
    # pre-settlement (the year so far ignored) must fail its counterexample as well, not only be commented in it
    answered = {**ref.presettled, **ref.settled}
    settled = [op.settlement for op in story.ops if isinstance(op, (Settle, Presettle)) and op.settlement.id in answered]
    if settled:
        steps.add("then", "各次结算结果为：")
        rows = [["编号", *(w for w, _ in RESULT_COLUMNS)]]
        for s in settled:
            out = answered[s.id]
            rows.append([s.id, *(pct(Decimal(str(out[f]))) if f == "pool_prop_selfpay" else fmt(Decimal(str(out[f])))
                                 for _, f in RESULT_COLUMNS)])
        steps.table(rows)
    for year, ytd in sorted(ref.ytd.items()):
        _ytd_steps(steps, year, ytd)
    balance = next((y.get("acct_balance") for y in ref.ytd.values() if y.get("acct_balance") is not None), None)
    if balance is not None:
        steps.add("then", f"个人账户余额为 {fmt(Decimal(str(balance)))} 元")
    return lines + steps.lines


# What a counterexample is, said in its feature's first line (and read back by the reports: `kind_of`). Only a
# failure Hypothesis shrank to the end is "the minimal counterexample": shrinking stops after a time
# (settings.SHRINK_SECONDS, `--conform-shrink-seconds` / `conform run --shrink-seconds`), and an explicit example
# a property always tries first (e.g. properties/settlement._fen_edge_examples) is never shrunk at all.
SHRUNK, UNSHRUNK, REPLAYED, EXPLICIT = "shrunk", "unshrunk", "replayed", "explicit"
SMALLER = ("要得到更小的反例，请以同一种子加长缩减时间重跑（conform run --shrink-seconds 60，"
           "或 pytest --conform-shrink-seconds 60；--thorough 时缩减可用 120 秒）")
KIND_HEADER = {
    # Not "最小反例": Hypothesis shrinks its choices (a visit's amount is decoded from the low digits of a seed,
    # generators._VisitDecoder.decode), not the amounts; its end is where it finds nothing smaller that fails, which
    # may hold a V1 of 19279.37 where any visit over the cap would do (s21 probeX item 5, cap_not_reset_on_new_year)
    SHRUNK: "由 conform 属性测试（Hypothesis）发现并缩小的反例（Hypothesis 缩小后的反例，其中金额未必是最小的）",
    UNSHRUNK: ("由 conform 属性测试（Hypothesis）发现、但未完全缩小的反例（缩减在时限内停止：其中可能仍有与不符无关的情形，"
               f"同一种子再次运行也可能得到不同的反例；{SMALLER}）"),
    REPLAYED: ("由 conform 属性测试（Hypothesis）发现、但未完全缩小的反例（被测系统重放结果不一致，以下为找到的最小反例，"
               "同一种子再次运行可能得到不同的反例）"),
    EXPLICIT: "属性每次运行都会先试的固定示例（显式示例，不经缩小），被测系统未通过",
}


# The SHRUNK header before s21 (an older results.json's Gherkin), still read as SHRUNK.
OLD_HEADERS = {SHRUNK: "由 conform 属性测试（Hypothesis）发现并缩小的最小反例"}


def kind_of(gherkin: str) -> str:
    """Which KIND_HEADER a rendered counterexample's feature opens with ('' for none: not rendered by this module,
    or written before its kinds were told apart); an older header (OLD_HEADERS) as its kind."""
    for line in (gherkin or "").splitlines()[:4]:
        for kind, header in (*KIND_HEADER.items(), *OLD_HEADERS.items()):
            if line.strip().startswith(header):
                return kind
    return ""


def violation_kind(e: "PropertyViolation", prop: "Property | None" = None, policy: str = "") -> str:
    """What the violation's example is: one of the property's explicit examples (Hypothesis's note "Failing explicit
    example", or — where the runner has replaced the notes — the stories equal to one the property lists), a
    failure whose shrinking stopped (the runner's note "not fully shrunk"), one found again after a replay that
    differed, or one shrunk to the end."""
    notes = [str(n) for n in getattr(e, "__notes__", ()) or ()]
    if any(n.startswith("Failing explicit example") for n in notes) or _is_explicit(e, prop, policy):
        return EXPLICIT
    if any("未完全缩减" in n or "not fully shrunk" in n for n in notes):
        return UNSHRUNK
    if any("replay differed" in n for n in notes):
        return REPLAYED
    return SHRUNK


def _is_explicit(e: "PropertyViolation", prop: "Property | None", policy: str) -> bool:
    examples = getattr(prop, "examples", None) if prop is not None else None
    if not callable(examples) or len(e.stories) != 1:
        return False
    story = e.stories[0]
    try:
        listed = examples(policy)
    except Exception:  # noqa: BLE001 - telling the kind must never lose the failure
        return False
    for ex in listed or ():
        if isinstance(ex, (list, tuple)) and len(ex) == 1:
            ex = ex[0]
        if getattr(ex, "setting", None) == story.setting and getattr(ex, "person", None) == story.person \
                and list(getattr(ex, "settlements", None) or ()) == story.settlements:
            return True
    return False


def render_feature(stories: list[Story], *, policy: str, articles: list[str] | tuple[str, ...], title: str,
                   headline: str = "", mismatches: list | None = None, kind: str = SHRUNK) -> str:
    """A whole feature file: one scenario per story, tagged with the policy and the articles; its first line says
    what the example is (`kind`, KIND_HEADER)."""
    doc = load_policy(policy)
    tags = [policy, *(f"{policy}-{a}" for a in articles)]
    cited = "、".join(doc.cite(a) for a in articles)
    out = ["# language: zh-CN", f"功能: 属性反例回归 — {title}",
           f"  {KIND_HEADER.get(kind, KIND_HEADER[SHRUNK])}；检查条款：{cited}。",
           "  期望值取自参考实现（reference），其计算过程和依据条款写在每次就诊上方的注释中；",
           "  加入 features/ 作为回归场景之前，请对照条文逐项手工复核。", ""]
    notes = []
    if headline:
        notes.append(f"属性：{headline}")
    for m in (mismatches or [])[:8]:
        notes.append(f"被测系统：{(m.item + ' ') if m.item else ''}{m.label or m.field}（{m.field}）应为 {m.expected}，"
                     f"实际 {m.actual}")
    for i, story in enumerate(stories, 1):
        name = f"{title}（反例{'' if len(stories) == 1 else i}：{story.title or '参保人' + str(i)}）"
        out += render_scenario(story, name, tags, psn_no=f"CE-{i:04d}", notes=notes if i == 1 else None)
        out.append("")
    return "\n".join(out)


def render_violation(e: "PropertyViolation", prop: "Property", policy: str,
                     blamed: list[str] | tuple[str, ...] = ()) -> str:
    """The counterexample of a failed property for one policy, tagged with the articles it blames (`blamed`,
    else those it found broken, else the property's)."""
    try:
        articles = blamed or getattr(e, "articles", ()) or prop.clauses.get(policy, ())
        return render_feature(e.stories, policy=policy, articles=articles, title=prop.title,
                              headline=e.headline, mismatches=e.mismatches, kind=violation_kind(e, prop, policy))
    except Exception as exc:  # noqa: BLE001 - the failure itself must still be reported
        return f"# 反例无法写成 Gherkin（{exc}）；原始例子：{[s.ops for s in e.stories]!r}"
