"""Personal accounts (个人账户): what is credited each month and what it may pay for."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from .benefits import OutsideValidity
from .case import PURPOSES, RELATIONS, CreditRequest, Person
from .money import YUAN, ZERO, fmt, round_fen, round_yuan
from .policy import AccountUseRule, MissingParameter, PolicyError, Rules
from .trace import Pct, Trace, join_cites


@dataclass(slots=True)
class Credit:
    month: str
    amount: Decimal
    trace: Trace


@dataclass(slots=True)
class UseDecision:
    decision: str  # allowed | refused | undetermined
    clause: str
    reason: str
    quote: str = ""


def age_in_month(birth: dt.date, first: dt.date) -> int:
    """Age in whole years in the month of `first`, the birthday month counting as the new age
    (A-BJ-AGE70): by months only, so a 29 February birthday is February's in every year."""
    return first.year - birth.year - (first.month < birth.month)


def _month_end(first: dt.date) -> dt.date:
    nxt = dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def account_reform(rules: Rules) -> tuple[dt.date, str, str] | None:
    """The date a document itself gives the account reform, apart from the date its other rules start
    (浙江 二（三）“2023年起开始实施改革” dates the account; a city's `valid_from` under 三（二）dates its
    pooling and may be earlier): (date, citation, quote), or None where one date serves both."""
    ar = rules.policy.doc.get("account_reform")
    if not ar:
        return None
    start = ar["valid_from"]
    start = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
    return start, join_cites(rules.policy.cite(str(ar["article"])), ar.get("assumption")), str(ar["quote"])


def reform_dates(rules: Rules, what: str) -> bool:
    """Whether the document's account-reform date governs `what` (`account_credit` or `account_use`): the reform
    block's `dates:`, both where it names none (北京: its （三）（四） start on the one date). 浙江 二（三）dates the
    crediting reform only (“调整在职职工和退休人员个人账户，2023年起开始实施改革”); （四）'s use scope carries no date."""
    ar = rules.policy.doc.get("account_reform") or {}
    return what in ar.get("dates", ("account_credit", "account_use"))


def account_rules_start(rules: Rules) -> dt.date | None:
    """The day the account rules start besides the reform's own date: the region's or the document's valid_from,
    unless the reform block says its date is the account rules' only one (北京 `sole`: a region's valid_from dates
    the outpatient figures （五）leaves to it, not the measures' own crediting and uses （三）（四））."""
    ar = rules.policy.doc.get("account_reform") or {}
    return None if ar.get("sole") else rules.valid_from


def _before_account_reform(rules: Rules, last_day: dt.date, what: str, what_zh: str,
                           kind: str = "account_credit") -> OutsideValidity | None:
    """The refusal for a month or day before the account reform the document dates, whatever date the
    region gives its own rules (A-BEFORE-VALIDITY); None from the reform on, or where the reform does not
    date `kind` (check_use then decides: _use_before_reform)."""
    reform = account_reform(rules)
    if reform is None or last_day >= reform[0] or not reform_dates(rules, kind):
        return None
    start, cite, quote = reform
    return OutsideValidity(f"{what} before {rules.policy.short}'s personal-account reform takes effect on {start} "
                           f"({cite}: “{quote}”), whatever date the region's own rules start on; the account rules "
                           "before it are not in the text (A-BEFORE-VALIDITY)",
                           f"{what_zh}早于{rules.policy.short}个人账户改革的施行日期 {start}（{cite}：“{quote}”），"
                           "不因地区规定的施行日期而改变；改革前的个人账户规定不在本文件中，无法计算（A-BEFORE-VALIDITY）")


def _unrounded(d: Decimal) -> str:
    """An exact product as it is, to the fen at least (56.50, 56.4998): shown held to the fen, 2824.99 × 2% =
    56.4998 would read 56.50 and its rounding to the yuan (56) would look wrong."""
    return fmt(d) if d == round_fen(d) else format(d.normalize(), "f")


def _credit_article(rules: Rules) -> str:
    """The document's crediting article, as the first account figure it fixes or asks for names it."""
    policy = rules.policy
    for key, p in policy.params.items():
        if key.startswith("account."):
            return policy.cite(p.article)
    for r in policy.requirements:
        if r.pattern.startswith("account."):
            return r.cite
    return policy.short


