"""Personal accounts (个人账户): the monthly credit each document fixes, and uses that move money only when allowed."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import strategies as st

from conform.reference.case import RELATIONS, CreditRequest, Person, UseRequest
from conform.reference.policy import Rules

from ..generators import (Setting, account_uses, amounts, credit_requests, holds_account, last_year, months, persons,
                          settings_strategy, with_account, year_offset)
from . import figures as fig
from .base import Context, Credit, D, Story, Use, conform_property, mismatch
from .clauses import ACCOUNT_CREDIT, ACCOUNT_USE

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
YUAN = Decimal("1")


@dataclass(frozen=True)
class AccountYear:
    setting: Setting
    person: Person
    credits: tuple[CreditRequest, ...] = ()
    uses: tuple[UseRequest, ...] = ()


def document_credit(rules: Rules, person: Person, req: CreditRequest) -> Decimal:
    """The month's credit as each document writes it, with the document's own figures.

    攀枝花 第四条: in-service the whole personal contribution; tier-1 flexible workers 2% of the base;
    retirees 2% of the 2022 average pension (region-supplied, 第十二条) rounded to the yuan; tier 2
    nothing (A-PZH-FLEX-TIER2). 南昌 四（三）1: in-service 2% of the base; retirees 2.5% of the 2023
    provincial average pension. 北京 (三): in-service 2% of the base; retirees 100 yuan a month, 110
    from the month they turn 70 (A-BJ-AGE70). 浙江 二（三）: the city's rate and fixed sum.
    Amounts to the fen, half up (A-ACCOUNT-MONTH), unless the text says otherwise."""
    policy = rules.policy.id
    first = dt.date(int(req.month[:4]), int(req.month[5:7]), 1)
    retiree = fig.role_on(person, first) == "retiree"

    def fen(d: Decimal) -> Decimal:
        return d.quantize(FEN, rounding=ROUND_HALF_UP)

    base = req.base or Decimal("0")
    if policy == "panzhihua":
        if fig.is_flexible(person) and person.flex_tier == 2:
            return Decimal("0.00")
        if retiree:
            avg = fig.need(rules, "account.retiree.average_pension")
            return (avg * Decimal("0.02")).quantize(YUAN, rounding=ROUND_HALF_UP).quantize(FEN)
        if fig.is_flexible(person):
            return fen(base * Decimal("0.02"))
        return fen(req.contribution or Decimal("0"))
    if policy == "nanchang":
        if retiree:
            return fen(fig.need(rules, "account.retiree.average_pension") * Decimal("0.025"))
        return fen(base * Decimal("0.02"))
    if policy == "beijing":
        if retiree:
            assert person.birth_date is not None
            # from the month of the 70th birthday on (A-BJ-AGE70): compared as (year, month), a 29 February
            # birthday's month is February in every year
            seventy = (person.birth_date.year + 70, person.birth_date.month)
            return Decimal("110.00") if (int(req.month[:4]), int(req.month[5:7])) >= seventy else Decimal("100.00")
        return fen(base * Decimal("0.02"))
    if policy == "zhejiang":
        if retiree:
            return fen(fig.need(rules, "account.retiree.monthly"))
        return fen(base * fig.need(rules, "account.in_service.rate_of_base"))
    raise AssertionError(f"{policy} fixes no account credit")


@st.composite
def credit_years(draw: Any, policy: str) -> AccountYear:
    """A person (every type, tier and age) and 1–12 monthly credits in order."""
    setting = draw(settings_strategy(policy, credits=True))
    first = draw(months())
    first = f"{int(first[:4]) + year_offset(setting):04d}{first[4:]}"  # into the setting's validity (year_offset)
    person = draw(persons(setting, int(first[:4])))
    if person.has_account is False:  # stated to have no account: nothing to credit to, so not drawn here
        person = replace(person, has_account=None)
    if person.acct_balance is None and holds_account(setting, person.has_account, fig.is_flexible(person), person.flex_tier):
        # The balance after a credit is the opening balance plus the credit: the opening is stated (0.00 too),
        # as a credit does not open an account whose balance nobody gave at 0.00 (the reference keeps it unknown).
        person = replace(person, acct_balance=draw(amounts(5_000_00, 0)))
    y, m = int(first[:4]), int(first[5:7])
    out = []
    for _ in range(draw(st.integers(1, 12))):
        out.append(draw(credit_requests(setting.rules, person, f"{y:04d}-{m:02d}")))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        if y > last_year(setting):
            break
    return AccountYear(setting, person, tuple(out))


@conform_property("account_credit", "个人账户每月计入额符合文件规定", ACCOUNT_CREDIT, strategy=credit_years,
                  needs=("prepare_person", "credit_month"))
def account_credit(ctx: Context, ex: AccountYear) -> None:
    """Every person type, every month: the credit is what the document says (see `document_credit`),
    and the balance grows by exactly that."""
    story = Story(ex.setting, ex.person, [Credit(c) for c in ex.credits], "个人账户计入")
    obs = ctx.run(story, years=[])
    rules = ex.setting.rules
    balance = ex.person.acct_balance or ZERO  # None only without an account (攀枝花 tier 2): it holds nothing
    for req, got in obs.credits:
        want = document_credit(rules, ex.person, req)
        if isinstance(got, str):
            ctx.fail("被测系统拒绝了文件可以确定的个人账户计入", [mismatch("amount", want, f"拒绝：{got}", req.month)], story)
        if D(got.get("amount")) != want:
            ctx.fail(f"{req.month}个人账户计入额与文件规定不符", [mismatch("amount", want, got.get("amount"), req.month)],
                     story)
        balance += want
        if got.get("acct_balance") is not None and D(got["acct_balance"]) != balance:
            ctx.fail("计入后个人账户余额不符", [mismatch("acct_balance", balance, got["acct_balance"], req.month)], story)


@st.composite
def use_years(draw: Any, policy: str) -> AccountYear:
    """A person with an account balance and a series of requested uses (every relation and purpose)."""
    setting = draw(settings_strategy(policy))
    person = with_account(setting, draw(persons(setting, 2024)))  # only an account holder has uses to check
    person = replace(person, acct_balance=draw(amounts(5_000_00, 0)))
    return AccountYear(setting, person, uses=draw(account_uses(setting.rules)))


def document_decision(rules: Rules, relation: str, purpose: str) -> str:
    """allowed / refused / undetermined as the document's list of uses has it (conform/reference/policies data).

    A use the text allows only under a condition the request cannot carry (`condition`: 南昌 四（三）2
    经市医疗保障局备案的商业补充医疗保险, 北京（四）与基本医疗保险相衔接的本市商业健康保险产品, 浙江 二（四）
    参加本省城乡居民基本医保) is `conditional`: allowing (the condition holds) and refusing (it cannot be
    confirmed) are both within the text, as the scenarios' `，限 "…"` accepts them."""
    rule = rules.policy.account_uses.get(purpose)
    if rule is None:
        return "undetermined"
    if rule.decision == "allowed":
        if relation not in rule.relations:
            return rule.others  # refused, or undetermined where the text names no one (北京（四）商业健康保险)
        return "conditional" if rule.condition else "allowed"
    return rule.decision