def _reform_month_reading(rules: Rules, first: dt.date) -> str | None:
    """The reading that dates the account reform (北京 A-BJ-EFFECTIVE), for the month it takes effect in after that
    month's first day (2022-03, from 6 March): no text says whether that month is credited in full or by the day,
    so its credit rests on the reading's “施行当月全月计入，不按日折算” — a system prorating it departs from the
    reading, not from the article's rate (probe s26/1 F5). None for any other month, or a reform dated on a 1st."""
    reform = account_reform(rules)
    if reform is None or not reform_dates(rules, "account_credit") or not first < reform[0] <= _month_end(first):
        return None
    return (rules.policy.doc.get("account_reform") or {}).get("assumption")


def credit_month(rules: Rules, person: Person, req: CreditRequest) -> Credit:
    """The monthly credit for one person type under one document (A-ACCOUNT-MONTH); in the month the account
    reform takes effect in, every step giving a figure other than 0.00 cites the reading that dates it
    (_reform_month_reading): a 0.00 credit is 0.00 whether the month is prorated or not."""
    c = _credit_month(rules, person, req)
    reading = _reform_month_reading(rules, req.first_day)
    if reading is not None and c.amount != ZERO:
        c.trace.cite_figures(reading)
    return c


def _credit_month(rules: Rules, person: Person, req: CreditRequest) -> Credit:
    """credit_month, before the reform month's reading."""
    policy = rules.policy
    if "account_credit" not in policy.covers:
        raise PolicyError(f"{policy.short} ({policy.number}) does not fix personal-account crediting")
    t = Trace()
    day = req.first_day
    refused = _before_account_reform(rules, _month_end(day), f"account credit {req.month}: the month ends",
                                     f"个人账户计入 {req.month}：该月末")
    if refused is not None:
        raise refused
    start = account_rules_start(rules)
    if start is not None and _month_end(day) < start:
        # Accounts were credited before the reform too (南昌 一: 2.9% / 3.5%), under rules not in the text.
        raise OutsideValidity(f"account credit {req.month}: the month ends before {policy.short}'s crediting takes "
                              f"effect on {start} ({rules.validity_cite}); earlier months follow earlier "
                              "rules the harness does not hold (A-BEFORE-VALIDITY)",
                              f"个人账户计入 {req.month}：该月末早于{policy.short}的施行日期 {start}"
                              f"（{rules.validity_cite}）；此前月份适用原有计入办法，本工具未收录，无法计算（A-BEFORE-VALIDITY）")
    if rules.valid_to is not None and day > rules.valid_to:
        raise OutsideValidity(f"account credit {req.month}: the month begins after {policy.short}'s validity ends on "
                              f"{rules.valid_to} ({policy.validity_cite}: “{policy.validity_quote}”); "
                              "the successor rules are not known (A-BEFORE-VALIDITY)",
                              f"个人账户计入 {req.month}：该月初晚于{policy.short}的有效期截止日 {rules.valid_to}"
                              f"（{policy.validity_cite}：“{policy.validity_quote}”）；其后的规定未知，无法计算（A-BEFORE-VALIDITY）")
    if person.has_account is False:
        # Stated to have no personal account: nothing is credited (as for 攀枝花's tier 2, A-PZH-FLEX-TIER2).
        cite = _credit_article(rules) + ("；A-PZH-NO-ACCOUNT-CREDIT" if rules.policy.id == "panzhihua" else "")
        t.add("无个人账户", "参保人未建立个人账户（人员信息所述，has_account: false），不计入个人账户", (), cite, ZERO)
        return Credit(req.month, ZERO, t)
    role = person.role_on(day)
    pid = policy.id
    # The texts credit 在职职工 and 退休人员: a flexible worker (1103, 1203) takes one of the two by a reading, as its
    # settlements do (benefits: 人员类别, A-PERSON-TYPES) — except under 攀枝花, whose 第四条 names 灵活就业人员 itself,
    # and where a retire date decides the role by itself.
    who = "A-PERSON-TYPES" if person.is_flexible and person.retire_date is None and pid != "panzhihua" else None
    # retiring after the month's first day: the month is credited as in service (A-ACCOUNT-RETIRE-MONTH)
    retiring = person.retire_date is not None and day < person.retire_date <= _month_end(day)
    retire_month = "A-ACCOUNT-RETIRE-MONTH" if retiring else None

    def need(value: Decimal | None, name: str) -> Decimal:
        if value is None:
            raise PolicyError(f"account credit {req.month}: field {name} is needed for psn_type {person.psn_type} under {policy.short}")
        return value

    if role == "in_service":
        if person.is_flexible and pid == "panzhihua":
            if person.flex_tier is None:
                raise PolicyError(f"account credit {req.month}: person field flex_tier is needed for a flexible worker under {policy.short} 第四条")
            if person.flex_tier == 2:
                t.add("二档灵活就业", "以二档标准参保的灵活就业人员不计入个人账户", (), join_cites(f"{policy.cite('4')}；A-PZH-FLEX-TIER2", retire_month), ZERO)
                return Credit(req.month, ZERO, t)
            p = rules.get("account.flexible_tier1.rate_of_base")
            base = need(req.base, "base")
            exact = base * p.value
            amt = round_fen(exact)
            # 第四条（一） gives the 2% no rounding (its 以“元”为单位四舍五入 is （二）'s, for retirees): to the fen, half up,
            # by A-ACCOUNT-MONTH, as the other documents' rates are
            rounded = amt != exact
            t.add("一档灵活就业", "缴费基数{} × {} = {}元" + ("（四舍五入到分）" if rounded else ""), (base, Pct(p.value), amt),
                  join_cites(p.cite, "A-ACCOUNT-MONTH" if rounded else None, retire_month), amt, rounded, rounded_from=exact)
            return Credit(req.month, amt, t)
        share = rules.find("account.in_service.share_of_contribution")
        if share is not None:
            contrib = need(req.contribution, "contribution")
            exact = contrib * share.value
            amt = round_fen(exact)
            t.add("在职职工", "个人缴费{}元全部计入个人账户", (contrib,), join_cites(share.cite, who, retire_month), amt, amt != exact, rounded_from=exact)
            return Credit(req.month, amt, t)
        p = rules.get("account.in_service.rate_of_base")
        base = need(req.base, "base")
        exact = base * p.value
        amt = round_fen(exact)
        # the rounding to the fen is A-ACCOUNT-MONTH's, cited where it rounded: a rate the text writes (北京（三）2%) applied
        # wrongly is a breach of the article, not of the reading (probe s25 Z3 F1)
        rounded = amt != exact
        t.add("在职职工", "缴费基数{} × {} = {}元" + ("（四舍五入到分）" if rounded else ""), (base, Pct(p.value), amt),
              join_cites(p.cite, "A-ACCOUNT-MONTH" if rounded else None, who, retire_month), amt, rounded, rounded_from=exact)
        return Credit(req.month, amt, t)
    # retirees
    if pid == "panzhihua" and person.is_flexible and person.flex_tier is None:
        raise PolicyError(f"account credit {req.month}: person field flex_tier is needed for a flexible worker under "
                          f"{policy.short} 第四条（二） (only 一档 retirees are credited)")
    if pid == "panzhihua" and person.is_flexible and person.flex_tier == 2:
        t.add("二档灵活就业", "以二档标准参保的灵活就业退休人员不计入个人账户", (), f"{policy.cite('4')}；A-PZH-FLEX-TIER2", ZERO)
        return Credit(req.month, ZERO, t)
    monthly_under = rules.find("account.retiree.monthly_under_70")
    if monthly_under is not None:
        if person.birth_date is None:
            raise PolicyError(f"account credit {req.month}: person field birth_date is needed for a retiree under {policy.short} (三)")
        threshold = int(rules.get("account.retiree.age_threshold").value)
        age = age_in_month(person.birth_date, day)
        p = rules.get("account.retiree.monthly_from_70") if age >= threshold else monthly_under
        # A-BJ-AGE70 decides the month of the 70th birthday alone (born on the 1st: 70 all month by any reading)
        birthday_month = age == threshold and person.birth_date.month == day.month and person.birth_date.day > 1
        t.add("退休人员定额", "{}月年满{}周岁（生日所在月份按满周岁计），按{}元/月划入", (req.month, age, p.value),
              join_cites(p.cite, who, "A-BJ-AGE70" if birthday_month else None), p.value)
        return Credit(req.month, p.value, t)
    monthly = rules.find("account.retiree.monthly")
    if monthly is not None or policy.requirement_for("account.retiree.monthly"):
        p = rules.get("account.retiree.monthly")
        t.add("退休人员定额", "按城市标准{}元/月划入", (p.value,), join_cites(p.cite, who), p.value)
        return Credit(req.month, p.value, t)
    rate = rules.get("account.retiree.rate_of_average_pension")
    avg = rules.get("account.retiree.average_pension")
    exact = avg.value * rate.value
    rounding = rules.find("account.retiree.rounding")
    if rounding is not None and rounding.value == "yuan":
        # Two steps, as the text has two rules: the product rests on the rate and on the average's source
        # (攀枝花 第四条（二）, 第十二条), the rounding to the yuan on 第四条（二） alone — a credit answered to the
        # fen with the right average is the rounding's fault, not the average's (rmut4 D6). The rounding step
        # records its unit and the exact product it rounds, so that causes tells a rounding of the product from
        # another figure by these facts, not by the steps' names.
        amt = round_yuan(exact)
        shown = _unrounded(exact)
        t.add("平均养老金 × 比例", "平均养老金{}元 × {} = {}元", (avg.value, Pct(rate.value), shown),
              join_cites(rate.cite, avg.cite), shown)
        t.add("退休人员定额", "{}元以“元”为单位四舍五入 = {}元", (shown, amt), rounding.cite, amt,
              amt != exact, unit=YUAN, rounded_from=exact)
    else:
        amt = round_fen(exact)
        rounded = amt != exact
        t.add("退休人员定额", "平均养老金{} × {} = {}元" + ("（四舍五入到分）" if rounded else ""), (avg.value, Pct(rate.value), amt),
              join_cites(rate.cite, avg.cite, "A-ACCOUNT-MONTH" if rounded else None, who), amt, rounded, rounded_from=exact)
    return Credit(req.month, amt, t)


def _use_before_reform(rules: Rules, day: dt.date | None, rule: AccountUseRule | None) -> UseDecision | None:
    """A use dated on or after the rules' start but before an account reform that dates credits only (浙江: a city
    starting its rules in 2022 under 三（二）, the crediting reform of 二（三）from 2023): undetermined. 二（四）
    规范个人账户使用范围 names no date and 二（三）'s date is the crediting's, so the text neither refuses such a use
    (as it would a use before any rules, A-BEFORE-VALIDITY) nor says the city's wider scope had begun with its
    pooling: allowing and refusing both stay within it (A-ZJ-VALID-FROM). None where the text decides."""
    reform = account_reform(rules)
    if day is None or reform is None or day >= reform[0] or reform_dates(rules, "account_use"):
        return None
    policy = rules.policy
    start, cite, quote = reform
    reading = (policy.doc.get("validity") or {}).get("assumption")
    what = rule.cite if rule is not None else policy.short
    return UseDecision(
        "undetermined", join_cites(what, cite, reading),
        f"{day} 在城市施行日期 {rules.valid_from}（{rules.validity_cite}）之后、{policy.short}个人账户计入改革施行"
        f"（{start}，{cite}：“{quote}”）之前：个人账户使用范围的规定（{what}）未写明施行日期，改革日期只针对个人账户计入；"
        "城市此时是否已按其调整使用范围，文件未作规定，允许或拒绝均不违反文件",
        quote)