def use_clause(rules: Rules, purpose: str, clause: str, has_account: Any = None) -> str:
    """The reference's clause for a use decision with the reading the use's rule rests on (its `assumption:`
    in the policy file: 北京（四）购买商业健康保险产品, A-BJ-COMMERCIAL-FOR-WHOM), each part
    once: a system deciding the use otherwise disagrees with that reading, not with the bare article, and the
    report says so (the check's rests_on, the cause, the exit line). Not for a person stated to have no account
    (has_account false): that use is refused for want of an account, whatever the rule reads."""
    rule = rules.policy.account_uses.get(purpose)
    parts = [p.strip() for p in (clause or "").split("；") if p.strip()]
    if rule is not None and rule.assumption and has_account is not False:
        parts.append(rule.assumption)
    return "；".join(dict.fromkeys(parts))


def undecided_seen(ctx: Context, decision: Any) -> None:
    """Count, on the check, the uses the text does not decide (or allows only on a condition the request
    cannot carry) and what the system answered (not judged)."""
    seen = ctx.notes.setdefault("undetermined_uses", {})
    seen[str(decision)] = seen.get(str(decision), 0) + 1


@conform_property("account_use", "个人账户使用范围符合文件规定，被拒绝的使用不动账户余额", ACCOUNT_USE,
                  strategy=use_years, needs=("prepare_person", "check_account_use"))
def account_use(ctx: Context, ex: AccountYear) -> None:
    """Each use gets the document's decision for that relative and purpose; an allowed use with an
    amount within the balance is debited exactly; a refused use never moves money. Where the text decides
    nothing (undetermined), or allows the use only on a condition the request cannot carry (conditional),
    any of the three answers is accepted and money moves as the system decided; such uses are counted on
    the check, not judged. A use over the balance: no text says whether it is refused or paid up to the
    balance (攀枝花 第五条 scenario 余额不足时不得透支), so either is accepted — refused, the balance is
    unchanged; allowed, the account pays no more than it holds and the balance ends at 0.00 — and the
    balance never goes below 0."""
    story = Story(ex.setting, ex.person, [Use(u) for u in ex.uses], "个人账户使用")
    obs = ctx.run(story, years=[])
    rules = ex.setting.rules
    balance = ex.person.acct_balance
    assert balance is not None
    for req, got in obs.uses:
        item = f"{RELATIONS[req.relation]}·{req.purpose}"
        if isinstance(got, str):
            ctx.fail("被测系统拒绝回答个人账户使用校验", [mismatch("decision", "allowed/refused/undetermined", got, item)],
                     story)
        want = document_decision(rules, req.relation, req.purpose)
        if want in ("undetermined", "conditional"):  # the text leaves the answer open: the system's stands
            if got.get("decision") not in ("allowed", "refused", "undetermined"):
                ctx.fail("个人账户使用决定不是允许、拒绝或未作规定之一",
                         [mismatch("decision", "allowed/refused/undetermined", got.get("decision"), item)], story)
            undecided_seen(ctx, got.get("decision"))
            want = got.get("decision")
        over = want == "allowed" and req.amount is not None and req.amount > balance
        if over and got.get("decision") in ("allowed", "refused"):
            want = got.get("decision")  # 余额不足: the text fixes no overdraft only, not refusal or payment
        if got.get("decision") != want:
            ctx.fail("个人账户使用决定与文件规定不符", [mismatch("decision", want, got.get("decision"), item)], story)
        if want == "allowed" and req.amount is not None:
            balance = ZERO if over else balance - req.amount  # over the balance: paid up to it, never past
        if got.get("acct_balance") is not None and D(got["acct_balance"]) != balance:
            if D(got["acct_balance"]) < 0:
                what = "个人账户透支"
            elif want != "allowed":
                what = "被拒绝的使用动了账户余额"
            elif over:
                what = "超过余额的使用未以余额为限支付"
            else:
                what = "账户余额与允许的支付金额不符"
            ctx.fail(what, [mismatch("acct_balance", balance, got["acct_balance"], item)], story)
        if balance < 0:
            ctx.fail("个人账户余额为负", [mismatch("acct_balance", "≥ 0", balance, item)], story)