def check_use(rules: Rules, relation: str, purpose: str, person: Person | None = None,
              day: dt.date | None = None) -> UseDecision:
    """Whether the account may pay for `purpose` on behalf of `relation`, with the clause.

    With the person, one stated to have no account (`has_account: false`) has nothing to pay from:
    refused, naming has_account. With the use's date, one before the rules start, or before an account reform
    that dates uses too (北京), is refused as a credit is (A-BEFORE-VALIDITY); one between the rules' start and a
    reform that dates credits only (浙江 二（三）) is undetermined (_use_before_reform). Where the
    text allows the use only under a condition the request cannot carry (`condition`: 南昌 四（三）2 备案的
    商业补充医疗保险, 浙江 二（四）本省), the answer is allowed on that condition and the reason says so. Where
    it names no one (北京（四）商业健康保险, `others: undetermined`), a relation it does not list is undetermined."""
    policy = rules.policy
    if relation not in RELATIONS:
        raise PolicyError(f"unknown relation {relation!r}; expected one of {', '.join(RELATIONS)}")
    if purpose not in PURPOSES:
        raise PolicyError(f"unknown purpose {purpose!r}; expected one of {', '.join(PURPOSES)}")
    if day is not None:
        refused = _before_account_reform(rules, day, f"account use on {day}: the day is", f"个人账户使用 {day}：该日",
                                         "account_use")
        if refused is not None:
            raise refused
        start = account_rules_start(rules)
        if start is not None and day < start:
            raise OutsideValidity(f"account use on {day}: before {policy.short}'s rules take effect on {start} "
                                  f"({rules.validity_cite}); earlier rules are not in the text (A-BEFORE-VALIDITY)",
                                  f"个人账户使用 {day}：早于{policy.short}的施行日期 {start}"
                                  f"（{rules.validity_cite}）；此前的规定不在本文件中，无法计算（A-BEFORE-VALIDITY）")
        if rules.valid_to is not None and day > rules.valid_to:  # as a credit of that month is
            raise OutsideValidity(f"account use on {day}: after {policy.short}'s validity ends on {rules.valid_to} "
                                  f"({policy.validity_cite}: “{policy.validity_quote}”); the successor rules are not "
                                  "known (A-BEFORE-VALIDITY)",
                                  f"个人账户使用 {day}：晚于{policy.short}的有效期截止日 {rules.valid_to}"
                                  f"（{policy.validity_cite}：“{policy.validity_quote}”）；其后的规定未知，无法计算（A-BEFORE-VALIDITY）")
    rule = policy.account_uses.get(purpose)
    if person is not None and person.has_account is False:
        return UseDecision("refused", rule.cite if rule else policy.short,
                           "人员信息写明参保人未建立个人账户（has_account: false），没有个人账户可以支付",
                           rule.quote if rule else "")
    early = _use_before_reform(rules, day, rule)
    if early is not None:
        return early
    if rule is None:
        return UseDecision("undetermined", policy.short, f"{policy.short} does not address personal-account uses")
    cite = join_cites(rule.cite, rule.assumption)  # a decision resting on a named reading names it
    if rule.decision == "allowed":
        if relation in rule.relations:
            cond = (f"（限{rule.condition}：请求未载明是否符合，符合时可用，无从确认时拒绝亦不违反文件）"
                    if rule.condition else "")
            return UseDecision("allowed", cite, f"{RELATIONS[relation]}：{PURPOSES[purpose]}可以使用个人账户{cond}", rule.quote)
        names = "、".join(RELATIONS[r] for r in rule.relations)
        if rule.others == "undetermined":  # the text names no one: only the listed relations are its own case
            return UseDecision("undetermined", cite, f"文件未写明{PURPOSES[purpose]}可否为{RELATIONS[relation]}使用个人账户，"
                               f"允许或拒绝均不违反文件（{rule.why}）", rule.quote)
        return UseDecision("refused", cite, f"该用途仅限{names}，不包括{RELATIONS[relation]}", rule.quote)
    if rule.decision == "refused":
        return UseDecision("refused", cite, f"个人账户不得用于{PURPOSES[purpose]}", rule.quote)
    why = f"（{rule.why}）" if rule.why else ""  # the policy file's reading, in its words
    said = rule.reason or f"文件未写明{PURPOSES[purpose]}可否使用个人账户"  # what the text says of it, where it does
    return UseDecision("undetermined", cite, f"{said}，允许或拒绝均不违反文件{why}", rule.quote)


__all__ = ["Credit", "UseDecision", "account_reform", "account_rules_start", "credit_month", "check_use", "MissingParameter", "age_in_month"]
